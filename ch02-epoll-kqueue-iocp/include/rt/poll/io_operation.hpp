// The seam between readiness and completion: socket operations that finish through the
// Poller on every OS. This is the interface chapter 4 parks a fiber on ("resume me when
// this receive finished").
//
//   IoSocket io(poller, socket);           // register once
//   Operation receive(Operation::Kind::receive, buffer);
//   if (!io.start(receive)) {              // pending: the loop waits
//     ... poller.wait(events) ...
//     for (Operation* done : io.on_event(event)) { /* done->bytes(), done->error() */ }
//   }
//
// How each backend keeps it, and what the adaptation costs (README, "readiness vs
// completion"):
// - epoll, kqueue (io_operation_readiness.cpp): the socket is registered once, edge-
//   triggered, for read and write. start() tries the system call at once; only if it would
//   block does the operation wait for readiness, and on_event() then makes the system call
//   again. Cost: when data is not there yet, one failed (EAGAIN) call plus one retry call
//   per operation, and one trip through the queue; after a receive that came back short (it
//   took all there was), the next receive waits for the edge without the failed call.
//   Nothing is pinned: the buffer is only touched inside start() and on_event(), by this
//   thread.
// - IOCP (io_operation_iocp.cpp): the socket is associated with the port once; start()
//   issues an overlapped WSARecv/WSASend, and the kernel performs the whole operation and
//   queues a completion. Costs: (1) the buffer and the Operation belong to the kernel until
//   the completion is dequeued, even after cancel() or closing the socket: a close does not
//   end an operation, it completes it with ERROR_OPERATION_ABORTED, and only then may the
//   memory go; (2) every operation costs a trip through the queue, even when the data was
//   already there (FILE_SKIP_COMPLETION_PORT_ON_SUCCESS would avoid it; not used here,
//   because some layered service providers break it); (3) a receive pins its whole buffer
//   for as long as the peer is silent, so 10,000 idle connections pin 10,000 buffers (the
//   usual workaround, zero-byte receives used as a readiness signal, costs an extra call;
//   not used here).
//
// Accept and connect are operations too (Kind::accept, Kind::connect), so that a fiber can
// park on them like on a receive:
// - accept, epoll/kqueue: accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) (macOS: accept + fcntl); on
//   EAGAIN wait for the listener to be readable and try again. Cost: as for a receive.
//   IOCP: AcceptEx into a socket created by start() beforehand, then SO_UPDATE_ACCEPT_CONTEXT
//   when it completed. Costs: a socket is created per accept before any client arrives; the
//   operation's buffer receives the two addresses (kAcceptBufferBytes), so it, too, belongs
//   to the kernel while pending; AcceptEx is an extension loaded once through WSAIoctl.
// - connect, epoll/kqueue: a non-blocking connect(); EINPROGRESS waits for writability, then
//   getsockopt(SO_ERROR) says how it ended (an event before the handshake ended, such as the
//   hangup epoll reports for a socket registered before connecting, is spurious: getpeername
//   still fails with ENOTCONN, and the operation keeps waiting). IOCP: ConnectEx, which needs
//   a bound socket (start() binds 0.0.0.0:0 if it is not bound yet), then
//   SO_UPDATE_CONNECT_CONTEXT so that shutdown() and getpeername() work on it.
// Both use the socket's receive or send slot: an accept is pending as its receive (it waits
// for readability), a connect as its send (it waits for writability).
//
// Contract (every backend):
// - At most one receive and one send pending per IoSocket at a time (asserted).
// - An Operation is idle -> pending -> finished; bytes()/error() are valid when finished;
//   reset() makes it idle again for reuse. A receive that finishes with 0 bytes and no
//   error means the peer closed. A send may finish after moving only part of the buffer.
//   An accept that finished without error holds the new socket (take_accepted()); a connect
//   that finished without error left its IoSocket's socket connected. Both report 0 bytes.
//   A connect the peer refused finishes with is_connection_refused(error()).
// - Errors finish the operation (error() != 0: an errno on Unix, a Win32 error on Windows;
//   use is_connection_reset() / is_cancelled() to classify); nothing here throws for a
//   peer's misbehaviour. start() does not throw: a request the OS refuses at once finishes
//   the operation with the error. The IoSocket constructor throws rt::OsError if the socket
//   cannot be registered; IOCP's cancel() throws if CancelIoEx fails.
// - Lifetimes: the IoSocket, each pending Operation and its buffer must stay alive until the
//   operation finished. Destroying an IoSocket with an operation pending is a bug (asserted).
// - Threads: start(), cancel() and on_event() for one IoSocket on the thread that calls
//   poller.wait() (the event loop), or on several threads if the caller orders them by a lock
//   of its own (chapter 6's netpoller: a lock per socket); only wake() needs neither.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "rt/error.hpp"
#include "rt/poll/drain_mark.hpp"
#include "rt/poll/poller.hpp"
#include "rt/poll/socket.hpp"

namespace rt::poll {

class Operation {
 public:
  enum class Kind : std::uint8_t {
    receive,  // fills buffer(); pending as the socket's receive
    send,     // sends buffer(); pending as the socket's send
    accept,   // on a listener: a new connection (take_accepted()); pending as the receive
    connect,  // connects the socket to address(); pending as the send
  };
  enum class State : std::uint8_t {
    idle,      // not started (or reset): the buffer belongs to the caller
    pending,   // started: the buffer belongs to the IoSocket (and, on IOCP, to the kernel)
    finished,  // done: bytes() and error() tell how; the buffer is the caller's again
  };

  // The room an accept needs in its buffer: AcceptEx writes the local and the remote address
  // there, each sizeof(sockaddr_in) + 16 bytes as its documentation demands. Readiness
  // backends do not touch it; portable code provides it anyway.
  static constexpr std::size_t kAcceptBufferBytes = 64;

  // For a receive, `buffer` is filled; for a send, its bytes are sent; for an accept, see
  // kAcceptBufferBytes (asserted size). It must stay valid while the operation is pending.
  Operation(Kind kind, std::span<std::byte> buffer) noexcept : kind_(kind), buffer_(buffer) {}
  // A connect to `to`.
  explicit Operation(const Ipv4Address& to) noexcept : kind_(Kind::connect), address_(to) {}
  // Closes an accepted socket nobody took. Precondition: not pending (asserted).
  ~Operation();
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;

  // An accept that finished without error: the new connection, non-blocking, not inherited
  // by child processes, never raising SIGPIPE. Once; afterwards (or for any other operation)
  // an invalid Socket.
  Socket take_accepted() noexcept;
  // A connect's destination.
  const Ipv4Address& address() const noexcept { return address_; }

  // The owner's pointer, carried along untouched (chapter 4 keeps the parked fiber here, to
  // find it again from the Operation* that on_event() returns).
  void* context() const noexcept { return context_; }
  void set_context(void* context) noexcept { context_ = context; }

  Kind kind() const noexcept { return kind_; }
  State state() const noexcept { return state_; }
  std::span<std::byte> buffer() const noexcept { return buffer_; }
  // Valid when finished.
  std::size_t bytes() const noexcept { return bytes_; }
  int error() const noexcept { return error_; }
  // Makes a finished operation idle again, optionally with a new buffer (asserted state).
  void reset() noexcept;
  void reset(std::span<std::byte> buffer) noexcept;

 private:
  friend class IoSocket;
  void finish(std::size_t bytes, int error) noexcept;  // pending -> finished (asserted)
  void mark_pending() noexcept;                        // idle -> pending (asserted)

  // Room for the OVERLAPPED (32 bytes on 64-bit Windows; static_assert in the IOCP file).
  // First member, so an OVERLAPPED* from the queue converts back to its Operation*.
  alignas(8) std::array<unsigned char, 32> overlapped_storage_{};
  Kind kind_;
  State state_ = State::idle;
  std::span<std::byte> buffer_;
  std::size_t bytes_ = 0;
  int error_ = 0;
  Ipv4Address address_{};             // connect: where to
  Handle accepted_ = kInvalidHandle;  // accept: the new socket (IOCP: created by start())
  void* context_ = nullptr;
};

// The operations one event finished: none (spurious readiness, or an event about the other
// direction), one, or on readiness backends two (a hangup finishes both directions).
struct FinishedOperations {
  std::array<Operation*, 2> items{};
  std::size_t count = 0;
  Operation** begin() noexcept { return items.data(); }
  Operation** end() noexcept { return items.data() + count; }
};

class IoSocket {
 public:
  // Registers `socket` with `poller` for operations. Preconditions: the socket is
  // non-blocking (Unix; the IOCP path ignores it), not registered with any poller, and both
  // the poller and the socket outlive this IoSocket. On IOCP the association lasts until the
  // socket is closed (it cannot be undone), so a socket joins one port for life.
  IoSocket(Poller& poller, const Socket& socket);
  ~IoSocket();
  IoSocket(const IoSocket&) = delete;
  IoSocket& operator=(const IoSocket&) = delete;

  // Events whose token is this value belong to this IoSocket.
  std::uint64_t token() const noexcept { return reinterpret_cast<std::uintptr_t>(this); }

  // Starts `operation` (precondition: idle). Returns true if it finished already (its
  // result is ready), false if it is pending and a later event will finish it.
  bool start(Operation& operation);

  // Handles one Event from poller.wait() whose token == token(); returns the operations it
  // finished (a connect's socket is connected, an accept holds its socket, before they are
  // returned). Readiness backends retry the system call of each pending operation the event
  // concerns (still would block: it stays pending); IOCP finishes the one operation whose
  // completion this is.
  FinishedOperations on_event(const Event& event);

  // Asks `operation` (precondition: pending on this IoSocket) to finish early with
  // is_cancelled(error()). Readiness backends finish it at once and return true. IOCP asks
  // the kernel (CancelIoEx) and returns false: the operation stays pending until its
  // completion is dequeued, and it may still succeed if it won the race.
  bool cancel(Operation& operation);

  // How many operations are pending (0, 1 or 2).
  int pending() const noexcept { return pending_; }

 private:
  // Receives and accepts wait in receiving_, sends and connects in sending_.
  Operation*& slot_of(const Operation& operation) noexcept {
    const bool inbound =
        operation.kind() == Operation::Kind::receive || operation.kind() == Operation::Kind::accept;
    return inbound ? receiving_ : sending_;
  }

  // Readiness backends: after a finished receive, marks the socket drained if the receive
  // was short (io_operation_readiness.cpp).
  void note_receive(const Operation& operation) noexcept;

  Poller& poller_;
  Handle handle_;
  Operation* receiving_ = nullptr;  // the pending receive, if any
  Operation* sending_ = nullptr;    // the pending send, if any
  int pending_ = 0;
  // Readiness backends: the last receive was short, and no readable event has come since, so
  // the next receive waits for one without calling recv() first (drain_mark.hpp).
  DrainMark drain_mark_;
};

// True for the error a cancelled operation finishes with: ECANCELED; on Windows
// ERROR_OPERATION_ABORTED (also after closesocket), or ERROR_HANDLES_CLOSED where wine
// reports a close that way.
bool is_cancelled(int error) noexcept;

}  // namespace rt::poll
