// Exactly once under races: every value whose send returned ok is received exactly once, and
// no value whose send returned anything else is received, while deadlines expire, stop
// requests land and close() comes in the middle; one sender and one receiver go through a
// select half the time. Threads and fibers on two loops send and
// receive through channels of every mode at once (each channel has one kind per side, so the
// mix is four channels running together).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "chan_testing.hpp"
#include "rt/chan/channel.hpp"
#include "rt/chan/select.hpp"

namespace {

using namespace std::chrono_literals;
using rt::chan::Status;

// A value names its sender and its sequence number, so a duplicate or a stray is caught.
constexpr std::uint64_t kPerSender = std::uint64_t{1} << 32;

struct Ledger {
  std::mutex mutex;
  std::vector<std::uint64_t> sent_ok;   // guarded by mutex
  std::vector<std::uint64_t> received;  // guarded by mutex
  void add(std::vector<std::uint64_t>& to, const std::vector<std::uint64_t>& values) {
    std::lock_guard lock(mutex);
    to.insert(to.end(), values.begin(), values.end());
  }
  void expect_exactly_once() {
    std::sort(sent_ok.begin(), sent_ok.end());
    std::sort(received.begin(), received.end());
    ASSERT_EQ(std::adjacent_find(received.begin(), received.end()), received.end())
        << "a value was received twice";
    ASSERT_EQ(received, sent_ok) << "received != the values whose send returned ok";
  }
};

// Senders send `each` values; every seventh send has a deadline already near and every
// eleventh a stop token that another thread triggers at some moment; receivers likewise.
// After `close_after` successful sends in all, one sender closes the channel: the rest of the
// sends return closed, and receivers drain.
// A receive done by a select over `channel` and `idle` (which never fires), as a Received.
template <typename Channel>
rt::chan::Received<typename Channel::value_type> receive_by_select(Channel& channel, Channel& idle,
                                                                   rt::chan::Deadline deadline,
                                                                   const std::stop_token& stop) {
  rt::chan::Received<typename Channel::value_type> received;
  std::optional<typename Channel::value_type> never;
  const auto fired = rt::chan::select({.deadline = deadline, .stop = stop},
                                      rt::chan::on_receive(channel, received.value),
                                      rt::chan::on_receive(idle, never));
  EXPECT_NE(fired.index, 1u) << "a case on a channel nobody sends on fired";
  received.status = fired.status;
  return received;
}

// A send done by a select with one case, as a Status.
template <typename Channel>
Status send_by_select(Channel& channel, typename Channel::value_type value,
                      rt::chan::Deadline deadline, const std::stop_token& stop) {
  return rt::chan::select({.deadline = deadline, .stop = stop}, rt::chan::on_send(channel, value))
      .status;
}

template <typename Channel>
void race(std::size_t capacity, int senders, int receivers, int each, int close_after) {
  Channel channel(capacity);
  Channel idle(capacity);
  Ledger ledger;
  std::stop_source stop;
  std::atomic<int> sent_total{0};
  std::atomic<bool> done{false};
  std::thread stopper([&] {
    while (sent_total.load() < close_after / 2 && !done.load()) std::this_thread::yield();
    stop.request_stop();  // lands on whatever is parked with the token at that moment
  });
  std::vector<ch05::testing::Body> send_bodies, receive_bodies;
  for (int s = 0; s < senders; ++s) {
    send_bodies.push_back([&, s] {
      std::vector<std::uint64_t> ok;
      for (int i = 0; i < each; ++i) {
        const std::uint64_t value = std::uint64_t(s) * kPerSender + std::uint64_t(i);
        rt::chan::Deadline deadline;
        if (i % 7 == 0) deadline = rt::Clock::now() + 50us;
        const std::stop_token token = i % 11 == 0 ? stop.get_token() : std::stop_token{};
        // Sender 0 sends through a one-case select every other time.
        const Status status = s == 0 && i % 2 == 1 ? send_by_select(channel, value, deadline, token)
                                                   : channel.send(value, deadline, token);
        if (status == Status::ok) {
          ok.push_back(value);
          if (sent_total.fetch_add(1) + 1 == close_after) channel.close();
        } else if (status == Status::closed) {
          break;
        } else {
          ASSERT_TRUE(status == Status::timed_out || status == Status::cancelled)
              << rt::chan::to_string(status);
        }
      }
      ledger.add(ledger.sent_ok, ok);
    });
  }
  std::atomic<int> senders_left{senders};
  for (int r = 0; r < receivers; ++r) {
    receive_bodies.push_back([&, r] {
      std::vector<std::uint64_t> got;
      for (int i = 0;; ++i) {
        rt::chan::Deadline deadline;
        if (i % 5 == 0) deadline = rt::Clock::now() + 50us;
        const std::stop_token token = (i + r) % 13 == 0 ? stop.get_token() : std::stop_token{};
        // Receiver 0 receives through a select every other time, beside a channel nobody
        // sends on: its wait ends on this channel's value, its close, its deadline or its stop.
        auto received = r == 0 && i % 2 == 1 ? receive_by_select(channel, idle, deadline, token)
                                             : channel.receive(deadline, token);
        if (received.status == Status::ok) {
          got.push_back(*received.value);
        } else if (received.status == Status::closed) {
          break;
        } else {
          ASSERT_TRUE(received.status == Status::timed_out || received.status == Status::cancelled)
              << rt::chan::to_string(received.status);
        }
      }
      ledger.add(ledger.received, got);
    });
  }
  // Senders that end before close_after (all their sends done) close it too: a second close
  // is harmless, and the receivers must end.
  for (auto& body : send_bodies) {
    body = [&, inner = std::move(body)] {
      inner();
      if (senders_left.fetch_sub(1) == 1) channel.close();
    };
  }
  ch05::testing::run_sides<Channel>(std::move(send_bodies), std::move(receive_bodies));
  done = true;
  stopper.join();
  ledger.expect_exactly_once();
}

template <typename M>
class ExactlyOnce : public ::testing::Test {};
using Modes = ::testing::Types<ch05::testing::T2T, ch05::testing::T2C, ch05::testing::C2T,
                               ch05::testing::C2C>;
TYPED_TEST_SUITE(ExactlyOnce, Modes);

TYPED_TEST(ExactlyOnce, EveryValueSentOkIsReceivedOnceWhileDeadlinesStopsAndCloseRace) {
  using Buffered = typename TypeParam::template Channel<std::uint64_t>;
  using Unbounded = typename TypeParam::template Channel<std::uint64_t, rt::chan::Unbounded>;
  for (std::size_t capacity : {1u, 2u, 1024u}) {
    SCOPED_TRACE(::testing::Message() << "capacity " << capacity);
    race<Buffered>(capacity, 3, 3, 12000, 27000);
  }
  {
    SCOPED_TRACE("unbounded");
    race<Unbounded>(0, 3, 3, 12000, 27000);
  }
  SCOPED_TRACE("capacity 0 (rendezvous)");
  using Rendezvous = typename TypeParam::template Channel<std::uint64_t, rt::chan::Rendezvous>;
  race<Rendezvous>(0, 3, 3, 4000, 9000);
}

}  // namespace
