#!/usr/bin/env bash
# Chapter 6's scheduler beside Go's on the same machine, in one run: `spawn` (100,000 fibers or
# goroutines alive at once) and `pingpong` (two of them over an unbuffered channel), each with
# 1 and 2 workers (GOMAXPROCS 1 and 2). The chapter README explains the table.
#
#   bash ch06-scheduler/compare/run.sh            # the comparison (~1 minute)
#   bash ch06-scheduler/compare/run.sh --smoke    # small sizes: builds and runs
#
# Needs build/release/bin/ch06-scheduler (cmake --preset release && cmake --build --preset
# release --target ch06-scheduler) and Go (apt install golang-go). Builds the Go program into
# build/compare; writes nothing into the source tree.
# Exit status: 0 done, 1 a run failed, 2 a bad option, 3 something to install or build first.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/compare
ours=$root/build/release/bin/ch06-scheduler

fibers=100000
trips=1000000
runs=3
case "${1:-}" in
  "") ;;
  --smoke) fibers=2000; trips=20000; runs=1 ;;
  -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
  *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac

[ -x "$ours" ] || { echo "run.sh: build $ours first (see --help)" >&2; exit 3; }
command -v go >/dev/null || { echo "run.sh: needs Go (apt install golang-go)" >&2; exit 3; }

mkdir -p "$out"
(cd "$here/go" && GOFLAGS=-mod=mod go build -o "$out/schedbench" .)

for workers in 1 2; do
  [ "$workers" -le "$(nproc)" ] || continue
  echo "== $workers worker(s) / GOMAXPROCS=$workers; spawn: $runs runs, each in a fresh process"
  for run in $(seq "$runs"); do
    echo "-- ours, run $run"
    "$ours" spawn --fibers "$fibers" --workers "$workers" --json
    echo "-- Go $(go version | awk '{print $3}'), run $run"
    GOMAXPROCS=$workers "$out/schedbench" -rows spawn -fibers "$fibers"
  done
  echo "-- ours: pingpong"
  "$ours" pingpong --round-trips "$trips" --workers "$workers" --json
  echo "-- Go: pingpong (median min max of $runs)"
  GOMAXPROCS=$workers "$out/schedbench" -rows pingpong -round-trips "$trips" -reps "$runs"
done
