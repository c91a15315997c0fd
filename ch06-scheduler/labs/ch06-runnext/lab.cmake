# Lab ch06-runnext: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "Runnext and stealing: what a thief costs a ping-pong pair")
set(LAB_LEVEL measurement)
set(LAB_KIND results)
set(LAB_HOURS 2)
set(LAB_PLATFORMS "^Linux-")  # the pinned rows use taskset
set(LAB_TEMPLATE results-template.md)
set(LAB_REFERENCE reference-results.md)
# <figure>=<low>..<high>=<points>: the ranges README.md states. Broad on purpose: they catch
# a figure from the wrong row or in the wrong unit, not a slow machine. Counts are checked
# for being numbers of 0 or more; with --no-steal nothing can be stolen.
set(LAB_FIGURES
  "w1_pinned_round_trips_m_per_s=0.05..50=1"
  "w2_never_pinned_round_trips_m_per_s=0.05..50=1"
  "w2_last_pass_pinned_round_trips_m_per_s=0.05..50=1"
  "w2_always_pinned_round_trips_m_per_s=0.05..50=1"
  "w2_never_pinned_steals=0..1000000000=1"
  "w2_last_pass_pinned_steals=0..1000000000=1"
  "w2_always_pinned_steals=0..1000000000=1"
  "w2_never_pinned_worker_wakeups=0..1000000000=1"
  "w2_last_pass_pinned_worker_wakeups=0..1000000000=1"
  "w2_always_pinned_worker_wakeups=0..1000000000=1"
  "w1_unpinned_round_trips_m_per_s=0.05..50=1"
  "w2_never_unpinned_round_trips_m_per_s=0.05..50=1"
  "w2_last_pass_unpinned_round_trips_m_per_s=0.05..50=1"
  "w2_always_unpinned_round_trips_m_per_s=0.05..50=1"
  "steal_stolen_fibers=0..1000000000=1"
  "no_steal_stolen_fibers=0..0=1")
# <question>=<points>: the grader checks an answer is there (12 words at least); the
# instructor reads it.
set(LAB_ANSWERS "q1=2" "q2=2" "q3=2")
