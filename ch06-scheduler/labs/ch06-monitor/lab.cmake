# Lab ch06-monitor: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "The monitor thread: notice a fiber that has run too long, and ask it to yield")
set(LAB_LEVEL extension)
set(LAB_KIND code)
set(LAB_HOURS 2)
set(LAB_PLATFORMS ".")  # portable C++: a thread, atomics and the OS address wait
set(LAB_LIBRARY rt_sched)
set(LAB_REPLACES src/monitor.cpp)
set(LAB_STUB monitor.cpp)
set(LAB_TEST_SOURCES tests/preemption_test.cpp tests/net_budget_test.cpp)
set(LAB_TEST_LIBS rt_sched rt_sched_internals Threads::Threads)
# <gtest filter>=<points>. PreemptionOff.* is not graded: with the slice at zero the monitor
# never starts, so a stub passes it.
set(LAB_GRADED
  "Counts/Preemption.FibersWhoseChannelOperationsNeverParkDoNotStarve100Others/*=3"
  "Counts/Preemption.APreemptionPointInALoopLetsOthersRun/*=2"
  "Counts/Preemption.NoFiberIsAskedBeforeItsSliceIsSpent/*=2"
  "NetPreemption.OnOneWorkerAFiberWhoseSocketCallsNeverParkIsPreempted=1"
  "NetPreemption.AReaderParkedBehindAFiberThatNeverParksIsReadiedAtTheFirstPreemption=1")
