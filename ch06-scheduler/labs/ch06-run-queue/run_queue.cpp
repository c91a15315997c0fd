// Lab ch06-run-queue: the ring of a worker's run queue (push, take, steal_half). This stub
// compiles and links, so the rest of chapter 6 builds (runnext is inline in the header,
// untouched); the first push, take or steal stops the process with a pointer to the lab's
// README, so a runtime never waits forever on a queue that gives nothing back. Replace the
// three bodies (README.md, "Steps"); run_queue.hpp argues what each atomic must guarantee.
#include "rt/sched/run_queue.hpp"
#include "rt/lab.hpp"

namespace rt::sched {

bool LocalQueue::push(Fiber* /*fiber*/) noexcept {
  lab_not_implemented("ch06-scheduler/labs/ch06-run-queue/README.md",
                      "rt::sched::LocalQueue::push");
}

Fiber* LocalQueue::take() noexcept {
  lab_not_implemented("ch06-scheduler/labs/ch06-run-queue/README.md",
                      "rt::sched::LocalQueue::take");
}

std::uint32_t LocalQueue::steal_half(std::span<Fiber*> /*batch*/) noexcept {
  lab_not_implemented("ch06-scheduler/labs/ch06-run-queue/README.md",
                      "rt::sched::LocalQueue::steal_half");
}

}  // namespace rt::sched
