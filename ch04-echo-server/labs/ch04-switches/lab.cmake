# Lab ch04-switches: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "Count the switches: threads against fibers under the same load")
set(LAB_LEVEL measurement)
set(LAB_KIND results)
set(LAB_HOURS 2)
set(LAB_PLATFORMS "^Linux-")  # perf stat (or /proc/<pid>/task/*/status) is Linux's
set(LAB_TEMPLATE results-template.md)
set(LAB_REFERENCE reference-results.md)
# <figure>=<low>..<high>=<points>: the ranges README.md states. Switches are the server's,
# over one 5 s client run of 100 connections; messages per second are the client's.
set(LAB_FIGURES
  "fibers_switches_unpinned=10..2000000=1"
  "threads_switches_unpinned=1000..50000000=1"
  "fibers_switches_pinned=10..2000000=1"
  "threads_switches_pinned=1000..50000000=1"
  "fibers_msgs_per_s_unpinned=1000..20000000=1"
  "threads_msgs_per_s_unpinned=1000..20000000=1")
# <question>=<points>: the grader checks an answer is there (12 words at least); the
# instructor reads it.
set(LAB_ANSWERS "q1=2" "q2=2" "q3=2")
