# Lab ch03-mutex: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "A mutex for fibers: park instead of blocking, hand over in FIFO order")
set(LAB_LEVEL extension)
set(LAB_KIND code)
set(LAB_HOURS 2)
set(LAB_PLATFORMS "^(Linux|Darwin|Windows)-")  # built on the Scheduler alone: every OS
set(LAB_LIBRARY rt_fiber)
set(LAB_REPLACES src/mutex.cpp)
set(LAB_STUB mutex.cpp)
set(LAB_TEST_SOURCES tests/mutex_test.cpp)
set(LAB_TEST_LIBS rt_fiber)
# <gtest filter>=<points>
set(LAB_GRADED
  "FiberMutex.ALockedMutexParksTheNextFiberUntilItsOwnerUnlocks=3"
  "FiberMutex.WaitersEnterInTheOrderTheyArrived=2"
  "FiberMutex.UnlockHandsTheMutexToTheFirstWaiterSoNoLaterFiberBargesIn=2"
  "FiberMutex.TryLockTakesAFreeMutexAndNeverParks=1"
  "FiberMutex.ACriticalSectionThatYieldsIsNotInterleaved=2"
  "FiberMutexDeathTest.LockingItAgainByItsOwnerStopsTheProcess=1"
  "FiberMutexDeathTest.UnlockingByAFiberThatDoesNotHoldItStopsTheProcess=1")
