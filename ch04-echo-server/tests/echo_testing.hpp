// What the chapter's tests share: the models to loop over, and a blocking client (chapter
// 2's loopback sockets on plain threads) that knows nothing of the server's models. It does not
// include demos.hpp (the command line: demos_testing.hpp): chapter 6 compiles the server suites
// with its own demos.hpp on the include path.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "echo.hpp"
#include "rt/poll/socket.hpp"
#include "rt/testing.hpp"
#include "server.hpp"

namespace ch04::testing {

inline std::vector<Model> all_models() {
  return {Model::threads, Model::events, Model::fibers};
}

// A server the model-independent suites (echo, robustness, running out of memory and of
// descriptors) test: one of this chapter's models, or a model from elsewhere. Chapter 6 runs
// the same suites on its M:N server: a test binary links one definition of
// models_under_test(), this chapter's (models_under_test.cpp) or chapter 6's.
struct ModelUnderTest {
  Model model;  // a model from elsewhere: the chapter model it runs (chapter 6's: fibers)
  std::optional<ModelFactory> factory;  // a model from elsewhere; nullopt: `model` itself
  std::string name;                     // in the test's name
};
std::vector<ModelUnderTest> models_under_test();
// How GoogleTest shows one (its name, not its bytes).
inline void PrintTo(const ModelUnderTest& model, std::ostream* out) {
  *out << model.name;
}

// A server of `model` with `options` (options.model is set from it).
EchoServer start_server(const ModelUnderTest& model, ServerOptions options);

// For INSTANTIATE_TEST_SUITE_P names: "threads", "events", "fibers" (or the outside name).
struct ModelName {
  std::string operator()(const ::testing::TestParamInfo<Model>& info) const {
    return to_string(info.param);
  }
  std::string operator()(const ::testing::TestParamInfo<ModelUnderTest>& info) const {
    return info.param.name;
  }
};

using rt::testing::kPatience;

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
