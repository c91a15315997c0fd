// The cooperative budget (loop.hpp): a fiber whose socket calls never park still lets the
// loop poll after kCooperativeBudget of them, so a fiber waiting for an event runs.
#include <gtest/gtest.h>

#include <stdexcept>

#include "net_test_support.hpp"
#include "rt/poll/poller.hpp"
#include "rt/poll/socket.hpp"

using namespace rt::net::testing;
using rt::net::Loop;
using rt::net::Stream;

namespace {

// A greedy fiber reads thousands of times without parking; a probe waits for an event. The
// probe runs before the greedy fiber has read more than `budget` times.
void expect_the_probe_runs_within(int budget) {
  Loop loop({.budget = budget});
  std::size_t greedy_reads = 0;
  std::optional<std::size_t> greedy_reads_when_probe_ran;
  loop.spawn({.name = "test"}, [&] {
    auto [greedy_peer, greedy] = connected_streams();
    auto [probe_peer, probe] = connected_streams();
    // Everything the greedy fiber will read is there before it starts: thousands of 8-byte
    // reads that all finish at once.
    constexpr std::size_t kBytes = 16 * 1024;
    greedy_peer.write_all(pattern(kBytes));
    greedy_peer.shutdown_send();
    auto probe_fiber = Loop::current().spawn({.name = "probe"}, [&, &probe = probe] {
      std::byte one[1];
      EXPECT_EQ(probe.read_some(one), 1u);  // parks: nothing was sent yet
      greedy_reads_when_probe_ran = greedy_reads;
    });
    auto greedy_fiber =
        Loop::current().spawn({.name = "greedy"}, [&, &greedy = greedy, &probe_peer = probe_peer] {
          std::byte buffer[8];
          // The probe's byte, sent by the greedy fiber itself once the probe parked; only a poll
          // of the queue can wake the probe.
          probe_peer.write_all(as_bytes("!"));
          while (std::size_t n = greedy.read_some(buffer)) {
            greedy_reads += n > 0 ? 1 : 0;
          }
        });
    probe_fiber.join();
    greedy_fiber.join();
  });
  loop.run();
  ASSERT_TRUE(greedy_reads_when_probe_ran.has_value());
  EXPECT_GT(greedy_reads, 1000u);
  EXPECT_LE(*greedy_reads_when_probe_ran, static_cast<std::size_t>(budget))
      << "the probe waited until the greedy fiber had read " << *greedy_reads_when_probe_ran
      << " times";
  if (std::string_view(rt::poll::Poller::backend_name()) != "IOCP") {
    // Readiness backends finish these reads at once; IOCP completes every one through the
    // queue, so there the greedy fiber parks on each and never spends its budget.
    EXPECT_GE(loop.stats().deferrals, greedy_reads / static_cast<std::size_t>(budget));
  }
}

}  // namespace

TEST(Budget, AFiberWhoseReadsNeverParkLetsAFiberWaitingForAnEventRunWithinItsBudget) {
  expect_the_probe_runs_within(rt::net::kCooperativeBudget);
}

TEST(Budget, ALoopGivenASmallerBudgetYieldsSooner) {
  expect_the_probe_runs_within(3);
}

TEST(Budget, ABudgetBelowOneIsRefused) {
  EXPECT_THROW(Loop({.budget = 0}), std::invalid_argument);
}
