# Lab ch01-thread: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "Start and join a POSIX thread with a chosen stack size")
set(LAB_LEVEL core)
set(LAB_KIND code)
set(LAB_HOURS 2)
set(LAB_PLATFORMS "^(Linux|Darwin)-")  # Windows builds thread_win32.cpp instead
set(LAB_LIBRARY rt_os)
set(LAB_REPLACES src/thread_posix_start.cpp)
set(LAB_STUB thread_posix_start.cpp)
set(LAB_TEST_SOURCES tests/thread_test.cpp)
set(LAB_TEST_LIBS rt_os)
# <gtest filter>=<points>; a row whose tests are all skipped here counts for nothing.
set(LAB_GRADED
  "Thread.BodyRunsOnANewThreadAndJoinWaitsForIt=3"
  "Thread.DestructorJoins=1"
  "Thread.MoveTransfersOwnership=1"
  "Thread.StackSizeTakesEffect=2"
  "Thread.StackOfTheRequestedSizeIsUsable=2"
  "Thread.NameTakesEffectBeforeTheBodyRuns=1"
  "Thread.LongNamesAreTruncatedNotRefused=1"
  "Thread.PinningTakesEffectBeforeTheBodyRuns=2"
  "Thread.PinningToANonexistentCpuThrowsAndCreatesNoThread=1")
