# Lab ch06-run-queue: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "The work-stealing ring of a worker's run queue: push, take, steal half")
set(LAB_LEVEL core)
set(LAB_KIND code)
set(LAB_HOURS 3)
set(LAB_PLATFORMS ".")  # portable C++ atomics, on every OS the chapter runs on
set(LAB_LIBRARY rt_sched)
set(LAB_REPLACES src/run_queue.cpp)
set(LAB_STUB run_queue.cpp)
set(LAB_TEST_SOURCES tests/run_queue_test.cpp tests/runtime_test.cpp)
set(LAB_TEST_LIBS rt_sched rt_sched_internals Threads::Threads)
# <gtest filter>=<points>; a row whose tests are all skipped here counts for nothing. The
# runtime's rows run over 1, 2, 4 and 8 workers; AFiberReadied... over 2 only (10^5 rounds a
# worker count: all four would approach the grader's 120 s per row on a debug build).
set(LAB_GRADED
  "LocalQueue.TheOwnerTakesInPushOrder=2"
  "LocalQueue.AFullRingRefusesAndGivesHalfForTheGlobalQueue=2"
  "LocalQueue.AThiefTakesHalfRoundedUpOldestFirst=2"
  "LocalQueue.RunnextIsSeparateFromTheRingAndDisplacesTheOldOne=1"
  "LocalQueue.OwnerAndThievesTakeEveryFiberExactlyOnce=4"
  "Counts/Workers.EverySpawnedFiberRunsExactlyOnceAndIsJoined/*=3"
  "Counts/Workers.AThreadOutsideSpawnsAndJoins/*=1"
  "Counts/Workers.IdleWorkersStealFromABusyOne/*=3"
  "Counts/Workers.AnUnparkRacingThePark/*=1"
  "Counts/Workers.AFiberInTheGlobalQueueRunsWhileOthersYieldForever/*=1"
  "Counts/Workers.AFiberReadiedAsEveryWorkerSleepsStillRuns/2w=1")
