# Lab ch01-costs: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "What a thread costs: spawning, and switching pinned and unpinned")
set(LAB_LEVEL measurement)
set(LAB_KIND results)
set(LAB_HOURS 2)
set(LAB_PLATFORMS "^Linux-")  # strace and the kernel-stack figure are Linux's
set(LAB_TEMPLATE results-template.md)
set(LAB_REFERENCE reference-results.md)
# <figure>=<low>..<high>=<points>: the ranges README.md states, wide enough for any laptop,
# server or VM of the last ten years, narrow enough to catch a unit slip (ns for us).
set(LAB_FIGURES
  "spawn_join_median_us=2..2000=1"
  "spawn_join_median_us_stack_64k=2..2000=1"
  "condvar_round_trip_us_unpinned=0.5..500=1"
  "condvar_round_trip_us_pinned=0.5..500=1"
  "atomic_round_trip_us_unpinned=0.05..500=1"
  "atomic_round_trip_us_pinned=0.5..500=1"
  "atomic_voluntary_switches_per_round_trip_pinned=0..0.5=1"
  "condvar_voluntary_switches_per_round_trip_pinned=0.5..4=1")
# <question>=<points>: the grader checks an answer is there (12 words at least); the
# instructor reads it.
set(LAB_ANSWERS "q1=2" "q2=2" "q3=2")
