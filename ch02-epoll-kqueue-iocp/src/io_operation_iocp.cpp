// Operations on an I/O completion port: hand the kernel the buffer, and hear from the port
// when the operation is done. What this costs is in io_operation.hpp.
//
// Lifecycle of one receive:
//   start():     WSARecv(socket, buffer, OVERLAPPED inside the Operation)
//                  -> 0, or SOCKET_ERROR + WSA_IO_PENDING: a completion packet WILL come
//                  -> any other error: it failed at once, no packet will come
//   [kernel fills the buffer whenever data arrives]
//   wait():      GetQueuedCompletionStatusEx -> {key = IoSocket*, OVERLAPPED*, bytes}
//   on_event():  the OVERLAPPED* is the first member of its Operation, so this is it;
//                GetOverlappedResult(wait = FALSE) turns the kernel's status into a Win32
//                error code (it only reads the finished OVERLAPPED; it does not touch the
//                socket, which may be closed by now).
//
// Accept and connect are the two extension functions of Winsock (mswsock), loaded once
// through WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER) and kept for the process: every socket
// here is an AF_INET TCP socket of the same provider, whose pointers are the same.
//   accept:  start() creates the socket-to-be, AcceptEx(listener, it, buffer, ...);
//            on_event() hands it the listener's properties (SO_UPDATE_ACCEPT_CONTEXT),
//            without which getpeername() and shutdown() fail on it.
//   connect: start() binds the socket to 0.0.0.0:0 if it is not bound (ConnectEx demands a
//            bound socket; connect() would bind implicitly), ConnectEx(socket, address);
//            on_event() sets SO_UPDATE_CONNECT_CONTEXT for the same reason.
#include <mswsock.h>
#include <windows.h>
#include <winsock2.h>

#include <cassert>
#include <climits>
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

#include "rt/poll/io_operation.hpp"

namespace rt::poll {

static_assert(sizeof(OVERLAPPED) <= 32 && alignof(OVERLAPPED) <= 8,
              "Operation::overlapped_storage_ is too small for this OVERLAPPED");
static_assert(std::is_standard_layout_v<Operation>,
              "an OVERLAPPED* converts back to Operation* only for a standard-layout class");

namespace {

OVERLAPPED* overlapped_of(Operation& operation) {
  // The storage is the Operation's first member: the same address as the Operation.
  return reinterpret_cast<OVERLAPPED*>(&operation);
}

Operation* operation_of(void* overlapped) {
  return reinterpret_cast<Operation*>(overlapped);
}

// An extension function, or the error that kept it from loading (cached either way: the
// provider does not change while the process runs).
template <typename Function>
struct Extension {
  Function function = nullptr;
  int error = 0;
};

template <typename Function>
Extension<Function> load_extension(SOCKET socket, GUID guid) {
  Extension<Function> extension;
  DWORD bytes = 0;
  if (WSAIoctl(socket, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, &extension.function,
               sizeof extension.function, &bytes, nullptr, nullptr) != 0) {
    extension.error = WSAGetLastError();
    extension.function = nullptr;
  }
  return extension;
}

const Extension<LPFN_ACCEPTEX>& accept_ex(SOCKET socket) {
  static const auto extension = load_extension<LPFN_ACCEPTEX>(socket, WSAID_ACCEPTEX);
  return extension;
}

const Extension<LPFN_CONNECTEX>& connect_ex(SOCKET socket) {
  static const auto extension = load_extension<LPFN_CONNECTEX>(socket, WSAID_CONNECTEX);
  return extension;
}

// The address each half of AcceptEx's output needs: sizeof(sockaddr_in) + 16 (its docs).
constexpr DWORD kAcceptAddressBytes = sizeof(sockaddr_in) + 16;
static_assert(2 * kAcceptAddressBytes <= Operation::kAcceptBufferBytes);

// Issues the overlapped call for `operation`; returns 0 if a completion packet will come
// (success at once or WSA_IO_PENDING), or the error that refused it. `accepted` receives an
// accept's socket-to-be.
int issue(SOCKET socket, Operation& operation, OVERLAPPED* overlapped, Socket& accepted) {
  auto buffer = operation.buffer();
  BOOL ok = FALSE;
  switch (operation.kind()) {
    case Operation::Kind::receive:
    case Operation::Kind::send: {
      WSABUF wsa_buffer{static_cast<ULONG>(buffer.size() > ULONG_MAX ? ULONG_MAX : buffer.size()),
                        reinterpret_cast<CHAR*>(buffer.data())};
      DWORD flags = 0;
      int rc = operation.kind() == Operation::Kind::receive
                   ? WSARecv(socket, &wsa_buffer, 1, nullptr, &flags, overlapped, nullptr)
                   : WSASend(socket, &wsa_buffer, 1, nullptr, 0, overlapped, nullptr);
      ok = rc == 0;
      break;
    }
    case Operation::Kind::accept: {
      const auto& extension = accept_ex(socket);
      if (extension.function == nullptr) return extension.error;
      try {
        accepted = tcp_socket();
      } catch (const OsError& e) {
        return e.code();  // out of sockets: the accept fails now, as accept() would
      }
      DWORD received = 0;
      ok = extension.function(socket, static_cast<SOCKET>(accepted.handle()), buffer.data(), 0,
                              kAcceptAddressBytes, kAcceptAddressBytes, &received, overlapped);
      break;
    }
    case Operation::Kind::connect: {
      const auto& extension = connect_ex(socket);
      if (extension.function == nullptr) return extension.error;
      sockaddr_in any{};
      any.sin_family = AF_INET;  // 0.0.0.0:0; WSAEINVAL means "bound already"
      if (bind(socket, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 &&
          WSAGetLastError() != WSAEINVAL) {
        return WSAGetLastError();
      }
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(operation.address().port);
      to.sin_addr.s_addr = htonl(operation.address().host);
      ok = extension.function(socket, reinterpret_cast<sockaddr*>(&to), sizeof to, nullptr, 0,
                              nullptr, overlapped);
      break;
    }
  }
  if (ok) return 0;
  const int error = WSAGetLastError();
  return error == WSA_IO_PENDING ? 0 : error;
}

// After an accept's or connect's successful completion: the property update that makes the
// socket a normal connected socket. Returns 0 or the error.
int update_context(SOCKET socket, Operation& operation, SOCKET accepted) {
  int rc = 0;
  if (operation.kind() == Operation::Kind::accept) {
    rc = setsockopt(accepted, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                    reinterpret_cast<const char*>(&socket), sizeof socket);
  } else if (operation.kind() == Operation::Kind::connect) {
    rc = setsockopt(socket, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0);
  }
  return rc == 0 ? 0 : WSAGetLastError();
}

}  // namespace

IoSocket::IoSocket(Poller& poller, const Socket& socket)
    : poller_(poller), handle_(socket.handle()) {
  auto port = reinterpret_cast<HANDLE>(poller_.native_handle());
  if (CreateIoCompletionPort(reinterpret_cast<HANDLE>(handle_), port,
                             static_cast<ULONG_PTR>(token()), 0) == nullptr) {
    throw_last_error("CreateIoCompletionPort (associate socket)");
  }
}

IoSocket::~IoSocket() {
  // A pending operation's completion would name this destroyed object as its key.
  assert(pending_ == 0 && "an IoSocket must outlive its pending operations");
}

bool IoSocket::start(Operation& operation) {
  Operation*& slot = slot_of(operation);
  assert(slot == nullptr && "one receive and one send at a time per socket");
  operation.mark_pending();
  OVERLAPPED* overlapped = new (operation.overlapped_storage_.data()) OVERLAPPED{};
  Socket accepted;
  const int error = issue(static_cast<SOCKET>(handle_), operation, overlapped, accepted);
  if (error == 0) {
    // Even an immediate success queues a packet (no FILE_SKIP_COMPLETION_PORT_ON_SUCCESS):
    // the operation is finished by on_event(), like every other.
    operation.accepted_ = accepted.release();
    slot = &operation;
    ++pending_;
    return false;
  }
  operation.finish(0, error);  // refused at once: no packet will come (`accepted` closes)
  return true;
}

FinishedOperations IoSocket::on_event(const Event& event) {
  FinishedOperations finished;
  if (event.completed_overlapped == nullptr) return finished;
  Operation* operation = operation_of(event.completed_overlapped);
  Operation*& slot = slot_of(*operation);
  assert(slot == operation && "a completion for an operation not pending on this socket");
  DWORD bytes = 0;
  int error = 0;
  if (!GetOverlappedResult(reinterpret_cast<HANDLE>(handle_), overlapped_of(*operation), &bytes,
                           FALSE)) {
    error = static_cast<int>(GetLastError());
  }
  if (error == 0) {
    error = update_context(static_cast<SOCKET>(handle_), *operation,
                           static_cast<SOCKET>(operation->accepted_));
  }
  if (error != 0) Socket(std::exchange(operation->accepted_, kInvalidHandle)).close();
  operation->finish(error == 0 ? bytes : 0, error);
  slot = nullptr;
  --pending_;
  finished.items[finished.count++] = operation;
  return finished;
}

bool IoSocket::cancel(Operation& operation) {
  assert(operation.state() == Operation::State::pending);
  // ERROR_NOT_FOUND: it already completed, and its packet is on its way. Either way the
  // operation is finished only by on_event().
  if (!CancelIoEx(reinterpret_cast<HANDLE>(handle_), overlapped_of(operation)) &&
      GetLastError() != ERROR_NOT_FOUND) {
    throw_last_error("CancelIoEx");
  }
  return false;
}

namespace {
// ERROR_HANDLES_CLOSED (from STATUS_HANDLES_CLOSED), missing from older MinGW headers. Wine 8
// completes an operation whose socket was closed with it; Windows uses
// ERROR_OPERATION_ABORTED for both CancelIoEx and closesocket.
constexpr int kErrorHandlesClosed = 676;
}  // namespace

bool is_cancelled(int error) noexcept {
  return error == ERROR_OPERATION_ABORTED || error == kErrorHandlesClosed;
}

}  // namespace rt::poll
