// Lab ch05-thread-park: how an OS thread parks on its waiter word, and how another party
// wakes it. This stub compiles and links, so the rest of chapter 5 builds (fibers park through
// endpoint_fiber.cpp, untouched); any channel operation by a thread stops the process with a
// pointer to the lab's README. Replace the three bodies (README.md, "Steps").
#include "rt/chan/endpoint.hpp"
#include "rt/lab.hpp"

namespace rt::chan {

bool Thread::caller_is_this_kind() noexcept {
  lab_not_implemented("ch05-bridge-channel/labs/ch05-thread-park/README.md",
                      "rt::chan::Thread::caller_is_this_kind");
}

void Thread::park(WaitWord& /*word*/, Parker&, Deadline /*deadline*/) {
  lab_not_implemented("ch05-bridge-channel/labs/ch05-thread-park/README.md",
                      "rt::chan::Thread::park");
}

bool Thread::unpark_from_other_thread(WaitWord& /*word*/, Parker&) noexcept {
  lab_not_implemented("ch05-bridge-channel/labs/ch05-thread-park/README.md",
                      "rt::chan::Thread::unpark_from_other_thread");
}

}  // namespace rt::chan
