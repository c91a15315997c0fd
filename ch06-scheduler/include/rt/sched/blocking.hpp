// rt::sched::blocking(fn): a call that blocks its OS thread (a read on a pipe, a file system
// call, a library without a non-blocking form), made from an M:N fiber without blocking the
// fiber's worker. fn runs on one of the runtime's blocking threads; the calling fiber parks,
// and its worker runs other fibers meanwhile. Built from chapter 5's channel, twice:
//
//   M:N fiber ──C2T: requests (Unbounded: a call never waits to be queued)──▶ blocking thread
//       ▲                                                                        │ runs fn
//       └────────T2C: this call's reply (capacity 1)◀────────────────────────────┘
//
// The request carries a pointer to the call's record on the fiber's stack (fn, and room for
// its result or exception); the fiber is parked on the reply until the thread is done with
// the record, so the stack outlives every use of it. The reply channel is shared by the two
// (a shared_ptr): the thread is still inside send() when the fiber may already run again.
//
//   std::string text = rt::sched::blocking([&] { return read_whole_file(path); });
//
// The pool (blocking.cpp): no thread until the first call; a call that finds no idle thread
// starts one, up to Options::blocking_threads, beyond which calls wait in the queue for a
// thread to come free (Go's blocking Ms are capped at 10,000 threads, Tokio's at 512). Its
// threads live until the Runtime stops. A call costs two channel operations and two
// switches, plus an OS wakeup of an idle thread and one of the fiber's worker if it slept:
// it is for calls that block, not for short work.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace rt::sched {

namespace detail {
// Runs `call` on a blocking thread of the caller's runtime and parks the calling M:N fiber
// until it returned. `call` must not throw (blocking() catches for it). Stops the process with
// a message when called off an M:N fiber; throws rt::OsError if a thread was needed and the
// OS refused one, or std::bad_alloc (nothing was queued then, and the pool is as before).
void run_blocking(void (*call)(void* context) noexcept, void* context);
}  // namespace detail

// ON AN M:N FIBER: fn() on a blocking thread; returns what it returned, or rethrows what it
// threw. The calling fiber stays on its runtime (it may resume on another worker).
// - fn runs on another OS thread: errno and other thread-locals it sets stay there (return
//   them from fn), and it must not call this_fiber functions.
// - Nothing cancels a running fn: Runtime::cancel_all does not reach it, and ~Runtime waits
//   for it. Give fn its own way to stop (a timeout on the call it makes, a pipe to close).
template <typename F>
std::invoke_result_t<F> blocking(F&& fn) {
  using R = std::invoke_result_t<F>;
  static_assert(!std::is_reference_v<R>, "blocking(): return a value, not a reference");
  static_assert(std::is_void_v<R> || std::is_move_constructible_v<R>,
                "blocking(): the result is moved from the pool's thread to the fiber");
  struct Record {
    F&& fn;
    std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> result{};
    std::exception_ptr error;
  } record{std::forward<F>(fn), {}, nullptr};
  detail::run_blocking(
      [](void* context) noexcept {
        auto& r = *static_cast<Record*>(context);
        try {
          if constexpr (std::is_void_v<R>) {
            std::invoke(std::forward<F>(r.fn));
          } else {
            r.result.emplace(std::invoke(std::forward<F>(r.fn)));
          }
        } catch (...) {
          r.error = std::current_exception();
        }
      },
      &record);
  if (record.error) std::rethrow_exception(record.error);
  if constexpr (!std::is_void_v<R>) return std::move(*record.result);
}

// Blocking regions (Go's entersyscall / exitsyscall): the other way to make a blocking call,
// on the fiber's own thread, with no thread switch when the call is short. ON AN M:N FIBER:
//
//   enter_blocking();                      // my worker may go to another thread from here
//   ssize_t n = ::read(fd, buffer, size);  // blocks this thread, not the worker's queue
//   int error = errno;                     // before exit_blocking: see below
//   exit_blocking();                       // back: my worker, or the global queue
//
// Between the two the fiber's worker is up for grabs: if the region lasts longer than
// Options::handoff_after (20 us), the monitor hands the worker, with every fiber queued on
// it, to another OS thread (a spare, started if none is left), so that they run meanwhile.
// exit_blocking takes the worker back if nobody took it (one CAS); otherwise the fiber waits
// on the global queue for any worker, and may resume on another thread: read errno and other
// thread-locals before exit_blocking. Inside the region the fiber is, to the runtime, a plain
// thread: OS calls only, no this_fiber call, no channel, no rt::net (this_fiber calls stop
// the process saying so). Regions do not nest.
// - blocking(fn) costs two thread switches every call and keeps the worker's thread free;
//   a region costs two atomic operations when the call is short, and a spare thread (Go's
//   price too) for each fiber blocked at once beyond the first few microseconds.
void enter_blocking();
void exit_blocking();

// fn() inside a blocking region; its result, or what it threw, after exit_blocking. fn runs
// on the calling thread; what it leaves in errno is read inside fn, not after.
template <typename F>
std::invoke_result_t<F> in_blocking_region(F&& fn) {
  struct Exit {
    ~Exit() { exit_blocking(); }
  };
  enter_blocking();
  Exit exit;
  return std::invoke(std::forward<F>(fn));
}

}  // namespace rt::sched
