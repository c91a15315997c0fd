// rt::chan::Channel: each claim over the four modes (typed tests) and, where the capacity
// matters, over capacities 0 (a rendezvous), 1, 2, 1024 and unbounded (Go's chan_test.go
// shape).
#include "rt/chan/channel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "chan_testing.hpp"

namespace {

using namespace std::chrono_literals;
using ch05::testing::run_sides;
using rt::chan::Status;

template <typename M>
class ChannelTest : public ::testing::Test {};
using Modes = ::testing::Types<ch05::testing::T2T, ch05::testing::T2C, ch05::testing::C2T,
                               ch05::testing::C2C>;
struct ModeNames {
  template <typename M>
  static std::string GetName(int) {
    return rt::chan::mode_name<typename M::template Channel<int>::Sender,
                               typename M::template Channel<int>::Receiver>();
  }
};
TYPED_TEST_SUITE(ChannelTest, Modes, ModeNames);

using ch05::testing::for_each_capacity;
using ch05::testing::kCapacities;

TYPED_TEST(ChannelTest, OneSenderOneReceiverKeepOrderAndLoseNothing) {
  for_each_capacity<TypeParam>([](auto& channel) {
    constexpr int kCount = 5000;
    std::vector<int> received;
    run_sides<std::remove_reference_t<decltype(channel)>>({[&] {
                                                            for (int i = 0; i < kCount; ++i)
                                                              ASSERT_EQ(channel.send(i),
                                                                        Status::ok);
                                                            channel.close();
                                                          }},
                                                          {[&] {
                                                            while (auto got = channel.receive())
                                                              received.push_back(*got.value);
                                                          }});
    ASSERT_EQ(received.size(), std::size_t{kCount});
    for (int i = 0; i < kCount; ++i) ASSERT_EQ(received[i], i);
  });
}

TYPED_TEST(ChannelTest, ManySendersAndReceiversTakeEachValueExactlyOnce) {
  for_each_capacity<TypeParam>([](auto& channel) {
    constexpr int kSenders = 3, kReceivers = 3, kEach = 3000;
    std::atomic<int> senders_left{kSenders};
    std::vector<std::vector<int>> taken(kReceivers);
    std::vector<ch05::testing::Body> senders, receivers;
    for (int s = 0; s < kSenders; ++s) {
      senders.push_back([&, s] {
        for (int i = 0; i < kEach; ++i) ASSERT_EQ(channel.send(s * kEach + i), Status::ok);
        if (senders_left.fetch_sub(1) == 1) channel.close();
      });
    }
    for (int r = 0; r < kReceivers; ++r) {
      receivers.push_back([&, r] {
        while (auto got = channel.receive()) taken[r].push_back(*got.value);
      });
    }
    run_sides<std::remove_reference_t<decltype(channel)>>(std::move(senders), std::move(receivers));
    std::vector<int> seen(kSenders * kEach, 0);
    for (auto& values : taken) {
      for (int v : values) ++seen[v];
    }
    for (int v = 0; v < kSenders * kEach; ++v) ASSERT_EQ(seen[v], 1) << "value " << v;
  });
}

// Buffered only: an unbounded channel is never full, and a rendezvous send's wait for its
// receiver is ARendezvousSendCompletesOnlyOnceTheReceiverTookTheValue.
TYPED_TEST(ChannelTest, ASendIntoAFullChannelWaitsForRoom) {
  using Channel = typename TypeParam::template Channel<int>;
  for (std::size_t capacity : kCapacities) {
    Channel channel(capacity);
    const int count = static_cast<int>(capacity) + 3;  // three sends must wait for room
    std::vector<int> received;
    run_sides<Channel>({[&] {
                         for (int i = 0; i < count; ++i) ASSERT_EQ(channel.send(i), Status::ok);
                       }},
                       {[&] {
                         // Drain only once the sender is stuck: it registered as a waiter on a full
                         // channel.
                         while (channel.stats().parks == 0) ch05::testing::let_others_run();
                         for (int i = 0; i < count; ++i)
                           received.push_back(*channel.receive().value);
                       }});
    ASSERT_EQ(received.size(), std::size_t(count));
    EXPECT_GE(channel.stats().parks, 1u);
  }
}

TYPED_TEST(ChannelTest, CloseLetsReceiversDrainThenSaysClosed) {
  for_each_capacity<TypeParam>([](auto& channel) {
    using Channel = std::remove_reference_t<decltype(channel)>;
    std::vector<Status> outcomes;
    std::vector<int> values;
    run_sides<Channel>({[&] {
                         ASSERT_EQ(channel.send(7), Status::ok);
                         EXPECT_TRUE(channel.close());
                         EXPECT_FALSE(channel.close()) << "a second close does nothing";
                         EXPECT_EQ(channel.send(8), Status::closed);
                       }},
                       {[&] {
                         for (;;) {
                           auto got = channel.receive();
                           outcomes.push_back(got.status);
                           if (!got) break;
                           values.push_back(*got.value);
                         }
                       }});
    EXPECT_EQ(values, std::vector<int>{7});
    EXPECT_EQ(outcomes, (std::vector<Status>{Status::ok, Status::closed}));
  });
}

TYPED_TEST(ChannelTest, CloseWakesAParkedReceiver) {
  for_each_capacity<TypeParam>([](auto& channel) {
    using Channel = std::remove_reference_t<decltype(channel)>;
    Status outcome = Status::ok;
    run_sides<Channel>({[&] {
                         while (channel.stats().parks == 0) ch05::testing::let_others_run();
                         channel.close();
                       }},
                       {[&] { outcome = channel.receive().status; }});
    EXPECT_EQ(outcome, Status::closed);
    EXPECT_EQ(channel.stats().notifications, 1u);
  });
}

TYPED_TEST(ChannelTest, AReceiveWithADeadlineTimesOutAndTakesNothing) {
  for_each_capacity<TypeParam>([](auto& channel) {
    using Channel = std::remove_reference_t<decltype(channel)>;
    std::atomic<Status> first{Status::ok};
    Status second = Status::ok;
    int value = -1;
    run_sides<Channel>({[&] {
                         // Sends only after the receive gave up.
                         while (first.load() == Status::ok) ch05::testing::let_others_run();
                         ASSERT_EQ(channel.send(1), Status::ok);
                       }},
                       {[&] {
                         const auto deadline = rt::Clock::now() + 10ms;
                         first = channel.receive(deadline).status;
                         auto got = channel.receive();
                         second = got.status;
                         value = *got.value;
                       }});
    EXPECT_EQ(first.load(), Status::timed_out);
    EXPECT_EQ(second, Status::ok);
    EXPECT_EQ(value, 1);
  });
}

// Buffered only, as above; a rendezvous send that times out is
// ARendezvousSendWithNoReceiverTimesOutAndTakesItsValueBack.
TYPED_TEST(ChannelTest, ASendWithADeadlineOnAFullChannelTimesOutAndEnqueuesNothing) {
  using Channel = typename TypeParam::template Channel<int>;
  for (std::size_t capacity : kCapacities) {
    SCOPED_TRACE(::testing::Message() << "capacity " << capacity);
    Channel channel(capacity);
    std::atomic<bool> gave_up{false};
    std::vector<int> received, expected;
    for (std::size_t i = 0; i < capacity; ++i) expected.push_back(int(i));
    run_sides<Channel>({[&] {
                         for (int value : expected) ASSERT_EQ(channel.send(value), Status::ok);
                         EXPECT_EQ(channel.send(-1, rt::Clock::now() + 10ms), Status::timed_out);
                         gave_up = true;
                         channel.close();
                       }},
                       {[&] {
                         while (!gave_up) ch05::testing::let_others_run();
                         while (auto got = channel.receive()) received.push_back(*got.value);
                       }});
    EXPECT_EQ(received, expected);
  }
}

TYPED_TEST(ChannelTest, AStopRequestFromAnotherThreadCancelsAParkedReceive) {
  for_each_capacity<TypeParam>([](auto& channel) {
    using Channel = std::remove_reference_t<decltype(channel)>;
    std::stop_source stop;
    Status outcome = Status::ok;
    std::thread stopper([&] {
      while (channel.stats().parks == 0) ch05::testing::let_others_run();
      stop.request_stop();
    });
    Status after = Status::ok;
    run_sides<Channel>({}, {[&] {
                         outcome = channel.receive({}, stop.get_token()).status;
                         after = channel.try_receive().status;
                       }});
    stopper.join();
    EXPECT_EQ(outcome, Status::cancelled);
    EXPECT_EQ(after, Status::empty) << "a cancelled receive takes nothing";
  });
}

TYPED_TEST(ChannelTest, TryFormsNeverWait) {
  for_each_capacity<TypeParam>([](auto& channel) {
    using Channel = std::remove_reference_t<decltype(channel)>;
    // Room for: the capacity (Buffered), 100 values to show it never fills (Unbounded), none
    // (a rendezvous with nobody receiving).
    const std::size_t room = Channel::kRendezvous      ? 0
                             : channel.capacity() == 0 ? 100
                                                       : channel.capacity();
    run_sides<Channel>({[&] {
                         for (std::size_t i = 0; i < room; ++i)
                           ASSERT_EQ(channel.try_send(int(i)), Status::ok);
                         if (channel.capacity() != 0 || Channel::kRendezvous) {
                           EXPECT_EQ(channel.try_send(-1), Status::full);
                         }
                       }},
                       {});
    run_sides<Channel>({}, {[&] {
                         for (std::size_t i = 0; i < room; ++i) {
                           auto got = channel.try_receive();
                           ASSERT_EQ(got.status, Status::ok);
                           EXPECT_EQ(*got.value, int(i));
                         }
                         EXPECT_EQ(channel.try_receive().status, Status::empty);
                       }});
    EXPECT_EQ(channel.stats().parks, 0u);
    run_sides<Channel>({[&] {
                         channel.close();
                         EXPECT_EQ(channel.try_send(1), Status::closed);
                       }},
                       {});
  });
}

// The drop policies need a buffer: an unbounded channel never drops, and a rendezvous holds
// no values to drop (Channel refuses the combination at compile time).
TYPED_TEST(ChannelTest, WhenFullDropNewestDiscardsTheNewValueAndCountsIt) {
  using Channel =
      typename TypeParam::template Channel<int, rt::chan::Buffered, rt::chan::DropNewest>;
  for (std::size_t capacity : kCapacities) {
    SCOPED_TRACE(::testing::Message() << "capacity " << capacity);
    Channel channel(capacity);
    std::vector<int> received, expected;
    for (std::size_t i = 0; i < capacity; ++i) expected.push_back(int(i));
    run_sides<Channel>({[&] {
                         for (int value : expected) EXPECT_EQ(channel.send(value), Status::ok);
                         EXPECT_EQ(channel.send(-1), Status::dropped);
                         channel.close();
                       }},
                       {});
    run_sides<Channel>({}, {[&] {
                         while (auto got = channel.receive()) received.push_back(*got.value);
                       }});
    EXPECT_EQ(received, expected);
    EXPECT_EQ(channel.stats().dropped, 1u);
  }
}

TYPED_TEST(ChannelTest, WhenFullDropOldestMakesRoomAndCountsIt) {
  using Channel =
      typename TypeParam::template Channel<int, rt::chan::Buffered, rt::chan::DropOldest>;
  for (std::size_t capacity : kCapacities) {
    SCOPED_TRACE(::testing::Message() << "capacity " << capacity);
    Channel channel(capacity);
    const int count = static_cast<int>(capacity) + 2;  // the first two are dropped
    std::vector<int> received, expected;
    for (int i = 2; i < count; ++i) expected.push_back(i);
    run_sides<Channel>({[&] {
                         for (int i = 0; i < count; ++i) EXPECT_EQ(channel.send(i), Status::ok);
                         channel.close();
                       }},
                       {});
    run_sides<Channel>({}, {[&] {
                         while (auto got = channel.receive()) received.push_back(*got.value);
                       }});
    EXPECT_EQ(received, expected);
    EXPECT_EQ(channel.stats().dropped, 2u);
  }
}

// The Virtual notifier (kept to measure the run-time choice the chapter rejects) is the
// batched protocol behind a call: the same order, nothing lost, senders parked and woken.
TYPED_TEST(ChannelTest, TheVirtualNotifierKeepsTheProtocol) {
  using Channel = typename TypeParam::template Channel<int, rt::chan::Buffered, rt::chan::Block,
                                                       rt::chan::Virtual>;
  Channel channel(2);
  constexpr int kCount = 5000;
  std::vector<int> received;
  run_sides<Channel>({[&] {
                       for (int i = 0; i < kCount; ++i) ASSERT_EQ(channel.send(i), Status::ok);
                       channel.close();
                     }},
                     {[&] {
                       while (auto got = channel.receive()) received.push_back(*got.value);
                     }});
  ASSERT_EQ(received.size(), std::size_t{kCount});
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(received[i], i);
}

TYPED_TEST(ChannelTest, ASideUsedByTheWrongKindStopsTheProcessNamingTheMode) {
  using Channel = typename TypeParam::template Channel<int>;
  using Sender = typename Channel::Sender;
  if constexpr (std::is_same_v<Sender, rt::chan::Thread>) {
    // A send from a fiber, on a channel whose sender is a thread.
    EXPECT_DEATH(
        {
          Channel channel(1);
          rt::net::Loop loop;
          loop.spawn({.name = "wrong"}, [&] { channel.try_send(1); });
          loop.run();
        },
        std::string("try_send called by a fiber on a ") + Channel::kMode);
  } else {
    EXPECT_DEATH(
        {
          Channel channel(1);
          channel.try_send(1);
        },
        std::string("try_send called by a thread on a ") + Channel::kMode);
    // The thread that owns a loop is not one of its fibers until the loop runs them.
    EXPECT_DEATH(
        {
          Channel channel(1);
          rt::net::Loop loop;
          channel.try_send(1);
        },
        std::string("try_send called by a thread on a ") + Channel::kMode);
  }
}

}  // namespace

namespace {

TYPED_TEST(ChannelTest, ARendezvousSendWithNoReceiverTimesOutAndTakesItsValueBack) {
  using Channel = typename TypeParam::template Channel<int, rt::chan::Rendezvous>;
  Channel channel;
  Status sent = Status::ok, later = Status::ok;
  run_sides<Channel>({[&] { sent = channel.send(1, rt::Clock::now() + 10ms); }}, {});
  run_sides<Channel>({}, {[&] { later = channel.try_receive().status; }});
  EXPECT_EQ(sent, Status::timed_out);
  EXPECT_EQ(later, Status::empty) << "the value went back with the send that timed out";
}

TYPED_TEST(ChannelTest, ARendezvousTrySendHandsItsValueOnlyToAWaitingReceiver) {
  using Channel = typename TypeParam::template Channel<int, rt::chan::Rendezvous>;
  Channel channel;
  std::optional<int> received;
  run_sides<Channel>({[&] { EXPECT_EQ(channel.try_send(1), Status::full) << "nobody receives"; }},
                     {});
  run_sides<Channel>({[&] {
                       while (channel.stats().parks == 0) ch05::testing::let_others_run();
                       // The receiver is registered: the first try that sees it hands over.
                       Status sent;
                       while ((sent = channel.try_send(2)) == Status::full)
                         ch05::testing::let_others_run();
                       EXPECT_EQ(sent, Status::ok);
                     }},
                     {[&] { received = channel.receive().value; }});
  EXPECT_EQ(received, std::optional<int>(2));
  EXPECT_EQ(channel.stats().parks, 1u) << "try_send never waits; only the receiver parked";
}

TYPED_TEST(ChannelTest, ARendezvousSendCompletesOnlyOnceTheReceiverTookTheValue) {
  using Channel = typename TypeParam::template Channel<int, rt::chan::Rendezvous>;
  Channel channel;
  std::atomic<bool> sent{false};
  bool sent_before_receive = true;
  run_sides<Channel>({[&] {
                       EXPECT_EQ(channel.send(1), Status::ok);
                       sent = true;
                     }},
                     {[&] {
                       // The sender waits as the cell's owner before anyone receives.
                       while (channel.stats().parks == 0) ch05::testing::let_others_run();
                       sent_before_receive = sent.load();
                       EXPECT_EQ(*channel.receive().value, 1);
                     }});
  EXPECT_FALSE(sent_before_receive);
  EXPECT_TRUE(sent.load());
}

}  // namespace
