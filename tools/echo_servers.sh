# Echo servers for the compare/run.sh scripts (chapters 4 and 6): started in the background,
# each read for its port, and stopped however the script ends (Ctrl-C, an error, its end).
# Sourced, not run. The script provides $out (logs go to $out/logs) and a function `fail`.
#
#   source "$root/tools/echo_servers.sh"
#   echo_servers_trap                                   # once, before the first start
#   echo_server_start go 1 env GOMAXPROCS=1 "$out/echo-server" -port 0   # on CPU 1
#   echo_server_start mn2 "" "$ours" serve --workers 2 --port 0          # unpinned
#   ... --peer "go=${echo_port[go]}" ...
#
# A server must print "listening on 127.0.0.1:PORT ..." (ours, the Go and libuv peers do).

declare -A echo_port
echo_server_pids=()

echo_servers_stop() {
  local status=$? pid tries
  set +e
  for pid in "${echo_server_pids[@]}"; do kill -INT "$pid" 2>/dev/null; done
  for pid in "${echo_server_pids[@]}"; do
    for ((tries = 0; tries < 50; tries++)); do # up to 5 s each, then SIGKILL
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  ((${#echo_server_pids[@]})) && echo "all ${#echo_server_pids[@]} servers this script started have stopped"
  exit "$status"
}

echo_servers_trap() {
  trap echo_servers_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# echo_server_start NAME CPU COMMAND...: runs COMMAND on CPU (a taskset list; "" for any CPU),
# then waits until its port accepts a connection: 10 s at most. Sets echo_port[NAME].
echo_server_start() {
  local name=$1 cpu=$2 log=$out/logs/$1.log tries p="" where="any CPU"
  shift 2
  mkdir -p "$out/logs"
  : >"$log" # exists before the loop reads it: the server's redirection opens it later
  [[ -n $cpu ]] && where="CPU $cpu"
  if [[ -n $cpu ]]; then
    taskset -c "$cpu" "$@" >"$log" 2>&1 &
  else
    "$@" >"$log" 2>&1 &
  fi
  echo_server_pids+=($!)
  for ((tries = 0; tries < 100; tries++)); do
    kill -0 "${echo_server_pids[-1]}" 2>/dev/null ||
      fail "$name exited at start; its output:"$'\n'"$(cat "$log")"
    p=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log")
    if [[ -n $p ]] && timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null; then
      echo_port[$name]=$p
      echo "$name: $(sed -n 's/^listening on //p' "$log"), pid ${echo_server_pids[-1]}," \
        "$where: ${*#"$root"/}"
      return
    fi
    sleep 0.1
  done
  fail "$name did not listen within 10 s; its output:"$'\n'"$(cat "$log")"
}
