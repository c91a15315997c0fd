// `serve`: one echo server of the chosen model, until Ctrl-C.
#include <thread>

#include "demos.hpp"
#include "host.hpp"
#include "rt/clock.hpp"
#include "rt/terminal.hpp"
#include "server.hpp"

namespace ch04 {

void serve(const ServeOptions& options, rt::Output& out) {
  out.print("{}\n", host::raise_open_file_limit());
  auto server_options = options.server;
  server_options.log = &out;  // running out of memory or descriptors is said here, once
  EchoServer server =
      options.factory ? EchoServer(server_options, *options.factory) : EchoServer(server_options);
  out.print("listening on 127.0.0.1:{} (model {}){}\n", server.port(), server.model_name(),
            options.server.upper ? ", replies upper-cased" : "");
  rt::Stopwatch clock;
  // The server runs on threads of its own; this one only watches for the end.
  while (!rt::interrupted() && (options.seconds <= 0 || clock.elapsed_s() < options.seconds)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto open = server.stats().counts().open;
  out.print("stopping: no new connections; {} open get up to {} ms to finish\n", open,
            options.server.grace.count());
  server.stop();
  auto c = server.stats().counts();
  out.print(
      "stopped: {} connections served, {} bytes echoed, {} reset by the peer, {} idle "
      "timeouts, {} refused (no thread, stack or memory), {} accept failures, {} closed at "
      "the end of the grace period\n",
      c.accepted - c.refused, server.stats().bytes_echoed(), c.resets, c.idle_timeouts, c.refused,
      c.accept_failures, c.closed_by_stop);
}

}  // namespace ch04
