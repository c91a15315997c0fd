# Lab ch02-epoll-wait: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "The epoll backend's wait: kernel events into the contract's Events")
set(LAB_LEVEL core)
set(LAB_KIND code)
set(LAB_HOURS 3)
set(LAB_PLATFORMS "^Linux-")  # epoll is Linux's; macOS builds poller_kqueue.cpp instead
set(LAB_LIBRARY rt_poll)
set(LAB_REPLACES src/poller_epoll_wait.cpp)
set(LAB_STUB poller_epoll_wait.cpp)
set(LAB_TEST_SOURCES tests/poller_test.cpp tests/waker_test.cpp)
set(LAB_TEST_LIBS rt_poll)
# <gtest filter>=<points>
set(LAB_GRADED
  "Poller.NothingReadyMeansAPollReturnsNoEvents=1"
  "Poller.ReadableOnceThePeerSends=2"
  "Poller.WritableWhileTheSendBufferHasRoom=1"
  "Poller.TheTokenSurvivesWithAllSixtyFourBits=1"
  "Poller.ModifyReplacesInterestAndToken=1"
  "Poller.ARemovedHandleIsNotReported=1"
  "Poller.ClosingARegisteredHandleEndsItsRegistration=1"
  "Poller.LevelTriggeredReportsAgainUntilDrained=1"
  "Poller.EdgeTriggeredReportsOncePerArrival=1"
  "Poller.PeerCloseIsReportedAsHangupAndReadable=2"
  "Poller.PeerResetIsReportedAsAnError=2"
  "Poller.ThousandSocketsInOnePollerAreEachReported=1"
  "Waker.AWakeBeforeTheWaitMakesTheNextWaitReturnAtOnce=1"
  "Waker.WakesCoalesceAndAReportedWakeIsConsumed=2"
  "Waker.ZeroTimeoutPollsAndReturnsNoEvents=1"
  "Waker.ABoundedWaitWithNothingToReportWaitsTheWholeTimeout=2"
  "Waker.AnInfiniteWaitIsWokenByAnotherThread=1"
  "Waker.NeverLostOverManyRounds=2")
