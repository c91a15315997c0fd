# The model-check loop every chapter's tools/check-model.sh shares (sourced, not run): each
# run is "name|model file|spin -D options|pass or fail|bfs (optional)". A "pass" run must find
# no error; a "fail" run is a mutant, a real bug, and spin must find it, or the check proves
# nothing. Prints one verdict line per run; returns 1 if any verdict is FAIL.
#   source tools/spin_runs.sh; spin_runs <models dir> "${runs[@]}"
spin_runs() {
  local models=$1
  shift
  local work failed=0 run name file options expect search model errors states what verdict
  work=$(mktemp -d)
  for run in "$@"; do
    IFS='|' read -r name file options expect search <<<"$run"
    model="$models/$file"
    # shellcheck disable=SC2086  # options is a list of -D flags
    (cd "$work" && spin -a $options "$model" >/dev/null)
    # Breadth-first where a run asks for it: a bug that lies deep (chapter 5's 3-sender
    # mutant: 45 steps) is reached depth-first only after tens of millions of states.
    (cd "$work" && cc -O2 -DSAFETY -DCOLLAPSE ${search:+-DBFS} -w -o pan pan.c)
    (cd "$work" && ./pan -m1000000 >out 2>&1) || true
    errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$work/out")
    states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$work/out")
    what=$(grep -oE "invalid end state|assertion violated[^)]*\)?" "$work/out" | head -1 || true)
    if grep -q "max search depth too small" "$work/out" || [ -z "$errors" ]; then
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
    case $verdict in FAIL*) failed=1 ;; esac
    printf '%-55s %s\n' "$name" "$verdict"
  done
  rm -rf "$work"
  return "$failed"
}
