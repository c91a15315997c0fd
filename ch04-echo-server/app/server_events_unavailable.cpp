// The events model on Windows: not built. IOCP completes operations (the kernel reads into
// the buffer you gave it, then says "done, n bytes"); it does not report readiness, so a
// readiness state machine has nothing to run on. A completion-driven state machine is a
// different program (README, "the three models").
#include "server.hpp"

namespace ch04 {

bool events_model_available() noexcept {
  return false;
}

std::unique_ptr<ModelServer> make_events_server(const ServerOptions&, ServerStats&) {
  throw EventsModelUnavailable(
      "the events model needs readiness notification (epoll, kqueue); Windows has IOCP, "
      "which completes operations instead: use --model threads or fibers");
}

}  // namespace ch04
