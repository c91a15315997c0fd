# Lab ch04-park: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "Park a fiber on a socket operation; wake it from the event queue")
set(LAB_LEVEL core)
set(LAB_KIND code)
set(LAB_HOURS 4)
set(LAB_PLATFORMS "^(Linux|Darwin|Windows)-")  # every file of rt::net is the same on every OS
set(LAB_LIBRARY rt_net)
set(LAB_REPLACES src/io_wait.cpp)
set(LAB_STUB io_wait.cpp)
set(LAB_TEST_SOURCES tests/net_stream_test.cpp tests/net_listener_test.cpp
                     tests/net_timer_test.cpp tests/net_budget_test.cpp)
set(LAB_TEST_LIBS rt_net)
# <gtest filter>=<points>
set(LAB_GRADED
  "*StreamEcho.EveryByteComesBackInOrder*=3"
  "Stream.AWriteToASlowReaderParksAndResumesWithEveryByteInOrder=3"
  "Stream.APeerThatResetsGivesAConnectionResetError=1"
  "Stream.AfterThePeersHalfCloseReadsReturnZeroAndWritesStillWork=1"
  "Stream.ConnectingToAPortNobodyListensOnThrowsAnOsErrorNamingConnect=1"
  "Stream.AReadPastItsDeadlineThrowsTimedOutAndTheStreamStaysUsable=2"
  "Stream.DataThatArrivesByTheDeadlineIsNotLost=2"
  "Stream.AThousandConnectionsEchoConcurrentlyOnOneLoopWithoutLeakingDescriptors=2"
  "Listener.PortZeroGetsAnEphemeralPortThatAcceptsConnections=1"
  "Listener.AnAcceptPastItsDeadlineThrowsTimedOutAndTheListenerStaysUsable=1"
  "Listener.ClosingItWhileAFiberIsParkedInAcceptEndsThatAcceptWithCancelled=2"
  "Timer.ThreeFibersSleeping30_10_20msWakeInTheOrderBCA=1"
  "Timer.EqualDeadlinesFireInTheOrderTheyWereSet=1"
  "Timer.ASleepNeverEndsBeforeItsDeadlineByTheClock=1"
  "Timer.CancelAllEndsASleepWithCancelled=1"
  "Budget.AFiberWhoseReadsNeverParkLetsAFiberWaitingForAnEventRunWithinItsBudget=2")
