# Lab ch05-thread-park: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "Park and wake an OS thread on a channel's waiter word")
set(LAB_LEVEL core)
set(LAB_KIND code)
set(LAB_HOURS 3)
set(LAB_PLATFORMS ".")  # the address wait is chapter 1's, on every OS
set(LAB_LIBRARY rt_chan)
set(LAB_REPLACES src/endpoint_thread.cpp)
set(LAB_STUB endpoint_thread.cpp)
set(LAB_TEST_SOURCES tests/channel_test.cpp tests/select_test.cpp)
set(LAB_TEST_LIBS rt_chan Threads::Threads)
# <gtest filter>=<points>; a row whose tests are all skipped here counts for nothing.
set(LAB_GRADED
  "ChannelTest/T2T.OneSenderOneReceiverKeepOrderAndLoseNothing=2"
  "ChannelTest/T2T.ManySendersAndReceiversTakeEachValueExactlyOnce=3"
  "ChannelTest/T2T.ASendIntoAFullChannelWaitsForRoom=2"
  "ChannelTest/T2T.CloseWakesAParkedReceiver=2"
  "ChannelTest/T2T.AReceiveWithADeadlineTimesOutAndTakesNothing=2"
  "ChannelTest/T2T.ASendWithADeadlineOnAFullChannelTimesOutAndEnqueuesNothing=2"
  "ChannelTest/T2T.AStopRequestFromAnotherThreadCancelsAParkedReceive=2"
  "ChannelTest/T2T.ARendezvousSend*=2"
  "ChannelTest/C2T.*=2"
  "ChannelTest/T2C.*=2"
  "Select/0.*=2")
