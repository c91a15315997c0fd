// A running echo server of any model: listening when the constructor returns, serving on
// threads of its own until stop(). The `serve` command, the bench and the tests all start
// servers this way.
//
//   ch04::EchoServer server({.model = ch04::Model::fibers});
//   connect to 127.0.0.1:server.port() ...
//   server.stop();  // graceful: no new connections, open ones get options.grace to finish
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "echo.hpp"
#include "rt/os/thread.hpp"

namespace ch04 {

// Every model reads and writes a connection in chunks of this size, so the three compare.
inline constexpr std::size_t kEchoBufferSize = 16 * 1024;

// What each model implements (server_threads.cpp, server_events.cpp, server_fibers.cpp).
class ModelServer {
 public:
  virtual ~ModelServer() = default;
  // On the server thread: binds 127.0.0.1:options.port, calls `listening(port)` once bound
  // (or lets the bind error escape), then serves until a stop requested by request_stop()
  // has finished: no more accepts, open connections got the grace period, the rest were
  // closed, every thread the model started has ended.
  virtual void run(const std::function<void(std::uint16_t port)>& listening) = 0;
  // Any thread, once, after `listening` was called: begins the graceful stop.
  virtual void request_stop() = 0;
};

std::unique_ptr<ModelServer> make_threads_server(const ServerOptions& options, ServerStats& stats);
// On Windows this throws EventsModelUnavailable (server_events_unavailable.cpp).
std::unique_ptr<ModelServer> make_events_server(const ServerOptions& options, ServerStats& stats);
std::unique_ptr<ModelServer> make_fibers_server(const ServerOptions& options, ServerStats& stats);

// Thrown by make_events_server where the events model does not exist (Windows: IOCP
// completes operations instead of reporting readiness; README, "the three models").
class EventsModelUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// Whether the events model exists on this OS.
bool events_model_available() noexcept;

// A model as a name and a way to make it: one of this chapter's (chapter_model()) or one from
// elsewhere (chapter 6's M:N fibers).
struct ModelFactory {
  std::string name;  // for the server thread's name, the messages and the bench's rows
  std::function<std::unique_ptr<ModelServer>(const ServerOptions&, ServerStats&)> make;
  // The bench pins a model that runs on one CPU to the server's CPU (ServerOptions::cpu); a
  // model that uses several (false) is left to the OS.
  bool one_cpu = true;
};
ModelFactory chapter_model(Model model);

class EchoServer {
 public:
  // Starts the model on its own thread (named "echo-<model>", pinned to options.cpu if
  // set) and returns once it listens. Throws what the bind threw (rt::OsError "bind
  // 127.0.0.1:8080: Address already in use ..."), or EventsModelUnavailable.
  explicit EchoServer(const ServerOptions& options);
  // The same with `factory`'s model; options.model is ignored.
  EchoServer(const ServerOptions& options, const ModelFactory& factory);
  // Stops as stop() does, if not stopped yet.
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // The model's name: to_string(options.model), or the factory's.
  const std::string& model_name() const noexcept { return name_; }
  ServerStats& stats() noexcept { return stats_; }

  // The graceful stop: accepts no more connections, gives the open ones up to
  // options.grace to finish (the client half-closes and reads its echo), closes the rest,
  // and returns when every server thread has ended. Idempotent; not from a server thread.
  void stop();

 private:
  ServerOptions options_;
  std::string name_;
  ServerStats stats_;
  std::unique_ptr<ModelServer> model_;
  std::uint16_t port_ = 0;
  std::exception_ptr error_;  // what run() threw, rethrown by the constructor if early
  bool stopped_ = false;
  std::optional<rt::os::Thread> thread_;  // last: starts after everything above is ready
};

}  // namespace ch04
