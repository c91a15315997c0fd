# Lab ch02-timer: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "Timers through the event queue: a timerfd the Poller reports like a socket")
set(LAB_LEVEL extension)
set(LAB_KIND code)
set(LAB_HOURS 2)
set(LAB_PLATFORMS "^Linux-")  # timerfd is Linux's (README.md says what kqueue and IOCP do)
set(LAB_LIBRARY rt_poll)
set(LAB_REPLACES src/queue_timer_linux.cpp)
set(LAB_STUB queue_timer_linux.cpp)
set(LAB_TEST_SOURCES tests/queue_timer_test.cpp)
set(LAB_TEST_LIBS rt_poll)
# <gtest filter>=<points>
set(LAB_GRADED
  "TimerInPoller.ADisarmedTimerIsNeverReported=1"
  "TimerInPoller.AnArmedTimerIsReportedReadableOnceItExpires=2"
  "TimerInPoller.TakingTheExpirationsEndsItsReadiness=2"
  "TimerInPoller.APeriodicTimerCountsEveryExpirationEvenUntaken=2"
  "TimerInPoller.DisarmingDropsWhatWasNotTaken=1"
  "TimerInPoller.ReArmingReplacesTheSetting=1"
  "QueueTimer.ANonPositiveFirstExpirationIsRefused=1")
