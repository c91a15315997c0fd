// What the chapter's tests share: the models to loop over, and a blocking client (chapter
// 2's loopback sockets on plain threads) that knows nothing of the server's models.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "demos.hpp"
#include "echo.hpp"
#include "rt/poll/socket.hpp"
#include "rt/testing.hpp"
#include "server.hpp"

namespace ch04::testing {

inline std::vector<Model> all_models() {
  return {Model::threads, Model::events, Model::fibers};
}

// For INSTANTIATE_TEST_SUITE_P names: "threads", "events", "fibers".
struct ModelName {
  template <class Param>
  std::string operator()(const ::testing::TestParamInfo<Param>& info) const {
    return to_string(info.param);
  }
};

using rt::testing::kPatience;

// The chapter's command line, run in-process (rt::testing::run).
inline rt::testing::RunResult run(const std::vector<std::string>& args) {
  return rt::testing::run(program(), args);
}

// `size` bytes of printable text that differs from byte to byte (lower-case letters
// included, so --upper changes it), seeded so two connections' texts differ.
std::string text(std::size_t size, unsigned seed = 0);

// Connects, sends `message` (on a second thread, so a message larger than the socket
// buffers cannot deadlock), half-closes, and returns everything read until the server
// closed.
std::string echo_once(std::uint16_t port, const std::string& message);

// Reads until the peer closes or `limit` bytes arrived.
std::string read_until_closed(const rt::poll::Socket& socket, std::size_t limit = SIZE_MAX);

}  // namespace ch04::testing

// Skips a test of the events model where it does not exist, saying why.
#define CH04_SKIP_UNAVAILABLE(model)                                                    \
  do {                                                                                  \
    if ((model) == ::ch04::Model::events && !::ch04::events_model_available()) {        \
      GTEST_SKIP() << "the events model needs readiness notification (epoll, kqueue); " \
                      "this OS has IOCP";                                               \
    }                                                                                   \
  } while (false)
