// `select`: one fiber waits on two channels of two modes at once (demos.hpp): data from a
// producer fiber on its own loop (C2C) and commands from a control thread (T2C), with a
// deadline on each wait. What fired is printed as it happens, then counted.
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "demos.hpp"
#include "rt/chan/select.hpp"
#include "rt/net/timer.hpp"

namespace ch05 {

void select_demo(const SelectDemoOptions& options, rt::Output& out) {
  using namespace std::chrono;
  using namespace rt::chan;
  auto scaled = [&](milliseconds ms) {
    return duration_cast<rt::Clock::duration>(
        duration<double, std::milli>(ms.count() * options.time_scale));
  };
  Channel<int, Fiber, Fiber> data(4);               // C2C: from a fiber of the same loop
  Channel<std::string, Thread, Fiber> commands(1);  // T2C: from the control thread
  int data_count = 0, timeouts = 0;

  std::thread control([&] {
    std::this_thread::sleep_for(scaled(450ms));  // a demo's pacing, not an ordering
    out.print("[Thread] Sending command: pause\n");
    commands.send("pause");
    std::this_thread::sleep_for(scaled(300ms));
    out.print("[Thread] Sending command: stop\n");
    commands.send("stop");
  });
  rt::net::Loop loop;
  loop.spawn({.name = "producer"}, [&] {
    for (int value = 1; value <= 5; ++value) {
      data.send(value);
      rt::net::sleep_for(scaled(100ms));
    }
    data.close();
  });
  loop.spawn({.name = "consumer"}, [&] {
    bool data_open = true;
    for (;;) {
      std::optional<int> value;
      std::optional<std::string> command;
      SelectResult fired;
      const Deadline deadline = rt::Clock::now() + scaled(200ms);
      if (data_open) {
        fired =
            select({.deadline = deadline}, on_receive(data, value), on_receive(commands, command));
      } else {
        fired = select({.deadline = deadline}, on_receive(commands, command));
        if (fired.index == 0) fired.index = 1;  // the same case as above: commands
      }
      if (fired.status == Status::timed_out) {
        ++timeouts;
        out.print("[Coro] Nothing for {} ms\n", 200 * options.time_scale);
      } else if (fired.index == 0 && fired.status == Status::closed) {
        data_open = false;
        out.print("[Coro] Data channel closed\n");
      } else if (fired.index == 0) {
        ++data_count;
        out.print("[Coro] Data: {}\n", *value);
      } else if (fired.status == Status::ok) {
        out.print("[Coro] Command: {}\n", *command);
        if (*command == "stop") return;
      }
    }
  });
  loop.run();
  control.join();
  out.print("\n{} data values, 2 commands, {} waits that timed out\n", data_count, timeouts);
}

}  // namespace ch05
