// Running out of memory, for every model: a connection that cannot get its thread, fiber
// stack or buffer is closed and counted, the others are served, the server says so once and
// recovers; an accept() that fails for any reason (ENOMEM, ENOBUFS, EPROTO) backs off and
// never ends the server. The failures are injected where each model asks for the resource
// (FaultInjection in echo.hpp): an address-space limit would make the allocator fail
// wherever it first runs short, and does not work under the sanitizers at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "echo_testing.hpp"

namespace {

using ch04::EchoServer;
using ch04::FaultInjection;
using ch04::Model;
using namespace ch04::testing;
using ::testing::HasSubstr;

// Where each model asks for a new connection's resources.
FaultInjection::Site resource_site(Model model) {
  return model == Model::fibers ? FaultInjection::Site::stack : FaultInjection::Site::buffer;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

class OutOfMemory : public ::testing::TestWithParam<ModelUnderTest> {
 protected:
  void SetUp() override { CH04_SKIP_UNAVAILABLE(GetParam().model); }
};

TEST_P(OutOfMemory, AConnectionThatCannotGetItsResourcesIsClosedAndTheOthersAreServed) {
  FaultInjection faults;
  std::string log_text;
  rt::Output log(&log_text);
  EchoServer server = start_server(GetParam(), {.log = &log, .faults = &faults});
  auto existing = rt::poll::connect_loopback(server.port());
  rt::poll::send_all(existing, "before");
  ASSERT_EQ(rt::poll::receive_exactly(existing, 6), "before");

  constexpr std::size_t kRefused = 3;
  faults.fail_next(resource_site(GetParam().model), kRefused);
  for (std::size_t i = 0; i < kRefused; ++i) {
    auto refused = rt::poll::connect_loopback(server.port());
    EXPECT_EQ(read_until_closed(refused), "") << "refused connection " << i << " was served";
  }
  ASSERT_TRUE(server.stats().wait_until([](auto& c) { return c.refused == kRefused; }, kPatience));

  // The connection that was open all along, and a new one once memory is back.
  rt::poll::send_all(existing, "during");
  EXPECT_EQ(rt::poll::receive_exactly(existing, 6), "during");
  EXPECT_EQ(echo_once(server.port(), "after"), "after");
  existing.close();
  server.stop();
  auto counts = server.stats().counts();
  EXPECT_EQ(counts.refused, kRefused);
  EXPECT_EQ(counts.resets, 0u) << "refusals are not resets";
  EXPECT_EQ(counts.open, 0u);
  EXPECT_EQ(occurrences(log_text, "refusing connections: "), 1u) << log_text;
  EXPECT_THAT(log_text, HasSubstr(GetParam().model == Model::fibers ? "mmap: " : "bad_alloc"));
  EXPECT_EQ(occurrences(log_text, "serving again after 3 refused connections\n"), 1u) << log_text;
}

TEST_P(OutOfMemory, AnyAcceptErrorBacksOffAndTheServerGoesOnAccepting) {
  for (int error : {ENOMEM, ENOBUFS, EPROTO}) {
    SCOPED_TRACE(rt::errno_text(error));
    FaultInjection faults;
    std::string log_text;
    rt::Output log(&log_text);
    EchoServer server = start_server(GetParam(), {.backoff = {.first = std::chrono::milliseconds(1),
                                                              .max = std::chrono::milliseconds(8)},
                                                  .log = &log,
                                                  .faults = &faults});
    constexpr std::size_t kFailures = 2;
    faults.fail_next(FaultInjection::Site::accept, kFailures, error);
    // Each injected failure stands for an accept that failed on its connection, which the
    // server closes.
    for (std::size_t i = 0; i < kFailures; ++i) {
      auto lost = rt::poll::connect_loopback(server.port());
      EXPECT_EQ(read_until_closed(lost), "");
    }
    EXPECT_EQ(echo_once(server.port(), "still accepting"), "still accepting");
    server.stop();
    EXPECT_EQ(server.stats().counts().accept_failures, kFailures);
    EXPECT_EQ(occurrences(log_text, "accept failing: accept: " + rt::errno_text(error)), 1u)
        << log_text;
    EXPECT_EQ(occurrences(log_text, "accepting again after 2 failed accepts\n"), 1u) << log_text;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, OutOfMemory, ::testing::ValuesIn(models_under_test()),
                         ModelName{});

}  // namespace
