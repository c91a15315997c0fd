# The model-check loop every chapter's tools/check-model.sh shares (sourced, not run): each
# run is "name|model file|spin -D options|pass or fail|bfs (optional)". A "pass" run must find
# no error; a "fail" run is a mutant, a real bug, and spin must find it, or the check proves
# nothing. Prints one verdict line per run, in the order given; returns 1 if any verdict is
# FAIL. The runs are independent (each has its own directory for spin's pan.c), so they run
# $SPIN_JOBS at a time (default: the number of CPUs): most of a run is the C compiler
# building pan, one CPU each.
#   source tools/spin_runs.sh; spin_runs <models dir> "${runs[@]}"

# One run in its own directory: the verdict line goes to <dir>/verdict.
spin_run_one() {
  local models=$1 dir=$2 run=$3
  local name file options expect search model errors states what verdict
  IFS='|' read -r name file options expect search <<<"$run"
  model="$models/$file"
  mkdir -p "$dir"
  # shellcheck disable=SC2086  # options is a list of -D flags
  (cd "$dir" && spin -a $options "$model" >/dev/null)
  # Breadth-first where a run asks for it: a bug that lies deep (chapter 5's 3-sender
  # mutant: 45 steps) is reached depth-first only after tens of millions of states.
  (cd "$dir" && cc -O2 -DSAFETY -DCOLLAPSE ${search:+-DBFS} -w -o pan pan.c)
  (cd "$dir" && ./pan -m1000000 >out 2>&1) || true
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/out")
  states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$dir/out")
  what=$(grep -oE "invalid end state|assertion violated[^)]*\)?" "$dir/out" | head -1 || true)
  if grep -q "max search depth too small" "$dir/out" || [ -z "$errors" ]; then
    verdict="FAIL (search incomplete)"
  elif [ "$expect" = pass ] && [ "$errors" = 0 ]; then
    verdict="ok: no error in $states states"
  elif [ "$expect" = fail ] && [ "$errors" != 0 ]; then
    verdict="ok: caught ($what)"
  elif [ "$expect" = pass ]; then
    verdict="FAIL: $what (trail: spin -t -p $options $model, after running pan)"
  else
    verdict="FAIL: a real bug, and spin found nothing in $states states: the check proves nothing"
  fi
  printf '%-55s %s\n' "$name" "$verdict" >"$dir/verdict"
}

spin_runs() {
  local models=$1
  shift
  local work max_jobs i=0 failed=0 run name line
  max_jobs=${SPIN_JOBS:-$(nproc)}
  work=$(mktemp -d)
  for run in "$@"; do
    # At most $max_jobs runs at once: wait for one to end before starting the next.
    while (($(jobs -rp | wc -l) >= max_jobs)); do wait -n || true; done
    spin_run_one "$models" "$work/$i" "$run" &
    i=$((i + 1))
  done
  wait
  i=0
  for run in "$@"; do
    if [ -f "$work/$i/verdict" ]; then
      line=$(cat "$work/$i/verdict")
    else  # spin or the compiler failed: the run never reached a verdict
      IFS='|' read -r name _ <<<"$run"
      line=$(printf '%-55s %s' "$name" "FAIL (spin or cc failed on the model)")
    fi
    echo "$line"
    case $line in *" FAIL"*) failed=1 ;; esac
    i=$((i + 1))
  done
  rm -rf "$work"
  return "$failed"
}
