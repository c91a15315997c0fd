// rt::poll::Poller: the operating system's event queue behind one interface.
//
// One Poller owns one kernel queue: an epoll instance (Linux, poller_epoll.cpp), a kqueue
// (macOS, poller_kqueue.cpp) or an I/O completion port (Windows, poller_iocp.cpp). The
// backend is chosen once, in CMake; everything above this header is the same code on
// every OS.
//
// Two models of "tell me about I/O" meet here (README: "readiness vs completion"):
// - readiness (epoll, kqueue): the kernel says "this socket can be read/written now without
//   blocking"; the program then makes the system call itself.
// - completion (IOCP): the program starts an operation with its buffer; the kernel performs
//   it and says "this operation finished, n bytes".
// The raw Poller keeps both honest: readiness registration (add/modify/remove) exists only
// on readiness backends (supports_readiness()); completions arrive only on IOCP. The one
// file that lets callers treat the two alike is io_operation.hpp, and it says what that
// costs.
//
// The contract every backend keeps:
// - Tokens. Each registration carries a 64-bit token chosen by the caller, returned
//   unchanged in every Event for that handle (all 64 bits, on every backend). kWakeToken is
//   reserved for the Waker; registering it throws std::invalid_argument.
// - Triggering. Trigger::level (the default): while the condition holds, every wait()
//   reports it again. Trigger::edge: reported once per change (new data arriving, buffer
//   space freed); the caller must then read or write until the call would block, or it
//   may never hear about that handle again.
// - Spurious readiness is allowed: an event says "was ready when the kernel looked"; the
//   following system call may still fail with EAGAIN/EWOULDBLOCK, and callers must retry
//   later rather than treat it as an error. A wait() never returns events for a handle
//   removed (remove()) before that wait() began. One handle may appear in two Events of one
//   wait (kqueue reports reading and writing as separate filters); merge by token if needed.
// - Peer close: a registered socket whose peer closed is reported with hangup (epoll
//   EPOLLRDHUP/EPOLLHUP, kqueue EV_EOF) and readable (a read returns 0); a reset or other
//   socket error sets error as well.
// - Timeouts: wait(events, std::nullopt) blocks until an event or a wake; wait(events, 0ms)
//   polls and never blocks; wait(events, t) returns no later than about t (OS timer
//   granularity: ~1 ms on Linux and macOS, up to ~16 ms on Windows). A wait that returns
//   zero events has waited the whole timeout: signals (EINTR) are retried with the time
//   left. A blocking or bounded wait never returns zero events early.
// - The Waker: wake() may be called from any thread, at any time, any number of times. If
//   a wait() is blocked, it returns; if none is, the next wait() returns at once. Either way
//   that wait reports one Event with token kWakeToken. Wakes coalesce: several wake()s
//   before a wait are reported once; a reported wake is consumed, so the wait after it
//   blocks again. Whatever the waking thread wrote before wake() is visible to the thread
//   that saw the kWakeToken event (the kernel queue orders them; on IOCP an acq_rel flag).
// - Thread safety: wait() on one thread at a time (concurrent waits on one Poller are not
//   supported by this interface, though the kernels allow them). add/modify/remove may be
//   called from any thread, also while another thread waits (the kernel calls are
//   thread-safe); a change made during a wait may or may not affect that wait.
// - Misuse: removing a handle that was not added, or using an invalid handle, throws
//   rt::OsError naming the kernel call (ENOENT, EBADF). Adding a handle twice, or modifying
//   one that was not added, is a caller error the kernels treat differently: epoll refuses
//   both (EEXIST, ENOENT), kqueue's EV_ADD adds or updates silently; rely on neither.
//   Closing a handle without remove() first is allowed on epoll and kqueue (the kernel
//   drops the registration once the last descriptor for it closes) but leaves the token
//   unusable (poller_test.cpp, ClosingARegisteredHandleEndsItsRegistration).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "rt/poll/socket.hpp"

namespace rt::poll {

enum class Interest : std::uint8_t {
  read = 1,
  write = 2,
  read_write = 3,
};

enum class Trigger : std::uint8_t {
  level,  // reported on every wait while the condition holds
  edge,   // reported once per change (EPOLLET, EV_CLEAR)
};

// Reserved token of the Waker's events.
inline constexpr std::uint64_t kWakeToken = ~std::uint64_t{0};

// One thing the queue reported.
struct Event {
  std::uint64_t token = 0;  // as registered; kWakeToken for a wake; the completion key on IOCP
  // Readiness (epoll, kqueue).
  bool readable = false;
  bool writable = false;
  bool hangup = false;  // the peer closed its side (reads will return 0 once drained)
  bool error = false;   // the socket has a pending error (reset, refused)
  // Completion (IOCP only): the finished operation's OVERLAPPED and the bytes it moved.
  // io_operation.hpp turns these into an Operation; nothing else needs them.
  void* completed_overlapped = nullptr;
  std::uint32_t completed_bytes = 0;
};

class Poller {
 public:
  // Creates the kernel queue and its Waker. Throws rt::OsError if the OS refuses
  // (epoll_create1, kqueue, CreateIoCompletionPort: out of descriptors or memory).
  Poller();
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // "epoll", "kqueue" or "IOCP".
  static const char* backend_name() noexcept;
  // True on epoll and kqueue. On Windows, socket readiness on a completion port needs
  // ProcessSocketNotifications (Windows 11 and Server 2022 on; this repository targets
  // Windows 10 and wine) or the undocumented AFD interface (poller_iocp.cpp), so
  // add/modify/remove throw rt::OsError(ERROR_NOT_SUPPORTED) and sockets are used through
  // io_operation.hpp instead.
  static bool supports_readiness() noexcept;

  // Registers `handle` (a socket; on Unix any pollable descriptor) for `interest`.
  void add(Handle handle, Interest interest, std::uint64_t token, Trigger trigger = Trigger::level);
  // Replaces the interest, token and trigger of a registered handle.
  void modify(Handle handle, Interest interest, std::uint64_t token,
              Trigger trigger = Trigger::level);
  // Deregisters `handle`. Precondition: it was added and is still open.
  void remove(Handle handle);

  // Waits as the contract above says and fills `events` from the front; returns how many.
  // Precondition: !events.empty(). More ready handles than fit are reported by later waits.
  std::size_t wait(std::span<Event> events, std::optional<std::chrono::milliseconds> timeout);

  // The Waker: makes the current or next wait() return with a kWakeToken event. Any thread.
  void wake();

  // The kernel object (epoll or kqueue descriptor, or the completion port HANDLE), for the
  // backend's own files (io_operation_iocp.cpp associates sockets with the port).
  std::intptr_t native_handle() const noexcept;

 private:
  struct State;  // the backend's kernel objects (poller_epoll_state.hpp, ...)
  std::unique_ptr<State> state_;
};

}  // namespace rt::poll
