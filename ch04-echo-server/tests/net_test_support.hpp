// Helpers for the rt::net tests: a body run on a fresh loop, a connected pair of Streams,
// byte patterns, and the count of open descriptors.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rt/net/listener.hpp"
#include "rt/net/loop.hpp"
#include "rt/net/stream.hpp"
#include "rt/platform.hpp"

namespace rt::net::testing {

// Runs `body` as the one fiber of a new Loop, and the loop until every fiber finished;
// rethrows what escaped the body.
inline void on_loop(std::function<void()> body) {
  Loop loop;
  auto handle = loop.spawn({.name = "test"}, std::move(body));
  loop.run();
  handle.join();
}

// Two Streams connected over loopback (on a fiber): {client, server}.
// Callers name the two as references (Stream& client = streams.first), not with a structured
// binding: lambdas capture those only from clang 16 on, and the asan preset builds with clang.
inline std::pair<Stream, Stream> connected_streams() {
  Listener listener = Listener::bind("127.0.0.1", 0);
  Stream client = Stream::connect("127.0.0.1", listener.port());
  Stream server = listener.accept();
  return {std::move(client), std::move(server)};
}

// `size` bytes that differ from position to position (a shifted or dropped byte shows).
inline std::vector<std::byte> pattern(std::size_t size, unsigned seed = 0) {
  std::vector<std::byte> bytes(size);
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<std::byte>((i * 131 + seed + i / 251) & 0xFF);
  }
  return bytes;
}

inline std::span<const std::byte> as_bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

// Reads until `count` bytes arrived or the peer closed.
inline std::vector<std::byte> read_exactly(Stream& stream, std::size_t count,
                                           Deadline deadline = Deadline::never()) {
  std::vector<std::byte> data(count);
  std::size_t got = 0;
  while (got < count) {
    std::size_t n = stream.read_some(std::span(data).subspan(got), deadline);
    if (n == 0) break;
    got += n;
  }
  data.resize(got);
  return data;
}

inline std::string text_of(const std::vector<std::byte>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Open descriptors of this process, where the OS tells (Linux: /proc/self/fd; under wine
// that path would list the wine process's descriptors, not the program's handles).
inline std::optional<std::size_t> open_descriptors() {
  if (std::string_view(rt::kOsName) != "Linux") return std::nullopt;
  std::error_code error;
  std::filesystem::directory_iterator it("/proc/self/fd", error);
  if (error) return std::nullopt;
  std::size_t count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) ++count;
  return count;
}

}  // namespace rt::net::testing
