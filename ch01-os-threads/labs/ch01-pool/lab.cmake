# Lab ch01-pool: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "A fixed-size thread pool, and what a task through it costs")
set(LAB_LEVEL extension)
set(LAB_KIND code)
set(LAB_HOURS 3)
set(LAB_PLATFORMS "^(Linux|Darwin|Windows)-")  # built on rt::os::Thread: every OS
set(LAB_LIBRARY rt_os)
set(LAB_REPLACES src/thread_pool.cpp)
set(LAB_STUB thread_pool.cpp)
set(LAB_TEST_SOURCES tests/thread_pool_test.cpp)
set(LAB_TEST_LIBS rt_os)
# <gtest filter>=<points>
set(LAB_GRADED
  "ThreadPool.EveryTaskRunsExactlyOnce=3"
  "ThreadPool.TasksRunOnTheWorkersNeverOnTheSubmitter=2"
  "ThreadPool.NWorkersRunNTasksAtOnce=3"
  "ThreadPool.OneWorkerStartsTasksInTheOrderTheyWereSubmitted=1"
  "ThreadPool.ATaskMaySubmitAnotherAndTheDestructorRunsIt=2"
  "ThreadPool.WorkersAreNamedAfterThePoolWithTheirIndex=1"
  "ThreadPool.ZeroWorkersIsRefused=1")
