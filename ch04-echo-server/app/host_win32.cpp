// host.hpp on Windows (Winsock).
#include <windows.h>
#include <winsock2.h>

#include <stdexcept>

#include "host.hpp"
#include "rt/error.hpp"

namespace ch04::host {

void set_blocking_timeouts(const rt::poll::Socket& socket, std::chrono::milliseconds timeout) {
  DWORD value = static_cast<DWORD>(timeout.count());
  auto s = static_cast<SOCKET>(socket.handle());
  if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&value), sizeof value) !=
      0) {
    rt::poll::throw_socket_error("setsockopt SO_RCVTIMEO", WSAGetLastError());
  }
  if (setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, reinterpret_cast<const char*>(&value), sizeof value) !=
      0) {
    rt::poll::throw_socket_error("setsockopt SO_SNDTIMEO", WSAGetLastError());
  }
}

bool timed_out(const rt::poll::IoResult& result) noexcept {
  return result.error == WSAETIMEDOUT || result.would_block;
}

void set_blocking(const rt::poll::Socket& socket) {
  u_long nonblocking = 0;
  if (ioctlsocket(static_cast<SOCKET>(socket.handle()), FIONBIO, &nonblocking) != 0) {
    rt::poll::throw_socket_error("ioctlsocket FIONBIO", WSAGetLastError());
  }
}

void shutdown_both(rt::poll::Handle socket) noexcept {
  shutdown(static_cast<SOCKET>(socket), SD_BOTH);
  // A blocking recv() on Windows is an overlapped receive the calling thread waits for, and
  // shutdown() alone does not end it (seen under wine); cancelling the socket's I/O does.
  CancelIoEx(reinterpret_cast<HANDLE>(socket), nullptr);
}

std::string raise_open_file_limit() {
  return "open-file limit: none on Windows (sockets are handles, limited only by memory)";
}

std::optional<std::size_t> open_file_limit() {
  return std::nullopt;
}

void set_open_file_limit(std::size_t) {
  throw std::logic_error("Windows has no per-process open-file limit to set");
}

std::optional<std::size_t> open_descriptor_count() {
  return std::nullopt;
}

std::optional<double> cpu_busy_seconds(int) {
  return std::nullopt;
}

}  // namespace ch04::host
