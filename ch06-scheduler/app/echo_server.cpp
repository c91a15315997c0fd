// The echo server on M:N fibers: chapter 4's fibers model (FiberConnections: the accept loop,
// a fiber per connection, the graceful stop) run by this chapter's Runtime instead of a Loop.
// Nothing of the connection code is new; what changes is who runs it: N workers share the
// netpoller, and a connection's fiber may park on one worker and resume on another.
//
// The server thread (chapter 4's EchoServer) starts the runtime and waits in acceptor.join();
// request_stop() comes from another thread and spawns a fiber that stops the acceptor.
#include "echo_server.hpp"

#include <fmt/format.h>

#include <exception>
#include <mutex>

#include "fiber_connections.hpp"
#include "rt/os/thread.hpp"
#include "rt/sched/runtime.hpp"

namespace ch06 {

namespace {

namespace this_fiber = rt::sched::this_fiber;

class MnFibersServer final : public ch04::ModelServer {
 public:
  MnFibersServer(const ch04::ServerOptions& options, ch04::ServerStats& stats, int workers,
                 const rt::sched::Knobs& knobs)
      : options_(options), stats_(stats), workers_(workers), knobs_(knobs) {}

  void run(const std::function<void(std::uint16_t)>& listening) override {
    // Declared before the runtime, so destroyed after it: fibers use it until they end.
    ch04::FiberConnections connections(
        options_, stats_,
        {.spawn =
             [](rt::fiber::FiberOptions options, std::function<void()> body) {
               this_fiber::spawn(std::move(options), std::move(body));  // detached
             },
         .cancel_all = [] { this_fiber::runtime().cancel_all(); },
         .deferrals = {}});  // the netpoller's budget is not counted per runtime
    rt::sched::Runtime runtime({.workers = workers_,
                                .cpu = options_.cpu,
                                .name = "echo",
                                .knobs = knobs_,
                                .budget = options_.budget});
    auto acceptor = runtime.spawn({.name = "acceptor"}, [&] {
      connections.listen_and_serve(
          [&] {
            std::lock_guard lock(mutex_);
            runtime_ = &runtime;
            connections_ = &connections;
          },
          listening);
    });
    std::exception_ptr error;
    try {
      acceptor.join();  // rethrows what escaped the acceptor (a failed bind)
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      runtime_ = nullptr;  // request_stop() must not spawn on a Runtime about to be destroyed
    }
    if (error) std::rethrow_exception(error);
    // ~Runtime waits for every connection's fiber (the grace period cancelled the stragglers).
  }

  void request_stop() override {
    std::lock_guard lock(mutex_);
    if (runtime_ == nullptr) return;  // run() already ended
    runtime_->spawn({.name = "stop"}, [connections = connections_] { connections->stop(); });
  }

 private:
  const ch04::ServerOptions options_;
  ch04::ServerStats& stats_;
  const int workers_;
  const rt::sched::Knobs knobs_;
  std::mutex mutex_;
  // Guarded by mutex_: the runtime while the acceptor runs, and the connections it serves.
  rt::sched::Runtime* runtime_ = nullptr;
  ch04::FiberConnections* connections_ = nullptr;
};

}  // namespace

ch04::ModelFactory mn_fibers_model(int workers, const rt::sched::Knobs& knobs) {
  const int n = workers > 0 ? workers : rt::os::usable_cpu_count();
  return {.name = fmt::format("M:N fibers on {} worker{}", n, n == 1 ? "" : "s"),
          .make =
              [n, knobs](const ch04::ServerOptions& options, ch04::ServerStats& stats) {
                return std::unique_ptr<ch04::ModelServer>(
                    std::make_unique<MnFibersServer>(options, stats, n, knobs));
              },
          .one_cpu = n == 1};
}

}  // namespace ch06
