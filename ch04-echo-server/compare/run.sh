#!/usr/bin/env bash
# Chapter 4's fibers and events servers beside two peers, a Go echo server (GOMAXPROCS=1)
# and a libuv one, on the same machine, measured two ways:
#   (a) by our own bench (`bench --models none --peer NAME=PORT ...`), client on CPU 0;
#   (b) by echo-load, an independent Go load generator, on CPU 0 with GOMAXPROCS=1.
# Every server runs pinned to CPU 1 (taskset), listens on 127.0.0.1 only, and is stopped
# when this script ends, however it ends. The README of chapter 4 explains the tables.
#
#   bash ch04-echo-server/compare/run.sh                # the full comparison (~1 minute)
#   bash ch04-echo-server/compare/run.sh --smoke        # 1 connection, 0.2 s: builds and echoes
#
# Needs build/release/bin/ch04-echo-server (cmake --preset release && cmake --build --preset
# release --target ch04-echo-server), Go and libuv (apt install golang-go libuv1-dev), and
# taskset. Builds the peers into build/compare; writes nothing into the source tree.
# Exit status: 0 done, 1 a server or a measurement failed, 2 a bad option, 3 something to
# install or build first.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/compare
ours=$root/build/release/bin/ch04-echo-server

duration=2
conns=1,100,1000,10000
load_conns=100,1000
skip_if_missing=false

usage() {
  cat <<'EOF'
usage: run.sh [--duration S] [--conns LIST] [--load-conns LIST] [--smoke] [--skip-if-missing]
  --duration S       seconds per cell, in both tables (default 2)
  --conns LIST       connection counts for our bench, comma-separated (default 1,100,1000,10000)
  --load-conns LIST  connection counts for echo-load (default 100,1000)
  --smoke            1 connection, 0.2 s, both tables: proves that everything builds and echoes
  --skip-if-missing  if Go or libuv is not installed, say so and exit 0 instead of 3
                     (for CI machines that cannot install them)
EOF
}

fail() {
  echo "run.sh: $*" >&2
  exit 1
}
bad_usage() {
  echo "run.sh: $*" >&2
  exit 2
}

while (($#)); do
  case $1 in
    --duration) duration=${2:-}; shift 2 || bad_usage "--duration needs a value" ;;
    --conns) conns=${2:-}; shift 2 || bad_usage "--conns needs a value" ;;
    --load-conns) load_conns=${2:-}; shift 2 || bad_usage "--load-conns needs a value" ;;
    --smoke) duration=0.2 conns=1 load_conns=1; shift ;;
    --skip-if-missing) skip_if_missing=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; bad_usage "unknown option '$1'" ;;
  esac
done
if ! [[ $duration =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
  ! awk -v d="$duration" 'BEGIN { exit !(d >= 0.05 && d <= 600) }'; then
  bad_usage "--duration '$duration' is not a number of seconds from 0.05 to 600 (the bench's range)"
fi
[[ $conns =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || bad_usage "--conns '$conns' is not a list like 1,100"
[[ $load_conns =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] ||
  bad_usage "--load-conns '$load_conns' is not a list like 100,1000"

# ---- what this needs ----
missing=()
command -v go >/dev/null || missing+=(golang-go)
command -v cc >/dev/null || missing+=(gcc)
if command -v cc >/dev/null && ! printf '#include <uv.h>\n' | cc -E -x c - >/dev/null 2>&1; then
  missing+=(libuv1-dev)
fi
command -v taskset >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then
  echo "run.sh: missing ${missing[*]}; install with: sudo apt install ${missing[*]}" >&2
  if $skip_if_missing; then
    echo "run.sh: SKIPPED (--skip-if-missing): nothing was built or measured"
    exit 0
  fi
  exit 3
fi
if [[ ! -x $ours ]]; then
  echo "run.sh: $ours is not built; build it with:" >&2
  echo "  cmake --preset release && cmake --build --preset release --target ch04-echo-server" >&2
  exit 3
fi
if [[ -f $root/build/release/build.ninja ]]; then
  # Measure the code as it is now: a no-op if the release build is up to date.
  cmake --build "$root/build/release" --target ch04-echo-server >/dev/null
fi

# ---- build the peers and the load generator into build/compare ----
mkdir -p "$out/logs"
echo "building the Go programs and the libuv server into ${out#"$root"/}"
(
  cd "$here/go"
  # Standard library only: no module is downloaded; the caches live in the build dir.
  GOCACHE=$out/gocache GOPATH=$out/gopath GOPROXY=off GOTOOLCHAIN=local GOFLAGS='' \
    go build -trimpath -o "$out/" ./echo-server ./echo-load
)
cc -O2 -Wall -Wextra -Werror -o "$out/libuv-echo-server" "$here/libuv/echo_server.c" -luv

# ---- descriptors and CPUs ----
soft=$(ulimit -Sn)
hard=$(ulimit -Hn)
if [[ $soft == "$hard" ]]; then
  echo "open-file limit: $soft (already the hard limit)"
elif ulimit -n "$hard" 2>/dev/null; then
  echo "open-file limit: raised from $soft to $hard (the hard limit), for this script and the servers"
else
  echo "open-file limit: $soft (raising it to the hard limit, $hard, failed)"
fi
server_cpu=1
client_cpu=0
if (($(nproc) < 2)); then
  server_cpu=0
  echo "run.sh: one CPU: servers and clients share CPU 0, so the figures compare nothing" >&2
fi
echo "machine: $(uname -sm), $(nproc) CPUs; load average$(uptime | sed 's/.*load average//')" \
  "(measure on a quiet machine)"

# ---- the servers, each pinned to the server CPU, each stopped at the end ----
source "$root/tools/echo_servers.sh"
echo_servers_trap
echo_server_start fibers "$server_cpu" "$ours" serve --model fibers --port 0
echo_server_start events "$server_cpu" "$ours" serve --model events --port 0
echo_server_start go "$server_cpu" env GOMAXPROCS=1 "$out/echo-server" -port 0
echo_server_start libuv "$server_cpu" "$out/libuv-echo-server" --port 0
servers=(fibers events go libuv)

# ---- (a) our bench, driving the four servers as peers ----
echo
echo "=== (a) ch04-echo-server bench, its client on CPU $client_cpu, against each server on CPU $server_cpu"
peers=()
for name in "${servers[@]}"; do peers+=(--peer "$name=${echo_port[$name]}"); done
taskset -c "$client_cpu" "$ours" bench --models none "${peers[@]}" --conns "$conns" \
  --duration "$duration" | tee "$out/logs/bench.txt"
# Every row of the table must have 0 errors: the client verified every byte.
awk '/^-+ / { table = 1; next } table && NF >= 10 && $2 ~ /^[0-9]+$/ && $NF != 0 { bad = 1 }
     table && NF < 10 { table = 0 } END { exit bad }' "$out/logs/bench.txt" ||
  fail "a row of the bench's table has errors (see above)"

# ---- (b) the independent load generator ----
echo
echo "=== (b) echo-load (Go, GOMAXPROCS=1) on CPU $client_cpu against each server on CPU $server_cpu"
header=true
for n in ${load_conns//,/ }; do
  for name in "${servers[@]}"; do
    taskset -c "$client_cpu" "$out/echo-load" -port "${echo_port[$name]}" -name "$name" -conns "$n" \
      -duration "$duration" -procs 1 -header="$header"
    header=false
  done
done
echo
