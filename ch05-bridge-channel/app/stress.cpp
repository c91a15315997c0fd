// `stress` (stress.hpp).
#include "stress.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/net/loop.hpp"

namespace ch05 {

namespace {

using namespace std::chrono_literals;
using Body = std::function<void()>;

// Where bodies run: OS threads, and the fibers of two loops (each on a thread of its own).
struct Places {
  std::vector<Body> threads, loop_a, loop_b;
};

// What one channel's parties record: every value whose send returned ok, every value taken.
struct Ledger {
  std::mutex mutex;
  std::vector<std::uint64_t> sent_ok, received;  // guarded by mutex
  std::atomic<std::uint64_t> gave_up{0};
  void add(std::vector<std::uint64_t>& to, const std::vector<std::uint64_t>& values) {
    std::lock_guard lock(mutex);
    to.insert(to.end(), values.begin(), values.end());
  }
};

StressChannelReport check(std::string name, Ledger& ledger) {
  StressChannelReport report;
  report.name = std::move(name);
  auto& sent = ledger.sent_ok;
  auto& got = ledger.received;
  std::sort(sent.begin(), sent.end());
  std::sort(got.begin(), got.end());
  report.sent_ok = sent.size();
  report.received = got.size();
  report.gave_up = ledger.gave_up.load();
  for (std::size_t i = 1; i < got.size(); ++i) report.duplicates += got[i] == got[i - 1];
  got.erase(std::unique(got.begin(), got.end()), got.end());
  std::vector<std::uint64_t> difference;
  std::set_difference(sent.begin(), sent.end(), got.begin(), got.end(),
                      std::back_inserter(difference));
  report.missing = difference.size();
  difference.clear();
  std::set_difference(got.begin(), got.end(), sent.begin(), sent.end(),
                      std::back_inserter(difference));
  report.strays = difference.size();
  return report;
}

// One channel's parties: `senders` x `each` sends, `receivers` receiving until closed.
template <typename Channel>
struct Traffic {
  Channel channel;
  Ledger ledger;
  std::atomic<std::uint64_t> sent{0};
  std::atomic<int> senders_left;
  std::uint64_t close_after;

  Traffic(std::size_t capacity, int senders, std::uint64_t each)
      : channel(capacity), senders_left(senders), close_after(senders * each * 9 / 10) {}

  Body sender(int id, std::uint64_t each, const std::stop_token& stop) {
    return [this, id, each, stop] {
      std::vector<std::uint64_t> ok;
      for (std::uint64_t i = 0; i < each; ++i) {
        const std::uint64_t value = (std::uint64_t(id) << 40) | i;
        rt::chan::Deadline deadline;
        if (i % 64 == 0) deadline = rt::Clock::now() + 20us;
        const auto status = channel.send(value, deadline, i % 97 == 0 ? stop : std::stop_token{});
        if (status == rt::chan::Status::ok) {
          ok.push_back(value);
          if (sent.fetch_add(1) + 1 == close_after) channel.close();
        } else if (status == rt::chan::Status::closed) {
          break;
        } else {
          ledger.gave_up.fetch_add(1);
        }
      }
      ledger.add(ledger.sent_ok, ok);
      if (senders_left.fetch_sub(1) == 1) channel.close();
    };
  }

  Body receiver(const std::stop_token& stop) {
    return [this, stop] {
      std::vector<std::uint64_t> got;
      for (std::uint64_t i = 0;; ++i) {
        rt::chan::Deadline deadline;
        if (i % 64 == 0) deadline = rt::Clock::now() + 20us;
        auto received = channel.receive(deadline, i % 89 == 0 ? stop : std::stop_token{});
        if (received) {
          got.push_back(*received.value);
        } else if (received.status == rt::chan::Status::closed) {
          break;
        } else {
          ledger.gave_up.fetch_add(1);
        }
      }
      ledger.add(ledger.received, got);
    };
  }
};

void run_places(Places& places) {
  std::vector<std::thread> threads;
  for (auto* bodies : {&places.loop_a, &places.loop_b}) {
    if (bodies->empty()) continue;
    threads.emplace_back([bodies] {
      rt::net::Loop loop;
      for (auto& body : *bodies) loop.spawn({.name = "stress"}, std::move(body));
      loop.run();
    });
  }
  for (auto& body : places.threads) threads.emplace_back(std::move(body));
  for (auto& thread : threads) thread.join();
}

}  // namespace

bool StressReport::exactly_once() const {
  return std::all_of(channels.begin(), channels.end(), [](const StressChannelReport& c) {
    return c.duplicates == 0 && c.missing == 0 && c.strays == 0 && c.sent_ok == c.received;
  });
}

StressReport stress_channels(const StressOptions& options) {
  using namespace rt::chan;
  constexpr int kPerSide = 2;  // senders and receivers per channel
  const std::uint64_t each = std::max<std::uint64_t>(1, options.messages / 4 / kPerSide);
  Traffic<Channel<std::uint64_t, Thread, Fiber>> t2c(options.capacity, kPerSide, each);
  Traffic<Channel<std::uint64_t, Fiber, Thread>> c2t(options.capacity, kPerSide, each);
  Traffic<Channel<std::uint64_t, FiberOnAnyLoop, FiberOnAnyLoop>> across(options.capacity, kPerSide,
                                                                         each);
  Traffic<Channel<std::uint64_t, Thread, Thread>> t2t(options.capacity, kPerSide, each);
  std::stop_source stop;
  Places places;
  for (int i = 0; i < kPerSide; ++i) {
    places.threads.push_back(t2c.sender(i, each, stop.get_token()));
    places.loop_a.push_back(t2c.receiver(stop.get_token()));
    places.loop_b.push_back(c2t.sender(i, each, stop.get_token()));
    places.threads.push_back(c2t.receiver(stop.get_token()));
    places.loop_a.push_back(across.sender(i, each, stop.get_token()));
    places.loop_b.push_back(across.receiver(stop.get_token()));
    places.threads.push_back(t2t.sender(i, each, stop.get_token()));
    places.threads.push_back(t2t.receiver(stop.get_token()));
  }
  // A stop request lands mid-run, on whatever waits with the token at that moment.
  places.threads.push_back([&] {
    const std::uint64_t half = each * kPerSide / 2;
    while (t2c.sent.load() < half && t2t.sent.load() < half &&
           t2c.senders_left.load() + t2t.senders_left.load() > 0) {
      std::this_thread::yield();
    }
    stop.request_stop();
  });
  const auto start = rt::Clock::now();
  run_places(places);
  StressReport report;
  report.seconds = std::chrono::duration<double>(rt::Clock::now() - start).count();
  report.channels.push_back(check("T2C: 2 threads -> 2 fibers (loop A)", t2c.ledger));
  report.channels.push_back(check("C2T: 2 fibers (loop B) -> 2 threads", c2t.ledger));
  report.channels.push_back(check("C2C: 2 fibers (loop A) -> 2 fibers (loop B)", across.ledger));
  report.channels.push_back(check("T2T: 2 threads -> 2 threads", t2t.ledger));
  return report;
}

}  // namespace ch05
