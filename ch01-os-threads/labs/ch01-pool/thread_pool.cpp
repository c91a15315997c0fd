// Lab ch01-pool: a fixed-size thread pool (include/rt/os/thread_pool.hpp has the contract
// and the members). This stub compiles and links, so the rest of chapter 1 builds; making a
// pool stops the process with a pointer to the lab's README. Write the four functions
// (README.md, "Steps").
#include <functional>

#include "rt/lab.hpp"
#include "rt/os/thread_pool.hpp"

namespace rt::os {

namespace {
constexpr const char* kPoolLabReadme = "ch01-os-threads/labs/ch01-pool/README.md";
}  // namespace

ThreadPool::ThreadPool(std::size_t /*workers*/, const ThreadOptions& /*options*/) {
  lab_not_implemented(kPoolLabReadme, "rt::os::ThreadPool::ThreadPool");
}

ThreadPool::~ThreadPool() {
  // Reached only if a constructor of yours returned: then write this too.
  if (!workers_.empty()) lab_not_implemented(kPoolLabReadme, "rt::os::ThreadPool::~ThreadPool");
}

void ThreadPool::submit(std::function<void()> /*task*/) {
  lab_not_implemented(kPoolLabReadme, "rt::os::ThreadPool::submit");
}

void ThreadPool::work() {
  static_cast<void>(stopping_);  // yours to use (named so that clang does not call it unused)
  lab_not_implemented(kPoolLabReadme, "rt::os::ThreadPool::work");
}

}  // namespace rt::os
