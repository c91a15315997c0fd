#include "server.hpp"

#include <fmt/format.h>

#include "rt/os/latch.hpp"

namespace ch04 {

namespace {
std::unique_ptr<ModelServer> make_model(Model model, const ServerOptions& options,
                                        ServerStats& stats) {
  switch (model) {
    case Model::threads:
      return make_threads_server(options, stats);
    case Model::events:
      return make_events_server(options, stats);
    case Model::fibers:
      return make_fibers_server(options, stats);
  }
  throw std::invalid_argument("unknown model");
}
}  // namespace

ModelFactory chapter_model(Model model) {
  return {.name = to_string(model),
          .make = [model](const ServerOptions& options, ServerStats& stats) {
            return make_model(model, options, stats);
          }};
}

EchoServer::EchoServer(const ServerOptions& options)
    : EchoServer(options, chapter_model(options.model)) {}

EchoServer::EchoServer(const ServerOptions& options, const ModelFactory& factory)
    : options_(options), name_(factory.name), model_(factory.make(options, stats_)) {
  stats_.set_log(options_.log);
  // Counted down once: when the model listens, or when run() failed before that.
  rt::os::Latch ready(1);
  bool listening = false;  // written before count_down, read after wait (the latch's mutex)
  thread_.emplace(
      rt::os::ThreadOptions{
          .stack_size = 256 * 1024, .name = fmt::format("echo-{}", name_), .cpu = options_.cpu},
      [this, &ready, &listening] {
        try {
          model_->run([&](std::uint16_t port) {
            port_ = port;
            listening = true;
            ready.count_down();
          });
        } catch (...) {
          error_ = std::current_exception();
          if (!listening) ready.count_down();
          // A failure after start-up has nobody to report to: the thread ends, stop()
          // rethrows it.
        }
      });
  ready.wait();
  if (!listening) {
    thread_->join();
    stopped_ = true;
    std::rethrow_exception(error_);
  }
}

EchoServer::~EchoServer() {
  try {
    stop();
  } catch (...) {
    // Destructors do not throw; stop() called directly reports the error.
  }
}

void EchoServer::stop() {
  if (stopped_) return;
  // Stopped only once the request went out: a request that threw (no memory for the task or
  // fiber that carries it) leaves the server running, and the destructor asks again instead of
  // joining a thread that never ends.
  model_->request_stop();
  stopped_ = true;
  thread_->join();
  if (error_) std::rethrow_exception(error_);
}

}  // namespace ch04
