# Lab ch03-stack: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "A fiber's stack: one mapping, a guard page below it")
set(LAB_LEVEL core)
set(LAB_KIND code)
set(LAB_HOURS 2)
set(LAB_PLATFORMS "^(Linux|Darwin)-")  # Windows builds stack_win32.cpp (VirtualAlloc) instead
set(LAB_LIBRARY rt_fiber)
set(LAB_REPLACES src/stack_posix.cpp)
set(LAB_STUB stack_posix.cpp)
set(LAB_TEST_SOURCES tests/stack_test.cpp)
set(LAB_TEST_LIBS rt_fiber)
# <gtest filter>=<points>
set(LAB_GRADED
  "Stack.RoundsUpToWholePagesAndItsCommittedBytesAreWritable=2"
  "Stack.TheBytesJustBelowTheUsableOnesAreGuard=2"
  "Stack.MovingTransfersTheMemory=1"
  "StackDeathTest.WritingIntoTheGuardPageFaults=3"
  "Stack.WithoutAGuardTheWholeMappingIsUsable=1"
  "Stack.ARefusedMappingNamesTheLimitAndTheOptionToTurnGuardsOff=2"
  "StackPool.ReusesAReleasedStackOfTheSameSizeAndGuard=1"
  "StackPool.KeepsNoMoreThanItsCapacity=1")
