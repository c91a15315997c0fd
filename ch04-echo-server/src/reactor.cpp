// Finding the calling fiber's Reactor (reactor.hpp), and the state every socket owns.
#include "reactor.hpp"

#include <fmt/format.h>

#include <atomic>
#include <utility>

#include "loop_impl.hpp"

namespace rt::net {

namespace {
std::atomic<ReactorLookup> reactor_lookup{nullptr};
}  // namespace

SocketState::SocketState(Reactor& owner, rt::poll::Socket opened)
    : reactor(owner), socket(std::move(opened)), io(owner.poller(), socket) {}

void set_reactor_lookup(ReactorLookup lookup) noexcept {
  // release/acquire: whatever the installer set up before is visible to a caller that finds it.
  reactor_lookup.store(lookup, std::memory_order_release);
}

Reactor& current_reactor(const char* call) {
  if (Loop* loop = Loop::current_or_null(); loop != nullptr && rt::fiber::this_fiber::on_fiber()) {
    return loop->impl();
  }
  if (ReactorLookup lookup = reactor_lookup.load(std::memory_order_acquire)) {
    if (Reactor* reactor = lookup()) return *reactor;
  }
  fail_misuse(fmt::format(
      "{} called outside a fiber of a Loop or a Runtime (sockets and sleeps need one)", call));
}

}  // namespace rt::net
