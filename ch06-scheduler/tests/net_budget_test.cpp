// Chapter 4's cooperative budget, and chapter 6's preemption, where sockets meet them: on one
// worker, a fiber whose socket calls never park must still let the others run.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "net_testing.hpp"
#include "rt/poll/poller.hpp"
#include "rt/sched/runtime.hpp"

namespace {

namespace this_fiber = rt::sched::this_fiber;
using rt::sched::Runtime;
using rt::sched::testing::connected_pair;
using rt::sched::testing::ConnectedPair;

// Chapter 4's cooperative budget on M:N (Options::budget), on one worker, where it is all
// that stands between a greedy fiber and the others: a fiber whose reads all finish at once
// yields every `budget` calls, and every global_interval-th schedule polls the netpoller, so a
// fiber waiting for an event runs within about budget x global_interval greedy reads. (On more
// workers an idle one polls sooner, but when its thread runs is the OS's to say.)
TEST(NetBudget, OnOneWorkerAFiberWhoseReadsNeverParkLetsAFiberWaitingForAnEventRun) {
  constexpr int kBudget = 3;
  rt::sched::Options o;
  o.workers = 1;
  o.budget = kBudget;
  o.preempt_after = std::chrono::microseconds(0);  // the budget alone, not a preemption's poll
  Runtime runtime(o);
  std::atomic<std::size_t> greedy_reads{0};
  std::atomic<std::size_t> greedy_reads_when_probe_ran{SIZE_MAX};
  runtime
      .spawn({.name = "test"},
             [&] {
               ConnectedPair greedy = connected_pair();
               ConnectedPair probe = connected_pair();
               // Everything the greedy fiber reads is there before it starts: 8-byte reads
               // that all finish at once, far more than the bound below.
               const std::vector<std::byte> bytes(16 * 1024, std::byte{7});
               greedy.server.write_all(bytes);
               greedy.server.shutdown_send();
               auto probe_fiber = this_fiber::spawn({.name = "probe"}, [&] {
                 std::byte one[1];
                 EXPECT_EQ(probe.client.read_some(one), 1u);  // parks: nothing was sent yet
                 greedy_reads_when_probe_ran = greedy_reads.load();
               });
               auto greedy_fiber = this_fiber::spawn({.name = "greedy"}, [&] {
                 // The probe's byte comes from here once the probe parked, so only a poll
                 // can wake the probe.
                 while (runtime.stats().io_waiters == 0) this_fiber::yield();
                 const std::byte one[1] = {std::byte{1}};
                 probe.server.write_all(one);
                 std::byte buffer[8];
                 while (greedy.client.read_some(buffer) != 0) greedy_reads.fetch_add(1);
               });
               probe_fiber.join();
               greedy_fiber.join();
             })
      .join();
  const std::size_t bound = kBudget * (o.knobs.global_interval + 2);  // + the turn it is queued
  ASSERT_LT(bound, 2048u);  // the greedy fiber's reads outnumber the bound
  EXPECT_LE(greedy_reads_when_probe_ran.load(), bound)
      << "the probe waited until the greedy fiber had read " << greedy_reads_when_probe_ran.load()
      << " of " << greedy_reads.load() << " times";
}

// Every rt::net call is a preemption check point (Options::preempt_after): with a budget no
// loop reaches, only the monitor's request lets the other fiber on the one worker run.
TEST(NetPreemption, OnOneWorkerAFiberWhoseSocketCallsNeverParkIsPreempted) {
  if (std::string_view(rt::poll::Poller::backend_name()) == "IOCP") {
    GTEST_SKIP() << "IOCP completes every socket call through the event queue: each one parks, "
                    "so no socket call finishes at once and none can be a check point's case";
  }
  rt::sched::Options o;
  o.workers = 1;
  o.budget = std::numeric_limits<int>::max();
  Runtime runtime(o);
  std::atomic<bool> other_ran{false};
  runtime
      .spawn({.name = "test"},
             [&] {
               ConnectedPair pair = connected_pair();
               auto other = this_fiber::spawn({.name = "other"}, [&] { other_ran = true; });
               std::byte byte[1] = {std::byte{1}};
               while (!other_ran.load()) {
                 pair.client.write_all(byte);  // room in the socket's buffer: finishes at once
                 ASSERT_EQ(pair.server.read_some(byte), 1u);  // the byte is there: likewise
               }
               other.join();
             })
      .join();
  EXPECT_GE(runtime.stats().workers[0].preempted, 1u);
}

// A preemption also polls the netpoller: on one worker, a fiber parked on a read is readied at
// the first preemption of a fiber that never parks, not ~61 schedules (61 slices) later.
TEST(NetPreemption, AReaderParkedBehindAFiberThatNeverParksIsReadiedAtTheFirstPreemption) {
  rt::sched::Options o;
  o.workers = 1;
  Runtime runtime(o);
  std::atomic<bool> reader_done{false};
  std::atomic<std::uint64_t> preempted_when_read{0};
  runtime
      .spawn({.name = "test"},
             [&] {
               ConnectedPair pair = connected_pair();
               auto reader = this_fiber::spawn({.name = "reader"}, [&] {
                 std::byte one[1];
                 EXPECT_EQ(pair.server.read_some(one), 1u);  // parks: nothing was sent yet
                 preempted_when_read = runtime.stats().workers[0].preempted;
                 reader_done = true;
               });
               auto hog = this_fiber::spawn({.name = "hog"}, [&] {
                 while (runtime.stats().io_waiters == 0) this_fiber::yield();  // it parked
                 const std::uint64_t before = runtime.stats().workers[0].preempted;
                 const std::byte one[1] = {std::byte{1}};
                 pair.client.write_all(one);
                 while (!reader_done.load()) this_fiber::preemption_point();
                 preempted_when_read = preempted_when_read.load() - before;
               });
               reader.join();
               hog.join();
             })
      .join();
  // The write itself may be a check point that yields (if a request was pending): at most 2.
  EXPECT_LE(preempted_when_read.load(), 2u);
}

TEST(NetBudget, ABudgetBelowOneIsRefused) {
  EXPECT_THROW(Runtime({.budget = 0}), std::invalid_argument);
}

}  // namespace
