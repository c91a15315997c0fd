// rt::net::LineReader: lines out of a byte stream, however the bytes arrive.
#include "rt/net/line_reader.hpp"

#include <gtest/gtest.h>

#include <string>

#include "net_test_support.hpp"
#include "rt/net/errors.hpp"

using namespace std::chrono_literals;
using rt::net::Deadline;
using rt::net::LineReader;
using rt::net::LineTooLong;
using rt::net::Stream;
using rt::net::TimedOut;
using rt::net::testing::as_bytes;
using rt::net::testing::connected_streams;
using rt::net::testing::on_loop;

TEST(LineReader, LinesThatArriveTogetherAreReturnedOneByOne) {
  on_loop([] {
    auto streams = connected_streams();
    streams.first.write_all(as_bytes("one\ntwo\nthree\n"));
    LineReader lines(streams.second);
    EXPECT_EQ(lines.read_line(), "one");
    EXPECT_EQ(lines.read_line(), "two");
    EXPECT_EQ(lines.read_line(), "three");
    EXPECT_EQ(lines.buffered(), "");
  });
}

TEST(LineReader, ACarriageReturnBeforeTheNewlineIsDropped) {
  on_loop([] {
    auto streams = connected_streams();
    streams.first.write_all(as_bytes("GET / HTTP/1.1\r\n\r\n"));
    LineReader lines(streams.second);
    EXPECT_EQ(lines.read_line(), "GET / HTTP/1.1");
    EXPECT_EQ(lines.read_line(), "") << "the empty line that ends an HTTP head";
  });
}

TEST(LineReader, TheLastLineWithoutANewlineIsReturnedThenTheEnd) {
  on_loop([] {
    auto streams = connected_streams();
    streams.first.write_all(as_bytes("x\ny"));
    streams.first.shutdown_send();
    LineReader lines(streams.second);
    EXPECT_EQ(lines.read_line(), "x");
    EXPECT_EQ(lines.read_line(), "y");
    EXPECT_FALSE(lines.read_line().has_value()) << "the end";
    EXPECT_FALSE(lines.read_line().has_value()) << "and again";
  });
}

TEST(LineReader, ALongLineIsAssembledFromManyReads) {
  on_loop([] {
    auto streams = connected_streams();
    const std::string line(100'000, 'a');
    LineReader lines(streams.second, 200'000);
    auto writer = rt::net::Loop::current().spawn(
        {.name = "writer"}, [&] { streams.first.write_all(as_bytes(line + "\n")); });
    EXPECT_EQ(lines.read_line(), line);
    writer.join();
  });
}

TEST(LineReader, ALineOfExactlyTheLimitIsAccepted) {
  on_loop([] {
    auto streams = connected_streams();
    streams.first.write_all(as_bytes("abcd\r\nabcd\n"));
    LineReader lines(streams.second, 4);
    EXPECT_EQ(lines.read_line(), "abcd");
    EXPECT_EQ(lines.read_line(), "abcd");
  });
}

TEST(LineReader, ALineLongerThanTheLimitThrowsAndTheReaderStaysDone) {
  on_loop([] {
    auto streams = connected_streams();
    streams.first.write_all(as_bytes("0123456789abcdefg and no newline yet"));
    LineReader lines(streams.second, 16);
    EXPECT_THROW(lines.read_line(), LineTooLong);
    streams.first.write_all(as_bytes("\nshort\n"));
    EXPECT_THROW(lines.read_line(), LineTooLong) << "the stream is no longer framed";
  });
}

TEST(LineReader, WhatFollowsTheLastLineStaysBufferedForTheProtocol) {
  on_loop([] {
    auto streams = connected_streams();
    streams.first.write_all(as_bytes("HEAD\nbody-bytes"));
    LineReader lines(streams.second);
    EXPECT_EQ(lines.read_line(), "HEAD");
    // The body's bytes that came with the head are in buffered(); the rest is in the stream.
    std::string body(lines.buffered());
    auto rest = rt::net::testing::read_exactly(streams.second, 10 - body.size());
    body += rt::net::testing::text_of(rest);
    EXPECT_EQ(body, "body-bytes");
  });
}

TEST(LineReader, AReadPastItsDeadlineKeepsThePartOfTheLineThatCame) {
  on_loop([] {
    auto streams = connected_streams();
    streams.first.write_all(as_bytes("par"));
    LineReader lines(streams.second);
    EXPECT_THROW(lines.read_line(Deadline::after(50ms)), TimedOut);
    streams.first.write_all(as_bytes("tial\n"));
    EXPECT_EQ(lines.read_line(), "partial");
  });
}
