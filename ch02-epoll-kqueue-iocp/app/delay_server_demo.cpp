// `delay-server`: the delay server on its own, until Ctrl-C (or --seconds).
#include <thread>

#include "delay_server.hpp"
#include "demos.hpp"
#include "rt/clock.hpp"
#include "rt/terminal.hpp"

namespace ch02 {

void delay_server(const DelayServerOptions& options, rt::Output& out) {
  DelayServer server(options.port, &out);
  out.print("delay-server listening on 127.0.0.1:{}, one thread per connection\n", server.port());
  out.print("  try: {} requests --port {}\n", program().name, server.port());
  out.print("  or:  printf 'GET /delay/500 HTTP/1.0\\r\\n\\r\\n' | nc 127.0.0.1 {}\n",
            server.port());
  rt::Stopwatch clock;
  // Polling the Ctrl-C flag ten times a second is all this thread does; the server's own
  // threads block in accept() and recv().
  while (!rt::interrupted() && (options.seconds <= 0 || clock.elapsed_s() < options.seconds)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  out.print("delay-server stopping\n");
}

}  // namespace ch02
