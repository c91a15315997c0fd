#!/usr/bin/env bash
# Chapter 5's channel beside Go's on the same machine: our `bench` rows, then Go's channels on
# the same rows (compare/go, GOMAXPROCS=1 and 2), pinned with taskset where that is what the
# row says. The chapter README explains the table.
#
#   bash ch05-bridge-channel/compare/run.sh            # the comparison (~1 minute)
#   bash ch05-bridge-channel/compare/run.sh --smoke    # a few messages: builds and runs
#
# Needs build/release/bin/ch05-bridge-channel (cmake --preset release && cmake --build
# --preset release --target ch05-bridge-channel), Go (apt install golang-go) and taskset.
# Builds the Go program into build/compare; writes nothing into the source tree.
# Exit status: 0 done, 1 a run failed, 2 a bad option, 3 something to install or build first.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/compare
ours=$root/build/release/bin/ch05-bridge-channel

messages=2000000
reps=5
case "${1:-}" in
  "") ;;
  --smoke) messages=20000; reps=1 ;;
  -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
  *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac

[ -x "$ours" ] || { echo "run.sh: build $ours first (see --help)" >&2; exit 3; }
command -v go >/dev/null || { echo "run.sh: needs Go (apt install golang-go)" >&2; exit 3; }
command -v taskset >/dev/null || { echo "run.sh: needs taskset (util-linux)" >&2; exit 3; }

mkdir -p "$out"
(cd "$here/go" && GOFLAGS=-mod=mod go build -o "$out/chanbench" .)

echo "== ours: ch05-bridge-channel bench --messages $messages --reps $reps"
"$ours" bench --messages "$messages" --reps "$reps"
echo
echo "== Go $(go version | awk '{print $3}'): median min max unit"
echo "-- GOMAXPROCS=1, pinned to CPU 1 (ping-pong and stream on one thread)"
GOMAXPROCS=1 taskset -c 1 "$out/chanbench" -rows pingpong,stream -n "$messages" -reps "$reps"
if [ "$(nproc)" -ge 2 ]; then
  echo "-- GOMAXPROCS=2, CPUs 0 and 1 (stream across two threads; the locked-thread round trip)"
  GOMAXPROCS=2 taskset -c 0,1 "$out/chanbench" -rows stream,locked -n "$messages" -reps "$reps"
fi
