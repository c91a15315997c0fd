// Lab ch06-monitor: the monitor thread's loop (Go's sysmon). This stub compiles and links, so
// the rest of chapter 6 builds; a runtime with preemption on starts its monitor at once, and
// the stub stops the process there with a pointer to the lab's README (a monitor that never
// asks would leave the graded tests hanging until the grader's limit). Replace the body
// (README.md, "Steps").
#include "rt/lab.hpp"
#include "runtime_impl.hpp"

namespace rt::sched::detail {

void RuntimeImpl::monitor() {
  lab_not_implemented("ch06-scheduler/labs/ch06-monitor/README.md",
                      "rt::sched::detail::RuntimeImpl::monitor");
}

}  // namespace rt::sched::detail
