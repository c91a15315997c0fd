#!/usr/bin/env bash
# Chapter 6's scheduler beside Go's on the same machine, in one run: `spawn` (100,000 fibers or
# goroutines alive at once) and `pingpong` (two of them over an unbuffered channel), each with
# 1 and 2 workers (GOMAXPROCS 1 and 2; with one, both pinned to CPU 1); `handoff` (one blocked
# in read(2), 100 behind it, one worker); `locked` (a syscall server locked to its thread, Go's LockOSThread, with 1 and 4
# clients); then the echo server (chapter 4's protocol, 64
# connections x 64 B) on M:N fibers with 1 and 2 workers, beside chapter 4's event loop and
# chapter 4's Go echo server with GOMAXPROCS 1 and 2, in one table of our bench. The chapter
# README explains the tables.
#
#   bash ch06-scheduler/compare/run.sh            # the comparison (about 40 s here)
#   bash ch06-scheduler/compare/run.sh --smoke    # small sizes: builds and runs
#
# Needs build/release/bin/ch06-scheduler (cmake --preset release && cmake --build --preset
# release --target ch06-scheduler), Go (apt install golang-go) and taskset. Builds the Go
# programs into build/compare; writes nothing into the source tree.
# Exit status: 0 done, 1 a run failed, 2 a bad option, 3 something to install or build first.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/compare
ours=$root/build/release/bin/ch06-scheduler

fibers=100000
trips=1000000
runs=3
echo_seconds=3
case "${1:-}" in
  "") ;;
  --smoke) fibers=2000; trips=20000; runs=1; echo_seconds=0.2 ;;
  -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
  *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac

[ -x "$ours" ] || { echo "run.sh: build $ours first (see --help)" >&2; exit 3; }
command -v go >/dev/null || { echo "run.sh: needs Go (apt install golang-go)" >&2; exit 3; }

command -v taskset >/dev/null || { echo "run.sh: needs taskset (apt install util-linux)" >&2; exit 3; }

mkdir -p "$out"
(cd "$here/go" && GOFLAGS=-mod=mod go build -o "$out/schedbench" .)
# Chapter 4's Go echo server (standard library only: nothing is downloaded).
(
  cd "$root/ch04-echo-server/compare/go"
  GOCACHE=$out/gocache GOPATH=$out/gopath GOPROXY=off GOTOOLCHAIN=local GOFLAGS='' \
    go build -trimpath -o "$out/" ./echo-server
)

# One worker: both processes pinned to CPU 1 (this VM's CPU 0 runs a single-thread loop about
# 30% slower, docs/TEACHING.md: compare two programs on the same CPU). Two: both unpinned.
for workers in 1 2; do
  [ "$workers" -le "$(nproc)" ] || continue
  place=()
  where="unpinned"
  if [ "$workers" -eq 1 ] && [ "$(nproc)" -ge 2 ]; then
    place=(taskset -c 1)
    where="both pinned to CPU 1"
  fi
  echo "== $workers worker(s) / GOMAXPROCS=$workers, $where; spawn: $runs runs, each in a fresh process"
  for run in $(seq "$runs"); do
    echo "-- ours, run $run"
    "${place[@]}" "$ours" spawn --fibers "$fibers" --workers "$workers" --json
    echo "-- Go $(go version | awk '{print $3}'), run $run"
    GOMAXPROCS=$workers "${place[@]}" "$out/schedbench" -rows spawn -fibers "$fibers"
  done
  echo "-- ours: pingpong"
  "${place[@]}" "$ours" pingpong --round-trips "$trips" --workers "$workers" --json
  echo "-- Go: pingpong (median min max of $runs)"
  GOMAXPROCS=$workers "${place[@]}" "$out/schedbench" -rows pingpong -round-trips "$trips" -reps "$runs"
done

# ---- handoff: a fiber or goroutine blocked 50 ms in read(2), 100 queued behind it ----
echo "== handoff, 1 worker / GOMAXPROCS=1"
echo "-- ours"
"$ours" handoff --workers 1
echo "-- Go"
GOMAXPROCS=1 "$out/schedbench" -rows handoff

# ---- locked: a syscall server locked to its thread (Go's LockOSThread) or not ----
echo "== locked, 2 workers / GOMAXPROCS=2, 1 client and 4"
for clients in 1 4; do
  echo "-- ours, $clients client(s)"
  "$ours" locked --workers 2 --clients "$clients"
  echo "-- Go, $clients client(s)"
  GOMAXPROCS=2 "$out/schedbench" -rows locked -clients "$clients"
done

# ---- preempt: a spinning hog per worker, and who waits behind it ----
echo "== preempt, a spinning hog of 100 ms, 1 worker / GOMAXPROCS=1"
echo "-- ours"
"$ours" preempt --workers 1
echo "-- Go, asynchronous preemption on (the default), then GODEBUG=asyncpreemptoff=1"
GOMAXPROCS=1 "$out/schedbench" -rows preempt -reps "$runs"
GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 "$out/schedbench" -rows preempt -reps "$runs"

# ---- echo: our bench's one table, its client pinned to CPU 0 ----
# In the bench's process: chapter 4's events model and M:N on 1 worker, each pinned to CPU 1;
# M:N on 2 workers, unpinned. Outside it: Go's server with GOMAXPROCS=1 on CPU 1, and with
# GOMAXPROCS=2 unpinned (the same CPUs as our 2 workers: the machine's two, the client's too).
fail() {
  echo "run.sh: $*" >&2
  exit 1
}
source "$root/tools/echo_servers.sh"
echo_servers_trap
if (($(nproc) < 2)); then
  echo "== echo: skipped (one CPU: nothing to pin apart)"
  exit 0
fi
echo "== echo, 64 connections x 64 B, $echo_seconds s per row"
echo_server_start go1 1 env GOMAXPROCS=1 "$out/echo-server" -port 0
echo_server_start go2 "" env GOMAXPROCS=2 "$out/echo-server" -port 0
"$ours" bench --conns 64 --size 64 --duration "$echo_seconds" --workers 1,2 \
  --peer "go1=${echo_port[go1]}" --peer "go2=${echo_port[go2]}"
