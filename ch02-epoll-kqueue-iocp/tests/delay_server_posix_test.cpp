// The delay server out of descriptors (EMFILE): it backs off instead of retrying every few
// milliseconds, says so once, and answers the waiting client once descriptors are free.
// Unix only: it lowers this process's RLIMIT_NOFILE (each ctest test is its own process).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <vector>

#include "delay_server.hpp"
#include "rt/clock.hpp"
#include "rt/descriptor_limit_posix.hpp"
#include "rt/testing.hpp"

using namespace std::chrono_literals;
using rt::testing::DescriptorLimit;

namespace {

// Every descriptor this process may still open becomes a UDP socket in `fillers`.
void fill_descriptor_table(std::vector<rt::poll::Socket>& fillers) {
  try {
    for (;;) fillers.push_back(rt::poll::udp_socket());
  } catch (const rt::OsError& e) {
    EXPECT_TRUE(rt::poll::is_out_of_descriptors(e.code())) << e.what();
  }
}

// The most accept attempts the back-off allows in `elapsed`: one, then one per wait.
std::size_t max_attempts(std::chrono::milliseconds elapsed) {
  std::size_t attempts = 1;
  std::chrono::milliseconds waited{0};
  for (auto wait = ch02::DelayServer::kFirstBackoff; waited + wait <= elapsed;
       wait = std::min(wait * 2, ch02::DelayServer::kMaxBackoff)) {
    waited += wait;
    ++attempts;
  }
  return attempts;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

}  // namespace

TEST(DelayServerPosix, OutOfDescriptorsItBacksOffSaysSoOnceAndAnswersOnceTheyAreFree) {
  if (const char* why = rt::testing::descriptor_exhaustion_unsupported()) GTEST_SKIP() << why;
  std::string log_text;
  rt::Output log(&log_text);
  {
    ch02::DelayServer server(0, &log);
    // One request first, so UBSan has seen the connection thread's types (see below).
    {
      auto warm_up = rt::poll::connect_loopback(server.port());
      rt::poll::send_all(warm_up, "GET /delay/0 HTTP/1.0\r\n\r\n");
      ASSERT_THAT(rt::poll::receive_exactly(warm_up, 4096), ::testing::EndsWith("waited 0 ms\n"));
    }
    // Its descriptor must be closed before the table is filled, or it frees one later.
    ASSERT_TRUE(server.wait_until([](auto& c) { return c.closed == 1; }, 30s));
    // UBSan (asan preset) probes an object's type through a pipe on first sight, which needs
    // two descriptors: let it see the error type accept() will throw while there are some.
    try {
      rt::throw_errno("accept", EMFILE);
    } catch (const rt::OsError&) {
    }
    DescriptorLimit limit(256);
    std::vector<rt::poll::Socket> fillers;
    fill_descriptor_table(fillers);
    ASSERT_FALSE(HasFailure()) << "filling the descriptor table failed otherwise";
    fillers.pop_back();  // one for the client; its connection waits in the backlog
    rt::Stopwatch exhausted;
    auto waiting = rt::poll::connect_loopback(server.port());
    ASSERT_TRUE(server.wait_until([](auto& c) { return c.accept_failures >= 3; }, 30s));
    auto elapsed = std::chrono::milliseconds(static_cast<std::int64_t>(exhausted.elapsed_ms()) + 1);
    std::size_t failures = 0;
    server.wait_until(
        [&](auto& c) {
          failures = c.accept_failures;
          return true;
        },
        0ms);
    EXPECT_LE(failures, max_attempts(elapsed)) << "in " << elapsed.count() << " ms";
    fillers.clear();
    rt::poll::send_all(waiting, "GET /delay/0 HTTP/1.0\r\n\r\n");
    EXPECT_THAT(rt::poll::receive_exactly(waiting, 4096), ::testing::EndsWith("waited 0 ms\n"));
  }
  EXPECT_EQ(occurrences(log_text, "Too many open files"), 1u) << log_text;
  EXPECT_EQ(occurrences(log_text, "delay-server: accepting again after "), 1u) << log_text;
}

TEST(DelayServerPosix, StopsWhenNotOneDescriptorIsFree) {
  if (const char* why = rt::testing::descriptor_exhaustion_unsupported()) GTEST_SKIP() << why;
  { ch02::DelayServer warm_up; }  // UBSan sees its threads start and end while it can
  std::optional<ch02::DelayServer> server(std::in_place);
  // The stop connects to its own listener to wake accept(); with no descriptor free it
  // cannot, and must wake it another way. (UBSan: as above.)
  try {
    rt::throw_errno("connect", EMFILE);
  } catch (const rt::OsError&) {
  }
  DescriptorLimit limit(256);
  std::vector<rt::poll::Socket> fillers;
  bool in_time = rt::testing::stop_returns_with_no_descriptor_free(
      [&] { fill_descriptor_table(fillers); }, [&] { server.reset(); }, [&] { fillers.clear(); });
  EXPECT_TRUE(in_time) << "the stop hung while no descriptor was free";
}
