// `syscall-server`: fibers that must use a resource bound to one OS thread (demos.hpp). The
// brief's "syscall server" (Go's LockOSThread pattern): the fibers send requests to the thread
// that owns the resource and wait for the reply (C2T, then T2C). Against it, the same
// requests made by fibers that run on the owner thread's own loop, to a server fiber there
// (C2C): no thread is woken, and the resource is still only ever used by its thread.
// Chapter 6 builds its pinned fibers on this comparison.
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "demos.hpp"
#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/stats.hpp"
#include "rt/table.hpp"

namespace ch05 {

namespace {

// The thread-bound resource: it refuses to be used from any other thread, as a GUI toolkit,
// an OpenGL context or ptrace would.
class BoundResource {
 public:
  BoundResource() : owner_(std::this_thread::get_id()) {}
  std::uint64_t call(std::uint64_t argument) {
    if (std::this_thread::get_id() != owner_) {
      throw std::logic_error("the resource was used from a thread that does not own it");
    }
    return ++calls_ + argument;
  }
  std::uint64_t calls() const { return calls_; }

 private:
  std::thread::id owner_;
  std::uint64_t calls_ = 0;
};

template <typename ReplyChannel>
struct Request {
  std::uint64_t argument = 0;
  ReplyChannel* reply = nullptr;  // where the answer goes (the asking fiber's own channel)
};

struct Result {
  double per_request_us = 0;  // median of the fibers' request round trips
  std::uint64_t wakeups = 0;  // OS wakeups paid by both directions
};

// Spawns one fiber per reply channel on `loop`; each makes `requests_each` requests, timing
// each round trip into `samples`, and the last to finish closes `requests`.
template <typename Requests, typename Reply>
void spawn_askers(rt::net::Loop& loop, Requests& requests,
                  std::vector<std::unique_ptr<Reply>>& replies, int requests_each,
                  std::vector<double>& samples) {
  auto left = std::make_shared<std::size_t>(replies.size());
  for (auto& reply : replies) {
    loop.spawn({.name = "asker"}, [&requests, &samples, left, requests_each, reply = reply.get()] {
      for (int i = 0; i < requests_each; ++i) {
        const auto start = rt::Clock::now();
        requests.send({std::uint64_t(i), reply});
        reply->receive();
        samples.push_back(
            std::chrono::duration<double, std::micro>(rt::Clock::now() - start).count());
      }
      if (--*left == 0) requests.close();
    });
  }
}

double median_us(std::vector<double>& samples) {
  return rt::summarize(samples).median;
}

// The fibers run on a loop of their own thread; the owner thread serves them (C2T + T2C).
Result through_the_owner_thread(int fibers, int requests_each) {
  using Reply = rt::chan::Channel<std::uint64_t, rt::chan::Thread, rt::chan::Fiber>;
  using Requests = rt::chan::Channel<Request<Reply>, rt::chan::Fiber, rt::chan::Thread>;
  Requests requests(static_cast<std::size_t>(fibers));
  std::vector<std::unique_ptr<Reply>> replies;
  for (int f = 0; f < fibers; ++f) replies.push_back(std::make_unique<Reply>(1));
  std::uint64_t served = 0;
  std::thread owner([&] {
    BoundResource resource;  // created on, and bound to, this thread
    while (auto request = requests.receive()) {
      request.value->reply->send(resource.call(request.value->argument));
    }
    served = resource.calls();
  });
  std::vector<double> samples;
  {
    rt::net::Loop loop;
    spawn_askers(loop, requests, replies, requests_each, samples);
    loop.run();
  }
  owner.join();
  if (served != std::uint64_t(fibers) * std::uint64_t(requests_each)) {
    throw std::runtime_error("the owner thread served a different number of requests");
  }
  Result result;
  result.per_request_us = median_us(samples);
  result.wakeups = requests.stats().wakeups;
  for (auto& reply : replies) result.wakeups += reply->stats().wakeups;
  return result;
}

// The fibers run on the owner thread's own loop, beside a server fiber (C2C both ways).
Result on_the_owner_loop(int fibers, int requests_each) {
  using Reply = rt::chan::Channel<std::uint64_t, rt::chan::Fiber, rt::chan::Fiber>;
  using Requests = rt::chan::Channel<Request<Reply>, rt::chan::Fiber, rt::chan::Fiber>;
  Requests requests(static_cast<std::size_t>(fibers));
  std::vector<std::unique_ptr<Reply>> replies;
  for (int f = 0; f < fibers; ++f) replies.push_back(std::make_unique<Reply>(1));
  std::vector<double> samples;
  std::uint64_t served = 0;
  std::thread owner([&] {
    BoundResource resource;
    rt::net::Loop loop;
    loop.spawn({.name = "server"}, [&] {
      while (auto request = requests.receive()) {
        request.value->reply->send(resource.call(request.value->argument));
      }
    });
    spawn_askers(loop, requests, replies, requests_each, samples);
    loop.run();
    served = resource.calls();
  });
  owner.join();
  if (served != std::uint64_t(fibers) * std::uint64_t(requests_each)) {
    throw std::runtime_error("the server fiber served a different number of requests");
  }
  Result result;
  result.per_request_us = median_us(samples);
  result.wakeups = requests.stats().wakeups;
  for (auto& reply : replies) result.wakeups += reply->stats().wakeups;
  return result;
}

}  // namespace

void syscall_server(const SyscallServerOptions& options, rt::Output& out) {
  const std::uint64_t total = std::uint64_t(options.fibers) * std::uint64_t(options.requests);
  rt::Table table(
      fmt::format("{} fibers x {} requests to a resource bound to one thread "
                  "(unpinned)",
                  options.fibers, options.requests),
      {"where the fibers run", "hops", "us per request (p50)", "OS wakeups", "wakeups/request"});
  const Result remote = through_the_owner_thread(options.fibers, options.requests);
  table.add_row({"another thread's loop", "C2T + T2C", rt::format_number(remote.per_request_us, 2),
                 std::to_string(remote.wakeups),
                 rt::format_number(double(remote.wakeups) / double(total), 4)});
  const Result local = on_the_owner_loop(options.fibers, options.requests);
  table.add_row({"the owner thread's loop", "C2C + C2C", rt::format_number(local.per_request_us, 2),
                 std::to_string(local.wakeups),
                 rt::format_number(double(local.wakeups) / double(total), 4)});
  options.json ? table.print_json(out) : table.print(out);
}

}  // namespace ch05
