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
#include <windows.h>
#include <winsock2.h>

#include <cassert>
#include <climits>
#include <cstddef>
#include <new>
#include <type_traits>

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
  const bool receive = operation.kind() == Operation::Kind::receive;
  Operation*& slot = receive ? receiving_ : sending_;
  assert(slot == nullptr && "one receive and one send at a time per socket");
  operation.mark_pending();
  OVERLAPPED* overlapped = new (operation.overlapped_storage_.data()) OVERLAPPED{};
  auto buffer = operation.buffer();
  WSABUF wsa_buffer{static_cast<ULONG>(buffer.size() > ULONG_MAX ? ULONG_MAX : buffer.size()),
                    reinterpret_cast<CHAR*>(buffer.data())};
  DWORD flags = 0;
  auto socket = static_cast<SOCKET>(handle_);
  int rc = receive ? WSARecv(socket, &wsa_buffer, 1, nullptr, &flags, overlapped, nullptr)
                   : WSASend(socket, &wsa_buffer, 1, nullptr, 0, overlapped, nullptr);
  const int error = rc == 0 ? 0 : WSAGetLastError();
  if (rc == 0 || error == WSA_IO_PENDING) {
    // Even an immediate success queues a packet (no FILE_SKIP_COMPLETION_PORT_ON_SUCCESS):
    // the operation is finished by on_event(), like every other.
    slot = &operation;
    ++pending_;
    return false;
  }
  operation.finish(0, error);  // refused at once: no packet will come
  return true;
}

FinishedOperations IoSocket::on_event(const Event& event) {
  FinishedOperations finished;
  if (event.completed_overlapped == nullptr) return finished;
  Operation* operation = operation_of(event.completed_overlapped);
  Operation*& slot = operation->kind() == Operation::Kind::receive ? receiving_ : sending_;
  assert(slot == operation && "a completion for an operation not pending on this socket");
  DWORD bytes = 0;
  int error = 0;
  if (!GetOverlappedResult(reinterpret_cast<HANDLE>(handle_), overlapped_of(*operation), &bytes,
                           FALSE)) {
    error = static_cast<int>(GetLastError());
  }
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
