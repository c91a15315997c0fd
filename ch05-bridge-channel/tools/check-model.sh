#!/usr/bin/env bash
# Verifies the channel's park/notify protocol (model/waiter.pml) with spin, then checks that
# the check can fail: the mutant without step 2 (the re-check after registering) must lose
# a wakeup, and spin must find that trail. Needs spin and a C compiler (Debian: spin, gcc).
set -euo pipefail
model="$(cd "$(dirname "$0")/../model" && pwd)/waiter.pml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

verify() {  # verify NAME [spin -D options...]: an exhaustive search; its verdict in NAME.out
  local name=$1
  shift
  spin -a "$@" "$model" >/dev/null
  cc -O2 -DSAFETY -o "pan-$name" pan.c
  "./pan-$name" -m1000000 >"$name.out" 2>&1 || true
  grep -E "errors:|states, stored|invalid end state \(|assertion violated|max search depth" \
    "$name.out" | sed "s/^/  $name: /"
}

echo "the protocol (waiter.pml):"
verify protocol
if ! grep -q "errors: 0" protocol.out || grep -q "max search depth too small" protocol.out; then
  echo "FAIL: spin found an error in the protocol (trail: spin -t -p $model)" >&2
  exit 1
fi
echo "the mutant without the re-check (-DMUTANT_NO_RECHECK):"
verify mutant -DMUTANT_NO_RECHECK
if ! grep -q "invalid end state" mutant.out; then
  echo "FAIL: the mutant loses wakeups, and spin did not find it: the check proves nothing" >&2
  exit 1
fi
echo "model check passed: no lost wakeup, no violated assertion; the mutant's lost wakeup found"
