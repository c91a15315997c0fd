// `bridge`: the source article's program, in C++ (demos.hpp).
#include <chrono>
#include <stop_token>
#include <thread>

#include "demos.hpp"
#include "rt/chan/channel.hpp"
#include "rt/net/timer.hpp"

namespace ch05 {

namespace {

enum class Twist { none, slow_consumer, cancel };

void bridge_run(Twist twist, double scale, rt::Output& out) {
  using namespace std::chrono;
  auto scaled = [scale](milliseconds ms) {
    return duration_cast<rt::Clock::duration>(duration<double, std::milli>(ms.count() * scale));
  };
  // Capacity 2: the producer may run two values ahead of the consumer, then it waits.
  rt::chan::Channel<int, rt::chan::Thread, rt::chan::Fiber> channel(2);
  const rt::chan::Deadline deadline = rt::Clock::now() + scaled(2000ms);
  std::stop_source stop;
  const auto processing = twist == Twist::slow_consumer ? scaled(800ms) : scaled(10ms);

  std::thread producer([&] {
    for (int value = 1; value <= 5; ++value) {
      if (twist == Twist::cancel && value == 4) {
        out.print("[Thread] Cancelling\n");
        stop.request_stop();
      }
      if (stop.stop_requested()) break;  // as Go's select on ctx.Done() before the send
      out.print("[Thread] Sending: {}\n", value);
      const rt::chan::Status status = channel.send(value, deadline, stop.get_token());
      if (status != rt::chan::Status::ok) {
        out.print("[Thread] Send failed: {}\n", rt::chan::to_string(status));
        break;
      }
      std::this_thread::sleep_for(scaled(100ms));
    }
    channel.close();
  });

  rt::net::Loop loop;
  loop.spawn({.name = "consumer"}, [&] {
    for (;;) {
      // As the article's select on ctx.Done(): give up once the deadline passed or the stop
      // came, even if a value is waiting (the channel itself would hand it over: a receive
      // that can complete at once completes).
      if (deadline.passed() || stop.stop_requested()) {
        out.print("[Coro] Receive failed: {}\n", stop.stop_requested() ? "cancelled" : "timed out");
        return;
      }
      auto received = channel.receive(deadline, stop.get_token());
      if (received.status == rt::chan::Status::closed) {
        out.print("[Coro] Channel closed: done\n");
        return;
      }
      if (!received) {
        out.print("[Coro] Receive failed: {}\n", rt::chan::to_string(received.status));
        return;
      }
      rt::net::sleep_for(processing);
      out.print("[Coro] Processed: {}\n", *received.value);
    }
  });
  loop.run();
  producer.join();
}

}  // namespace

void bridge(const BridgeOptions& options, rt::Output& out) {
  out.print(
      "A producer thread sends 1..5 to a consumer fiber (T2C, capacity 2, deadline {} ms)\n\n",
      2000 * options.time_scale);
  bridge_run(Twist::none, options.time_scale, out);
  out.print("\nThe same with a consumer that needs {} ms per value: the deadline passes\n\n",
            800 * options.time_scale);
  bridge_run(Twist::slow_consumer, options.time_scale, out);
  out.print("\nThe same, cancelled by the producer after three values\n\n");
  bridge_run(Twist::cancel, options.time_scale, out);
}

}  // namespace ch05
