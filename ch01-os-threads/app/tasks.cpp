// `tasks`: three tasks sleep 200, 100 and 50 ms, each on its own OS thread, and report as
// they finish. The total is the longest sleep, not the sum: the threads run concurrently.
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "demos.hpp"
#include "rt/clock.hpp"
#include "rt/os/thread.hpp"

namespace ch01 {

void tasks(const TasksOptions& options, rt::Output& out) {
  struct Task {
    const char* name;
    int sleep_ms;
  };
  const Task all[] = {{"A", 200}, {"B", 100}, {"C", 50}};

  rt::Stopwatch clock;
  std::mutex mutex;
  std::string order;  // guarded by mutex: names in completion order
  std::vector<rt::os::Thread> threads;
  int sequential_ms = 0;
  for (const Task& task : all) {
    auto sleep = std::chrono::duration<double, std::milli>(task.sleep_ms * options.scale);
    sequential_ms += static_cast<int>(sleep.count());
    out.print("[{:6.1f} ms] task {} starts, will sleep {:.0f} ms\n", clock.elapsed_ms(), task.name,
              sleep.count());
    threads.emplace_back(rt::os::ThreadOptions{.name = std::string("task-") + task.name},
                         [&, task, sleep] {
                           std::this_thread::sleep_for(sleep);
                           std::lock_guard lock(mutex);
                           order += order.empty() ? "" : " ";
                           order += task.name;
                           out.print("[{:6.1f} ms] task {} finished on thread \"{}\"\n",
                                     clock.elapsed_ms(), task.name, rt::os::this_thread::name());
                         });
  }
  for (auto& thread : threads) thread.join();
  out.print("completion order: {}\n", order);
  out.print("total {:.0f} ms; one after another it would take {} ms\n", clock.elapsed_ms(),
            sequential_ms);
}

}  // namespace ch01
