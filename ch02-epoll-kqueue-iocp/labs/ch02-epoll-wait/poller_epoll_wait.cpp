// Lab ch02-epoll-wait: Poller::wait on epoll. This stub compiles and links, so the rest of
// chapter 2 builds (and the raw-syscall demos run); a wait stops the process with a pointer
// to the lab's README. Replace the body (README.md, "Steps").
#include <chrono>
#include <optional>
#include <span>

#include "poller_epoll_state.hpp"
#include "rt/lab.hpp"

namespace rt::poll {

std::size_t Poller::wait(std::span<Event> /*events*/,
                         std::optional<std::chrono::milliseconds> /*timeout*/) {
  lab_not_implemented("ch02-epoll-kqueue-iocp/labs/ch02-epoll-wait/README.md",
                      "rt::poll::Poller::wait");
}

}  // namespace rt::poll
