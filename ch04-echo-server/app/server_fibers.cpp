// The fibers model: one thread, one fiber per connection on rt::net::Loop. The connections
// are FiberConnections (fiber_connections.hpp), which chapter 6's M:N server shares; this
// file only runs them on a Loop. Compare the connection loop there with server_events.cpp's
// advance().
//
// Everything here runs on the server thread, except request_stop(), which post()s.
#include <mutex>

#include "fiber_connections.hpp"
#include "server.hpp"

namespace ch04 {

namespace {

static_assert(kBudget == rt::net::kCooperativeBudget, "the models share one default budget");

class FibersServer final : public ModelServer {
 public:
  FibersServer(const ServerOptions& options, ServerStats& stats)
      : options_(options), stats_(stats) {}

  void run(const std::function<void(std::uint16_t)>& listening) override {
    rt::net::Loop loop({.budget = options_.budget});
    FiberConnections connections(
        options_, stats_,
        {.spawn =
             [](rt::fiber::FiberOptions options, std::function<void()> body) {
               rt::net::Loop::current().spawn(std::move(options), std::move(body));
             },
         .cancel_all = [&loop] { loop.cancel_all(); },
         .deferrals = [&loop] { return std::uint64_t{loop.stats().deferrals}; }});
    auto acceptor = loop.spawn({.name = "acceptor"}, [&] {
      connections.listen_and_serve(
          [&] {
            std::lock_guard lock(loop_mutex_);
            loop_ = &loop;
            connections_ = &connections;
          },
          listening);
    });
    loop.run();
    {
      std::lock_guard lock(loop_mutex_);
      loop_ = nullptr;  // request_stop() must not post to a Loop about to be destroyed
    }
    acceptor.join();  // rethrows what escaped the acceptor (a failed bind)
  }

  void request_stop() override {
    std::lock_guard lock(loop_mutex_);
    if (loop_ == nullptr) return;  // run() already ended (it failed)
    loop_->post([connections = connections_] { connections->stop(); });
  }

 private:
  const ServerOptions options_;
  ServerStats& stats_;
  std::mutex loop_mutex_;
  // Guarded by loop_mutex_: the Loop while run() runs it, and the connections it serves.
  rt::net::Loop* loop_ = nullptr;
  FiberConnections* connections_ = nullptr;
};

}  // namespace

std::unique_ptr<ModelServer> make_fibers_server(const ServerOptions& options, ServerStats& stats) {
  return std::make_unique<FibersServer>(options, stats);
}

}  // namespace ch04
