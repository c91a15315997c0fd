// Accepting when the process is out of descriptors (EMFILE): the server backs off instead of
// spinning, keeps serving the connections it has, and accepts again once descriptors are
// free. Each ctest test is its own process (gtest_discover_tests), so lowering this
// process's open-file limit touches no other test.
#include <gtest/gtest.h>

#include <cerrno>
#include <vector>

#include "echo_testing.hpp"
#include "host.hpp"
#include "rt/clock.hpp"
#include "rt/net/errors.hpp"
#include "rt/testing.hpp"

namespace {

using ch04::EchoServer;
using ch04::Model;
using namespace ch04::testing;
using namespace std::chrono_literals;

// Every descriptor this process may still open becomes a UDP socket in `fillers`.
void fill_descriptor_table(std::vector<rt::poll::Socket>& fillers) {
  try {
    for (;;) fillers.push_back(rt::poll::udp_socket());
  } catch (const rt::OsError& e) {
    EXPECT_TRUE(rt::poll::is_out_of_descriptors(e.code())) << e.what();
  }
}

// Restores the open-file limit when the test ends, however it ends.
class LimitGuard {
 public:
  explicit LimitGuard(std::size_t soft) : saved_(*ch04::host::open_file_limit()) {
    ch04::host::set_open_file_limit(soft);
  }
  ~LimitGuard() { ch04::host::set_open_file_limit(saved_); }

 private:
  std::size_t saved_;
};

class FdExhaustion : public ::testing::TestWithParam<ModelUnderTest> {};

TEST_P(FdExhaustion, AcceptBacksOffKeepsServingAndRecoversWhenDescriptorsFree) {
  CH04_SKIP_UNAVAILABLE(GetParam().model);
  if (const char* why = rt::testing::descriptor_exhaustion_unsupported()) GTEST_SKIP() << why;
  if (!ch04::host::open_file_limit()) {
    GTEST_SKIP() << "this OS has no per-process descriptor limit to exhaust (Windows)";
  }
  ch04::Backoff backoff{.first = 1ms, .max = 64ms};  // quick, so the test is too
  EchoServer server = start_server(GetParam(), {.backoff = backoff});
  auto existing = rt::poll::connect_loopback(server.port());
  ASSERT_EQ(echo_once(server.port(), "before"), "before");

  // UBSan (asan preset) checks an object's dynamic type on first sight by probing its
  // memory through a pipe, which needs two descriptors: let it see the error type the
  // server's accept() will throw while there are some; later checks hit its cache.
  try {
    rt::poll::throw_socket_error("accept", EMFILE);
  } catch (const rt::OsError& e) {
    EXPECT_TRUE(rt::poll::is_out_of_descriptors(e.code()));
  }
  LimitGuard limit(256);  // the descriptors in use here are far fewer
  // Fill the table: every descriptor this process may still open becomes a UDP socket.
  std::vector<rt::poll::Socket> fillers;
  fill_descriptor_table(fillers);
  ASSERT_FALSE(HasFailure()) << "filling the descriptor table failed otherwise";
  ASSERT_FALSE(fillers.empty());
  // One descriptor for a new client; its connection then waits in the listener's backlog,
  // because the server cannot get a descriptor to accept it with.
  fillers.pop_back();
  rt::Stopwatch exhausted;
  auto waiting = rt::poll::connect_loopback(server.port());
  ASSERT_TRUE(server.stats().wait_until([](auto& c) { return c.accept_failures >= 3; }, kPatience))
      << "accept() was not retried";

  // The existing connection is still served while accepts fail.
  rt::poll::send_all(existing, "still here");
  EXPECT_EQ(rt::poll::receive_exactly(existing, 10), "still here");

  // No busy loop: no more attempts than the back-off schedule allows in the time elapsed.
  auto elapsed = std::chrono::milliseconds(static_cast<std::int64_t>(exhausted.elapsed_ms()) + 1);
  auto failures = server.stats().counts().accept_failures;
  EXPECT_LE(failures, backoff.max_attempts(elapsed)) << "in " << elapsed.count() << " ms";

  // Free the descriptors: the waiting connection is accepted and echoed.
  fillers.clear();
  ASSERT_TRUE(server.stats().wait_until([](auto& c) { return c.accepted == 3; }, kPatience))
      << "the waiting connection was never accepted";
  rt::poll::send_all(waiting, "after");
  EXPECT_EQ(rt::poll::receive_exactly(waiting, 5), "after");
}

TEST_P(FdExhaustion, StopReturnsWhenNotOneDescriptorIsFree) {
  CH04_SKIP_UNAVAILABLE(GetParam().model);
  if (!ch04::host::open_file_limit()) {
    GTEST_SKIP() << "this OS has no per-process descriptor limit to exhaust (Windows)";
  }
  EchoServer server = start_server(GetParam(), {.grace = 0ms});
  // The threads model's stop connects to its own listener to wake accept(); with no
  // descriptor free it cannot, and must wake it another way. (UBSan: as above.)
  try {
    rt::poll::throw_socket_error("connect", EMFILE);
  } catch (const rt::OsError& e) {
    EXPECT_TRUE(rt::poll::is_out_of_descriptors(e.code()));
  }
  // The same for what the fibers model's stop throws, and for the promise's shared state.
  try {
    throw rt::net::Cancelled("accept");
  } catch (const rt::net::Cancelled& e) {
    EXPECT_NE(std::string(e.what()), "");
  }
  LimitGuard limit(256);
  std::vector<rt::poll::Socket> fillers;
  bool in_time = rt::testing::stop_returns_with_no_descriptor_free(
      [&] { fill_descriptor_table(fillers); }, [&] { server.stop(); }, [&] { fillers.clear(); });
  EXPECT_TRUE(in_time) << "stop() hung while no descriptor was free";
}

INSTANTIATE_TEST_SUITE_P(Models, FdExhaustion, ::testing::ValuesIn(models_under_test()),
                         ModelName{});

}  // namespace
