// Lab ch01-thread: start and join a POSIX thread. This stub compiles and links, so the rest
// of chapter 1 builds; calling either function stops the process with a pointer to the
// lab's README. Replace both bodies (README.md, "Steps").
#include <functional>

#include "rt/lab.hpp"
#include "rt/os/thread.hpp"
#include "thread_posix_detail.hpp"

namespace rt::os {

Thread::Thread(const ThreadOptions& /*options*/, std::function<void()> /*body*/) {
  lab_not_implemented("ch01-os-threads/labs/ch01-thread/README.md", "rt::os::Thread::Thread");
}

void Thread::join() {
  lab_not_implemented("ch01-os-threads/labs/ch01-thread/README.md", "rt::os::Thread::join");
}

}  // namespace rt::os
