// One greedy client must not starve the others. A greedy client here is the natural design
// in Go, Java or Python: a writer thread and a reader thread on one connection, moving
// 64 KiB blocks at full speed, so the server's calls on it rarely meet EAGAIN. Without a
// budget the events and fibers models served it until they did (seconds, measured), while
// every other connection waited. The claims: the events and fibers servers made the greedy
// connections yield (counted), and a probe's round trips, made meanwhile, all come back,
// none slower than a bound so generous (2 s, where they take about a millisecond) that only
// starvation breaks it. The threads model is in the list for the probe's claim only: the
// kernel shares the CPU between its threads.
//
// The servers run with a budget of 4 calls, not the default 32. Whether a connection ever
// makes 32 calls in a row that do not block depends on the receive window the kernel's TCP
// autotuning gives the server's socket, not on the client: on the machine of docs/DESIGN.md,
// in about half the runs the window stayed near 136 KiB, which the fibers server drained in
// about 8 full reads, and its next read came back short and parked (32 calls need 256 KiB
// queued). No connection yielded in 256 MiB then, rightly: a server that outruns its client
// starves nobody. Four calls are two full reads and their echoes, which every burst has, so
// the claims below hold on any machine; what the default buys is measured, not tested
// (README, "A greedy client").
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "echo_testing.hpp"
#include "rt/clock.hpp"
#include "rt/os/latch.hpp"
#include "rt/poll/poller.hpp"

namespace {

using ch04::EchoServer;
using ch04::Model;
using namespace ch04::testing;
using namespace std::chrono_literals;

constexpr std::size_t kBlock = 64 * 1024;

// A connection with a writer thread and a reader thread moving kBlock blocks until stop.
class GreedyClient {
 public:
  GreedyClient(std::uint16_t port, const std::atomic<bool>& stop,
               const std::function<void(std::uint64_t bytes_read)>& progress)
      : socket_(rt::poll::connect_loopback(port)),
        writer_([this, &stop] {
          std::string block = text(kBlock, 7);
          while (!stop.load(std::memory_order_acquire)) {  // acquire: pairs with the test's store
            auto r = rt::poll::send_some(socket_, std::as_bytes(std::span(block)));
            if (!r.ok()) return;
          }
          rt::poll::shutdown_send(socket_);  // the server echoes the rest, then closes
        }),
        reader_([this, progress] {
          std::vector<std::byte> buffer(kBlock);
          std::uint64_t total = 0;
          for (;;) {
            auto r = rt::poll::receive_some(socket_, buffer);
            if (!r.ok() || r.bytes == 0) return;
            total += static_cast<std::uint64_t>(r.bytes);
            progress(total);
          }
        }) {}
  ~GreedyClient() {
    writer_.join();
    reader_.join();
  }

 private:
  rt::poll::Socket socket_;
  std::thread writer_;
  std::thread reader_;
};

class Fairness : public ::testing::TestWithParam<Model> {
 protected:
  void SetUp() override { CH04_SKIP_UNAVAILABLE(GetParam()); }
};

TEST_P(Fairness, AProbeIsServedWhileTwoGreedyClientsMoveDataAtFullSpeed) {
  // Where the budget can run out: not in the threads model, and not for fibers on IOCP,
  // where every operation completes through the queue and the fiber parks on each.
  const bool iocp = std::string_view(rt::poll::Poller::backend_name()) == "IOCP";
  const bool budgeted = GetParam() == Model::events || (GetParam() == Model::fibers && !iocp);
  EchoServer server({.model = GetParam(), .budget = 4});
  std::atomic<bool> stop{false};
  // Counted down by each greedy reader once the server has made a connection yield (or,
  // for the threads model, after 4 MiB): the greedy clients are in full swing.
  constexpr int kGreedy = 2;
  constexpr std::uint64_t kEnough = 256u << 20;  // if no yield by then, the claim below fails
  rt::os::Latch swinging(kGreedy);
  std::vector<std::unique_ptr<GreedyClient>> greedy;
  for (int i = 0; i < kGreedy; ++i) {
    auto counted = std::make_shared<std::atomic<bool>>(false);
    greedy.push_back(
        std::make_unique<GreedyClient>(server.port(), stop, [&, counted](std::uint64_t total) {
          bool ready =
              budgeted ? (server.stats().yields() > 0 || total >= kEnough) : total >= (4u << 20);
          if (ready && !counted->exchange(true)) swinging.count_down();
        }));
  }
  swinging.wait();
  if (budgeted) {
    EXPECT_GT(server.stats().yields(), 0u) << "the greedy connections never yielded";
  }

  auto probe = rt::poll::connect_loopback(server.port());
  double slowest_ms = 0;
  for (unsigned i = 0; i < 50; ++i) {
    std::string message = text(64, i);
    rt::Stopwatch round_trip;
    rt::poll::send_all(probe, message);
    ASSERT_EQ(rt::poll::receive_exactly(probe, message.size()), message);
    slowest_ms = std::max(slowest_ms, round_trip.elapsed_ms());
  }
  EXPECT_LT(slowest_ms, 2000.0) << "a probe round trip waited behind the greedy clients";

  stop.store(true, std::memory_order_release);
  greedy.clear();  // joins: each greedy client half-closed and read its echo to the end
  probe.close();
  EXPECT_TRUE(server.stats().wait_until([](auto& c) { return c.open == 0; }, kPatience));
}

INSTANTIATE_TEST_SUITE_P(Models, Fairness,
                         ::testing::Values(Model::threads, Model::events, Model::fibers),
                         ModelName{});

}  // namespace
