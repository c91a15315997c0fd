#!/usr/bin/env bash
# Chapter 2's short-receive rule (ch02-epoll-kqueue-iocp/model/short_receive.pml) against an
# edge-triggered queue, checked by spin as chapters 5 and 6 check theirs: each protocol run
# must find no error, and each mutant (one of the rule's two guards removed) must be caught.
# Needs spin and a C compiler (Debian: spin, gcc). A few seconds. CI runs every
# ch*/tools/check-*.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
models="$root/ch02-epoll-kqueue-iocp/model"
source "$root/tools/spin_runs.sh"

# name | model | spin -D options | what must happen | search
runs=(
  "short receive: 2 messages, the FIN at any time|short_receive.pml||pass"
  "short receive: 3 messages, the FIN at any time|short_receive.pml|-DMESSAGES=3|pass"
  "short receive: the FIN after all is read|short_receive.pml|-DPEER_WAITS|pass"
  "mutant: marked drained after a hangup|short_receive.pml|-DMUTANT_NO_HUNG_UP|fail"
  "mutant: cleared only with a receive waiting|short_receive.pml|-DMUTANT_CLEAR_ONLY_PENDING -DPEER_WAITS|fail"
)
if ! spin_runs "$models" "${runs[@]}"; then
  echo "model check FAILED" >&2
  exit 1
fi
echo "model check passed: no receive waits for an edge that will not come; every mutant was caught"
