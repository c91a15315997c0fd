# Lab ch05-wakeups: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "Notification is a resource: wakeups per message, batched and naive")
set(LAB_LEVEL measurement)
set(LAB_KIND results)
set(LAB_HOURS 2)
set(LAB_PLATFORMS ".")  # burst and bench run on every OS the chapter runs on
set(LAB_TEMPLATE results-template.md)
set(LAB_REFERENCE reference-results.md)
# <figure>=<low>..<high>=<points>: the ranges README.md states.
set(LAB_FIGURES
  "batched_wakeups_per_msg_burst_1=0.3..1.5=1"
  "batched_wakeups_per_msg_burst_100=0..0.1=1"
  "batched_wakeups_per_msg_burst_1000=0..0.02=1"
  "naive_wakeups_per_msg_burst_100=0.9..2.5=1"
  "t2c_batched_msgs_per_s_millions_pinned=0.5..500=1"
  "t2c_naive_msgs_per_s_millions_pinned=0.01..50=1"
  "round_trip_us_pinned=0.05..500=1"
  "round_trip_cpu_us_pinned=0.05..2000=1")
# <question>=<points>: the grader checks an answer is there (12 words at least); the
# instructor reads it.
set(LAB_ANSWERS "q1=2" "q2=2" "q3=2")
