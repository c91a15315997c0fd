// rt::chan::select over the four modes: one case fires, fairly, and a wakeup is never lost.
#include "rt/chan/select.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
using rt::chan::on_receive;
using rt::chan::on_send;
using rt::chan::select;
using rt::chan::Status;

template <typename M>
class Select : public ::testing::Test {};
using Modes = ::testing::Types<ch05::testing::T2T, ch05::testing::T2C, ch05::testing::C2T,
                               ch05::testing::C2C>;
TYPED_TEST_SUITE(Select, Modes);

TYPED_TEST(Select, WithBothChannelsReadyExactlyOneCaseFiresAndTheOtherKeepsItsValue) {
  ch05::testing::for_each_storage<TypeParam>([](auto type, std::size_t capacity) {
    using Channel = typename decltype(type)::type;
    Channel a(capacity), b(capacity);
    std::vector<std::size_t> fired;
    std::vector<int> left;
    // Two senders, so that on a rendezvous each waits in its channel's cell for a receiver.
    run_sides<Channel>(
        {[&] { EXPECT_EQ(a.send(1), Status::ok); }, [&] { EXPECT_EQ(b.send(2), Status::ok); }},
        {[&] {
          while (!a.select_can_receive() || !b.select_can_receive())
            ch05::testing::let_others_run();
          std::optional<int> from_a, from_b;
          auto result = select({}, on_receive(a, from_a), on_receive(b, from_b));
          fired.push_back(result.index);
          EXPECT_EQ(result.status, Status::ok);
          EXPECT_EQ(from_a, result.index == 0 ? std::optional<int>(1) : std::nullopt);
          EXPECT_EQ(from_b, result.index == 1 ? std::optional<int>(2) : std::nullopt);
          // The other value is still there (its rendezvous sender still waits).
          auto other = (result.index == 0 ? b : a).receive();
          if (other) left.push_back(*other.value);
        }});
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_EQ(left, std::vector<int>{fired[0] == 0 ? 2 : 1})
        << "the case that did not fire took nothing";
  });
}

// Buffered and Unbounded: the test needs both cases ready at every select, which a rendezvous
// (whose senders come and go) cannot hold still.
TYPED_TEST(Select, ReadyCasesFireInRandomOrderSoNoneStarves) {
  constexpr int kRounds = 400;
  auto fairly = [](auto& a, auto& b) {
    using Channel = std::remove_reference_t<decltype(a)>;
    run_sides<Channel>({[&] {
                         for (int i = 0; i < kRounds; ++i) {
                           a.send(i);
                           b.send(i);
                         }
                       }},
                       {});
    int from_a = 0;
    run_sides<Channel>({}, {[&] {
                         // Both channels hold values throughout: every select sees two ready cases.
                         for (int i = 0; i < kRounds; ++i) {
                           std::optional<int> x, y;
                           if (select({}, on_receive(a, x), on_receive(b, y)).index == 0) ++from_a;
                         }
                       }});
    EXPECT_GT(from_a, kRounds / 4);
    EXPECT_LT(from_a, kRounds - kRounds / 4);
  };
  {
    typename TypeParam::template Channel<int> a(kRounds), b(kRounds);
    fairly(a, b);
  }
  SCOPED_TRACE("unbounded");
  typename TypeParam::template Channel<int, rt::chan::Unbounded> a, b;
  fairly(a, b);
}

TYPED_TEST(Select, WithADefaultItNeverWaits) {
  ch05::testing::for_each_storage<TypeParam>([](auto type, std::size_t capacity) {
    using Channel = typename decltype(type)::type;
    Channel a(capacity);
    rt::chan::SelectResult result;
    run_sides<Channel>({}, {[&] {
                         std::optional<int> x;
                         result = select({.has_default = true}, on_receive(a, x));
                       }});
    EXPECT_EQ(result.index, rt::chan::kNoCase);
    EXPECT_EQ(result.status, Status::empty);
    EXPECT_EQ(a.stats().parks, 0u);
  });
}

TYPED_TEST(Select, ADeadlineEndsItWithNoCaseAndAStopLikewise) {
  ch05::testing::for_each_storage<TypeParam>([](auto type, std::size_t capacity) {
    using Channel = typename decltype(type)::type;
    Channel a(capacity), b(capacity);
    rt::chan::SelectResult timed, stopped;
    std::stop_source stop;
    stop.request_stop();
    run_sides<Channel>(
        {}, {[&] {
          std::optional<int> x, y;
          timed = select({.deadline = rt::Clock::now() + 5ms}, on_receive(a, x), on_receive(b, y));
          stopped = select({.stop = stop.get_token()}, on_receive(a, x), on_receive(b, y));
        }});
    EXPECT_EQ(timed.index, rt::chan::kNoCase);
    EXPECT_EQ(timed.status, Status::timed_out);
    EXPECT_EQ(stopped.status, Status::cancelled);
  });
}

// On a rendezvous, a sender that finds the select parked hands it the value directly (the
// select's wait ends as delivered, and the case whose variable holds the value fired).
TYPED_TEST(Select, AParkedSelectIsWokenByASendOnAnyOfItsChannels) {
  ch05::testing::for_each_storage<TypeParam>([](auto type, std::size_t capacity) {
    using Channel = typename decltype(type)::type;
    for (int which = 0; which < 2; ++which) {
      Channel a(capacity), b(capacity);
      rt::chan::SelectResult result;
      std::optional<int> x, y;
      run_sides<Channel>(
          {[&] {
            // Sends once the select registered on both channels (it then
            // parks, or its re-check finds the value).
            while (!a.select_receivers().maybe_waiting() || !b.select_receivers().maybe_waiting())
              ch05::testing::let_others_run();
            EXPECT_EQ((which == 0 ? a : b).send(7), Status::ok);
          }},
          {[&] { result = select({}, on_receive(a, x), on_receive(b, y)); }});
      EXPECT_EQ(result.index, std::size_t(which));
      EXPECT_EQ(result.status, Status::ok);
      EXPECT_EQ((which == 0 ? x : y), std::optional<int>(7));
      EXPECT_EQ((which == 0 ? y : x), std::nullopt);
    }
  });
}

// Buffered and Rendezvous: an Unbounded channel always has room, so there is nothing to wait
// for. On a rendezvous, "room" is a receiver: it takes the value straight from the waiting
// select's case.
TYPED_TEST(Select, ASendCaseFiresWhenRoomAppears) {
  ch05::testing::for_each_storage<TypeParam>([](auto type, std::size_t capacity) {
    using Channel = typename decltype(type)::type;
    if constexpr (!Channel::kRendezvous) {
      if (capacity == 0) return;  // unbounded
    }
    Channel full(capacity), never(capacity);
    rt::chan::SelectResult result;
    std::vector<int> received, expected;
    int other = -1;
    run_sides<Channel>(
        {[&] {
          for (std::size_t i = 0; i < capacity; ++i) {
            ASSERT_EQ(full.send(int(i)), Status::ok);
            ASSERT_EQ(never.send(-1), Status::ok);
          }
          // Both full now (a rendezvous: nobody receives): the select waits.
          int value = 1000;
          other = 3;
          result = select({}, on_send(full, value), on_send(never, other));
          full.close();
          never.close();
        }},
        {[&] {
          // Takes only once the select registered (it then parks, or its
          // re-check finds room).
          while (!full.select_senders().maybe_waiting() || !never.select_senders().maybe_waiting())
            ch05::testing::let_others_run();
          while (auto got = full.receive()) received.push_back(*got.value);
        }});
    for (std::size_t i = 0; i < capacity; ++i) expected.push_back(int(i));
    expected.push_back(1000);
    EXPECT_EQ(result.index, 0u);
    EXPECT_EQ(result.status, Status::ok);
    EXPECT_EQ(received, expected);
    EXPECT_EQ(other, 3) << "the case that did not fire kept its value";
  });
}

// A select waiting to send on a rendezvous and a receiver meet without a third party: each
// registers, then re-checks for the other, so they never both park (a lost wakeup here is a
// hang, which the test's timeout turns into a failure). Many rounds, to hit the moment when
// both arrive together.
TYPED_TEST(Select, ARendezvousSendCaseAndAReceiverArrivingTogetherNeverBothPark) {
  using Channel = typename TypeParam::template Channel<int, rt::chan::Rendezvous>;
  constexpr int kRounds = 20000;
  Channel channel;
  long long sum = 0;
  run_sides<Channel>({[&] {
                       for (int i = 0; i < kRounds; ++i) {
                         int value = i;
                         ASSERT_EQ(select({}, on_send(channel, value)).status, Status::ok);
                       }
                     }},
                     {[&] {
                       for (int i = 0; i < kRounds; ++i) sum += *channel.receive().value;
                     }});
  EXPECT_EQ(sum, static_cast<long long>(kRounds) * (kRounds - 1) / 2);
}

// Go's `case v = <-a: case v = <-b:`: two rendezvous cases share one variable. A sender on
// `a` hands the parked select its value; a try_send on `b` that comes before the select ran
// again finds its registration on `b` still there, and must lose to the first without touching
// the variable (in C2C nothing runs in between, so the window is always hit).
TYPED_TEST(Select, TwoRendezvousCasesSharingOneVariableLoseNothingAndNameTheirCase) {
  using Channel = typename TypeParam::template Channel<int, rt::chan::Rendezvous>;
  Channel a, b;
  std::optional<int> shared;
  rt::chan::SelectResult result;
  Status second = Status::ok;
  run_sides<Channel>(
      {[&] {
        while (!a.select_receivers().maybe_waiting() || !b.select_receivers().maybe_waiting())
          ch05::testing::let_others_run();
        EXPECT_EQ(a.send(1), Status::ok);
        second = b.try_send(2);
      }},
      {[&] { result = select({}, on_receive(a, shared), on_receive(b, shared)); }});
  EXPECT_EQ(result.index, 0u);
  EXPECT_EQ(result.status, Status::ok);
  EXPECT_EQ(shared, std::optional<int>(1)) << "the value a's send returned ok for";
  EXPECT_EQ(second, Status::full) << "nobody took b's value";
}

// The bug this guards against shipped in other channel libraries: a select woken by channel
// A's notifier fires on channel B instead, and a receiver parked on A sleeps beside A's value.
// Here the select hands the wakeup on, so the receiver returns with A's value at once, before
// a closer that comes later (whose close would otherwise be what wakes it).
TEST(SelectC2C, AWakeupASelectDidNotUseIsHandedOnToTheNextReceiver) {
  using Channel = rt::chan::Channel<int, rt::chan::Fiber, rt::chan::Fiber>;
  int fired_on_b = 0;
  for (int round = 0; round < 64; ++round) {  // the select picks B first in about half
    Channel a(1), b(1);
    std::size_t fired = rt::chan::kNoCase;
    bool closing = false;
    Status received = Status::empty;
    bool received_while_closing = false;
    rt::net::Loop loop;
    loop.spawn({.name = "select"}, [&] {
      std::optional<int> x, y;
      fired = select({}, on_receive(a, x), on_receive(b, y)).index;  // parks: oldest on A
    });
    loop.spawn({.name = "receiver"}, [&] {
      received = a.receive().status;  // parks on A, behind the select
      received_while_closing = closing;
    });
    loop.spawn({.name = "sender"}, [&] {
      a.send(1);  // wakes the select (the oldest on A)
      b.send(2);  // the select is woken already: nobody else waits on B
    });
    loop.spawn({.name = "closer"}, [&] {
      while (fired == rt::chan::kNoCase) rt::fiber::this_fiber::yield();
      for (int turn = 0; turn < 3; ++turn) ch05::testing::let_others_run();
      closing = true;
      a.close();
    });
    loop.run();
    if (fired == 1) {
      ++fired_on_b;
      EXPECT_EQ(received, Status::ok);
      EXPECT_FALSE(received_while_closing) << "the receiver on A slept until the close";
    } else {
      EXPECT_EQ(received, Status::closed);  // the select took A's value
    }
  }
  EXPECT_GT(fired_on_b, 0) << "the select never chose B: the claim was not exercised";
}

// On a rendezvous, plain senders wait in the channel's cell and a select's send case waits as
// an offer. A receiver that is slower than the senders finds the cell refilled every time it
// comes back (here: the sender whose value it took refills it before the receiver's next
// turn, on one loop, deterministically). If it always looked at the cell first, the offer
// would wait for ever; it must be taken within two receives.
TEST(SelectC2C, PlainSendersKeepingARendezvousCellFullDoNotStarveASelectsOffer) {
  using Channel = rt::chan::Channel<int, rt::chan::Fiber, rt::chan::Fiber, rt::chan::Rendezvous>;
  Channel channel;
  std::vector<int> received;
  rt::net::Loop loop;
  for (int sender = 1; sender <= 2; ++sender) {
    loop.spawn({.name = "plain sender"}, [&channel, sender] {
      while (channel.send(sender) == Status::ok) {
      }
    });
  }
  loop.spawn({.name = "select"}, [&channel] {
    int offer = -1;
    EXPECT_EQ(select({}, on_send(channel, offer)).status, Status::ok);
  });
  loop.spawn({.name = "slow receiver"}, [&] {
    for (int i = 0; i < 6; ++i) {
      received.push_back(*channel.receive().value);
      for (int turn = 0; turn < 4; ++turn) rt::fiber::this_fiber::yield();  // its work
    }
    channel.close();
  });
  loop.run();
  ASSERT_EQ(received.size(), 6u);
  const auto offer_at = std::find(received.begin(), received.end(), -1) - received.begin();
  EXPECT_LT(offer_at, 2) << "the select's offer waited behind plain senders for " << offer_at
                         << " receives";
}

}  // namespace

namespace {

// A fiber waits on its own loop's data (C2C) and a thread's commands (T2C) in one select: the
// C2C list is unlocked, but the thread may end the same wait, so the word is ended by CAS.
TEST(SelectMixed, AFiberSelectsOnC2CDataAndT2CCommandsAndEachWakesIt) {
  rt::chan::Channel<int, rt::chan::Fiber, rt::chan::Fiber> data(1);
  rt::chan::Channel<int, rt::chan::Thread, rt::chan::Fiber> commands(1);
  std::atomic<int> step{0};
  std::vector<std::size_t> fired;
  std::thread control([&] {
    while (step.load() < 1) std::this_thread::yield();  // the data case fired first
    commands.send(99);
  });
  rt::net::Loop loop;
  loop.spawn({.name = "selector"}, [&] {
    for (int i = 0; i < 2; ++i) {
      std::optional<int> x, y;
      fired.push_back(select({}, on_receive(data, x), on_receive(commands, y)).index);
      step.fetch_add(1);
    }
  });
  loop.spawn({.name = "producer"}, [&] { data.send(1); });
  loop.run();
  control.join();
  EXPECT_EQ(fired, (std::vector<std::size_t>{0, 1}));
}

TEST(SelectDeath, ASendAndAReceiveCaseOnOneRendezvousAreRefused) {
  rt::chan::Channel<int, rt::chan::Thread, rt::chan::Thread, rt::chan::Rendezvous> channel;
  int out = 1;
  std::optional<int> in;
  EXPECT_DEATH(select({.has_default = true}, on_send(channel, out), on_receive(channel, in)),
               "send and a receive case on the same rendezvous channel");
}

}  // namespace
