// Lab ch04-park: a fiber parked on one socket operation, and woken from the event queue.
// This stub compiles and links, so the rest of chapter 4 builds; the first socket call or
// sleep on a Loop stops the process with a pointer to the lab's README. Write the six
// members of Loop::Impl below (README.md, "Steps"; the protocol is in loop_impl.hpp).
#include <string_view>

#include "loop_impl.hpp"
#include "rt/lab.hpp"

namespace rt::net {

namespace {
constexpr const char* kParkLabReadme = "ch04-echo-server/labs/ch04-park/README.md";
}  // namespace

void Loop::Impl::link(Waiter& /*waiter*/) noexcept {
  lab_not_implemented(kParkLabReadme, "rt::net::Loop::Impl::link");
}

void Loop::Impl::unlink(Waiter& /*waiter*/) noexcept {
  lab_not_implemented(kParkLabReadme, "rt::net::Loop::Impl::unlink");
}

void Loop::Impl::wake_up(Waiter& /*waiter*/) {
  lab_not_implemented(kParkLabReadme, "rt::net::Loop::Impl::wake_up");
}

void Loop::Impl::request_cancel(Waiter& /*waiter*/, Waiter::Reason /*reason*/) {
  lab_not_implemented(kParkLabReadme, "rt::net::Loop::Impl::request_cancel");
}

void Loop::Impl::spend_budget() {
  lab_not_implemented(kParkLabReadme, "rt::net::Loop::Impl::spend_budget");
}

void Loop::Impl::await(rt::poll::IoSocket& /*io*/, rt::poll::Operation& /*operation*/,
                       Deadline /*deadline*/, std::string_view /*call*/,
                       Publication* /*published*/) {
  lab_not_implemented(kParkLabReadme, "rt::net::Loop::Impl::await");
}

}  // namespace rt::net
