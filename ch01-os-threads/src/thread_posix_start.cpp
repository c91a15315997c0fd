// Starting and joining a POSIX thread (Linux, macOS): the attributes (stack size, CPU), the
// entry trampoline that hands the body to the new thread, and pthread_join.
#include <pthread.h>

#include <algorithm>
#include <cassert>
#include <memory>

#include "rt/error.hpp"
#include "rt/memory.hpp"
#include "rt/os/thread.hpp"
#include "thread_posix_detail.hpp"

namespace rt::os {

namespace {

// Everything the new thread needs, handed over through pthread_create's void* argument;
// owned by the new thread from then on.
struct Start {
  std::string name;
  std::function<void()> body;
};

extern "C" void* thread_entry(void* arg) {
  std::unique_ptr<Start> start(static_cast<Start*>(arg));
  if (!start->name.empty()) detail::set_name_of_calling_thread(start->name);
  start->body();
  return nullptr;
}

// RAII for pthread_attr_t, so every error path destroys it.
class Attributes {
 public:
  Attributes() { check_rc(pthread_attr_init(&attr_), "pthread_attr_init"); }
  ~Attributes() { pthread_attr_destroy(&attr_); }
  Attributes(const Attributes&) = delete;
  Attributes& operator=(const Attributes&) = delete;
  pthread_attr_t& get() { return attr_; }

 private:
  pthread_attr_t attr_;
};

std::size_t round_stack_size(std::size_t requested) {
  std::size_t page = page_size();
  std::size_t size = std::max<std::size_t>(requested, PTHREAD_STACK_MIN);
  return (size + page - 1) / page * page;
}

}  // namespace

Thread::Thread(const ThreadOptions& options, std::function<void()> body) {
  Attributes attr;
  if (options.stack_size != 0) {
    check_rc(pthread_attr_setstacksize(&attr.get(), round_stack_size(options.stack_size)),
             "pthread_attr_setstacksize");
  }
  if (options.cpu) detail::set_affinity(attr.get(), *options.cpu);

  auto start = std::make_unique<Start>(Start{options.name, std::move(body)});
  auto handle = std::make_unique<Handle>();
  check_rc(pthread_create(&handle->thread, &attr.get(), thread_entry, start.get()),
           "pthread_create");
  start.release();  // the new thread owns it now
  handle_ = std::move(handle);
}

void Thread::join() {
  assert(joinable());
  assert(!pthread_equal(handle_->thread, pthread_self()) && "a thread cannot join itself");
  check_rc(pthread_join(handle_->thread, nullptr), "pthread_join");
  handle_.reset();
}

}  // namespace rt::os
