# Lab ch04-lines: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "A line protocol on a byte stream: LineReader")
set(LAB_LEVEL extension)
set(LAB_KIND code)
set(LAB_HOURS 2)
set(LAB_PLATFORMS "^(Linux|Darwin|Windows)-")  # on rt::net::Stream: every OS
set(LAB_LIBRARY rt_net)
set(LAB_REPLACES src/line_reader.cpp)
set(LAB_STUB line_reader.cpp)
set(LAB_TEST_SOURCES tests/net_line_reader_test.cpp)
set(LAB_TEST_LIBS rt_net)
# <gtest filter>=<points>
set(LAB_GRADED
  "LineReader.LinesThatArriveTogetherAreReturnedOneByOne=2"
  "LineReader.ACarriageReturnBeforeTheNewlineIsDropped=1"
  "LineReader.TheLastLineWithoutANewlineIsReturnedThenTheEnd=2"
  "LineReader.ALongLineIsAssembledFromManyReads=2"
  "LineReader.ALineOfExactlyTheLimitIsAccepted=1"
  "LineReader.ALineLongerThanTheLimitThrowsAndTheReaderStaysDone=2"
  "LineReader.WhatFollowsTheLastLineStaysBufferedForTheProtocol=1"
  "LineReader.AReadPastItsDeadlineKeepsThePartOfTheLineThatCame=1")
