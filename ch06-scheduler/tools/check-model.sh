#!/usr/bin/env bash
# Chapter 6's workers' sleep and wakeup protocol (ch06-scheduler/model/workers.pml), the
# handoff of a blocked fiber's worker (model/handoff.pml), the monitor's sleep while every
# worker is idle (model/monitor_sleep.pml) and the fibers locked to a thread (model/locked.pml),
# checked by spin the way chapter 5's script checks its models: each protocol run must find no
# error, and each mutant must be caught. The rows "before the fix" are the two lost-wakeup bugs
# this model found in src/runtime.cpp, now worker.cpp and runtime.cpp (model/README.md), kept
# as mutants. Needs spin and a C compiler (Debian: spin, gcc). About two minutes on one CPU,
# one on two. CI runs every ch*/tools/check-*.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
models="$root/ch06-scheduler/model"
source "$root/tools/spin_runs.sh"  # the loop both chapters' checks share

# name | model | spin -D options | what must happen | search
runs=(
  "workers: an outside thread readies 2, 2 workers|workers.pml||pass"
  "workers: a busy worker readies 2, 2 workers|workers.pml|-DOUTSIDE=0 -DLOCAL=2|pass"
  "workers: all three readiers, long fibers|workers.pml|-DOUTSIDE=1 -DLOCAL=1 -DSPAWNS=1 -DLONG_FIBERS|pass"
  "workers: outside thread, long fibers, 2 may spin|workers.pml|-DMAX_SPINNING=2 -DLONG_FIBERS|pass"
  "workers: 3 workers, a busy one readies 2, long fibers|workers.pml|-DWORKERS=3 -DOUTSIDE=0 -DLOCAL=2 -DLONG_FIBERS|pass"
  "workers: 3 workers, outside and busy readiers, long|workers.pml|-DWORKERS=3 -DOUTSIDE=1 -DLOCAL=1 -DLONG_FIBERS|pass"
  "before the fix: both bugs, a lost wakeup|workers.pml|-DBEFORE_THE_FIX -DONLY_LOST_WAKEUPS|fail"
  "before the fix: flag lowered after the unlock|workers.pml|-DMUTANT_FLAG_OUTSIDE_LOCK|fail"
  "before the fix: no need_spinning (busy readier)|workers.pml|-DMUTANT_NO_NEED_SPINNING -DOUTSIDE=0 -DLOCAL=2|fail"
  "mutant: wakep looks before the publish (no fence)|workers.pml|-DMUTANT_WAKE_BEFORE_PUBLISH|fail"
  "mutant: a spinner sleeps without looking again|workers.pml|-DMUTANT_NO_RECHECK|fail"
  "mutant: it looks again before it stops spinning|workers.pml|-DMUTANT_RECHECK_BEFORE_DECREMENT|fail"
  "mutant: looks, then joins the idle list, two locks|workers.pml|-DMUTANT_SPLIT_LOCK|fail"
  "mutant: stop_spinning wakes nobody (3 workers)|workers.pml|-DWORKERS=3 -DOUTSIDE=0 -DLOCAL=2 -DLONG_FIBERS -DMUTANT_STOP_SPINNING_NO_WAKEP|fail"
  "netpoller: 2 fibers on I/O, 2 workers, long fibers|workers.pml|-DNET=2 -DOUTSIDE=0 -DLONG_FIBERS|pass"
  "netpoller: 1 on I/O and an outside readier|workers.pml|-DNET=1 -DOUTSIDE=1|pass"
  "netpoller: 3 workers, 1 on I/O, a busy readier|workers.pml|-DWORKERS=3 -DNET=1 -DOUTSIDE=0 -DLOCAL=1|pass"
  "netpoller, before the fix: word read before the poll|workers.pml|-DNET=2 -DOUTSIDE=1 -DMUTANT_WORD_BEFORE_LOCK|fail"
  "netpoller mutant: the sleeper never reads its word|workers.pml|-DNET=2 -DOUTSIDE=1 -DMUTANT_NO_WORD_LOOK|fail"
  "netpoller mutant: the waker ignores in_poller|workers.pml|-DNET=2 -DOUTSIDE=1 -DMUTANT_ADDRESS_WAKE_ONLY|fail"
  "netpoller mutant: nobody sleeps in the poller|workers.pml|-DNET=2 -DOUTSIDE=1 -DMUTANT_NO_POLLER_SLEEP|fail"
  "handoff: 3 machines, 2 regions|handoff.pml||pass"
  "handoff: 2 machines, 3 regions|handoff.pml|-DMACHINES=2 -DROUNDS=3|pass"
  "handoff mutant: exit_blocking loads, then stores|handoff.pml|-DMUTANT_EXIT_WITHOUT_CAS|fail"
  "handoff mutant: the monitor loads, then stores|handoff.pml|-DMUTANT_MONITOR_WITHOUT_CAS|fail"
  "handoff mutant: a spare ignores the stop|handoff.pml|-DMUTANT_SPARE_IGNORES_STOPPING|fail"
  "handoff mutant: the lost fiber's push wakes nobody|handoff.pml|-DMUTANT_LOST_NO_WAKEP|fail"
  "monitor sleep: 2 workers, 2 rounds each|monitor_sleep.pml||pass"
  "monitor sleep: 3 workers, 2 rounds each|monitor_sleep.pml|-DWORKERS=3|pass"
  "monitor sleep mutant: no worker wakes it|monitor_sleep.pml|-DMUTANT_NO_HOOK|fail"
  "monitor sleep mutant: it looks, then raises its flag|monitor_sleep.pml|-DMUTANT_MONITOR_LOOKS_FIRST|fail"
  "monitor sleep mutant: the worker looks, then leaves|monitor_sleep.pml|-DMUTANT_HOOK_BEFORE_LEAVING|fail"
  "monitor sleep: 2 workers, then the stop|monitor_sleep.pml|-DSTOP|pass"
  "monitor sleep mutant: the stop wakes, then says stop|monitor_sleep.pml|-DSTOP -DMUTANT_STOP_WAKES_FIRST|fail"
  "locked: 2 fibers on a thread, 2 parks each|locked.pml||pass"
  "locked: 2 fibers, 3 parks each|locked.pml|-DROUNDS=3|pass"
  "locked: 3 fibers, 2 parks each|locked.pml|-DNF=3|pass"
  "locked mutant: the readier looks, then pushes|locked.pml|-DMUTANT_READY_WITHOUT_PIN|fail"
  "locked mutant: asleep with fibers in its list|locked.pml|-DMUTANT_IDLE_KEEPS_READY|fail"
  "locked mutant: a picker never hands its worker|locked.pml|-DMUTANT_RECEIVE_NEVER_HANDS|fail"
  "locked mutant: the stop leaves it asleep|locked.pml|-DMUTANT_STOP_LEAVES_LOCKED|fail"
)
failed=0
spin_runs "$models" "${runs[@]}" || failed=1
if [ "$failed" -ne 0 ]; then
  echo "model check FAILED" >&2
  exit 1
fi
echo "model check passed: chapter 6's workers, handoff, monitor sleep and locked fibers hold; every mutant was caught"
