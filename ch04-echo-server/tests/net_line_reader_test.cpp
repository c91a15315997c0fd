// rt::net::LineReader: lines out of a byte stream, however the bytes arrive.
#include "rt/net/line_reader.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>

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

namespace {
// On a new loop: a connected pair whose client has written `sent`, and a LineReader on the
// server's end; then `body(lines, client, server)`.
void with_lines(std::string_view sent, std::size_t max_line,
                const std::function<void(LineReader&, Stream&, Stream&)>& body) {
  on_loop([&] {
    auto streams = connected_streams();
    Stream& client = streams.first;
    Stream& server = streams.second;
    client.write_all(as_bytes(sent));
    LineReader lines(server, max_line);
    body(lines, client, server);
  });
}
constexpr std::size_t kAnyLength = 8192;
}  // namespace

TEST(LineReader, LinesThatArriveTogetherAreReturnedOneByOne) {
  with_lines("one\ntwo\nthree\n", kAnyLength, [](LineReader& lines, Stream&, Stream&) {
    EXPECT_EQ(lines.read_line(), "one");
    EXPECT_EQ(lines.read_line(), "two");
    EXPECT_EQ(lines.read_line(), "three");
    EXPECT_EQ(lines.buffered(), "");
  });
}

TEST(LineReader, ACarriageReturnBeforeTheNewlineIsDropped) {
  with_lines("GET / HTTP/1.1\r\n\r\n", kAnyLength, [](LineReader& lines, Stream&, Stream&) {
    EXPECT_EQ(lines.read_line(), "GET / HTTP/1.1");
    EXPECT_EQ(lines.read_line(), "") << "the empty line that ends an HTTP head";
  });
}

TEST(LineReader, TheLastLineWithoutANewlineIsReturnedThenTheEnd) {
  with_lines("x\ny", kAnyLength, [](LineReader& lines, Stream& client, Stream&) {
    client.shutdown_send();
    EXPECT_EQ(lines.read_line(), "x");
    EXPECT_EQ(lines.read_line(), "y");
    EXPECT_FALSE(lines.read_line().has_value()) << "the end";
    EXPECT_FALSE(lines.read_line().has_value()) << "and again";
  });
}

TEST(LineReader, ALongLineIsAssembledFromManyReads) {
  const std::string line(100'000, 'a');
  with_lines("", 200'000, [&](LineReader& lines, Stream& client, Stream&) {
    // Written by another fiber: 100 KB may not fit in the socket buffers at once.
    auto writer = rt::net::Loop::current().spawn({.name = "writer"},
                                                 [&] { client.write_all(as_bytes(line + "\n")); });
    EXPECT_EQ(lines.read_line(), line);
    writer.join();
  });
}

TEST(LineReader, ALineOfExactlyTheLimitIsAccepted) {
  with_lines("abcd\r\nabcd\n", 4, [](LineReader& lines, Stream&, Stream&) {
    EXPECT_EQ(lines.read_line(), "abcd");
    EXPECT_EQ(lines.read_line(), "abcd");
  });
}

TEST(LineReader, ALineLongerThanTheLimitThrowsAndTheReaderStaysDone) {
  with_lines("0123456789abcdefg and no newline yet", 16,
             [](LineReader& lines, Stream& client, Stream&) {
               EXPECT_THROW(lines.read_line(), LineTooLong);
               client.write_all(as_bytes("\nshort\n"));
               EXPECT_THROW(lines.read_line(), LineTooLong) << "the stream is no longer framed";
             });
}

TEST(LineReader, WhatFollowsTheLastLineStaysBufferedForTheProtocol) {
  with_lines("HEAD\nbody-bytes", kAnyLength, [](LineReader& lines, Stream&, Stream& server) {
    EXPECT_EQ(lines.read_line(), "HEAD");
    // The body's bytes that came with the head are in buffered(); the rest is in the stream.
    std::string body(lines.buffered());
    body += rt::net::testing::text_of(rt::net::testing::read_exactly(server, 10 - body.size()));
    EXPECT_EQ(body, "body-bytes");
  });
}

TEST(LineReader, AReadPastItsDeadlineKeepsThePartOfTheLineThatCame) {
  with_lines("par", kAnyLength, [](LineReader& lines, Stream& client, Stream&) {
    EXPECT_THROW(lines.read_line(Deadline::after(50ms)), TimedOut);
    client.write_all(as_bytes("tial\n"));
    EXPECT_EQ(lines.read_line(), "partial");
  });
}
