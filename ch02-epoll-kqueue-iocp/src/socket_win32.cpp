// Loopback sockets on Windows: Winsock 2. SOCKET handles, WSAGetLastError() codes.
//
// Winsock must be started (WSAStartup) before the first socket call; ensure_winsock() does
// it once per process, from every function here that creates a socket, so no caller has to
// remember. It is never WSACleanup'ed: the process's exit releases it, and a cleanup racing
// a late socket call in another thread would be worse than none.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <fmt/format.h>

#include "rt/poll/socket.hpp"

namespace rt::poll {

namespace {

SOCKET sock(const Socket& socket) {
  return static_cast<SOCKET>(socket.handle());
}

[[noreturn]] void throw_wsa(std::string_view call) {
  throw_socket_error(call, WSAGetLastError());
}

void ensure_winsock() {
  // A function-local static: initialised once, thread-safely, on first use.
  static const int started = [] {
    WSADATA data;
    int rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) throw OsError("WSAStartup", rc, ErrorDomain::win32);
    return 0;
  }();
  (void)started;
}

sockaddr_in loopback_address(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

Socket new_socket(int type, int protocol) {
  ensure_winsock();
  // WSA_FLAG_OVERLAPPED: the socket may take part in overlapped I/O (IOCP). Not inheritable.
  SOCKET s = WSASocketW(AF_INET, type, protocol, nullptr, 0,
                        WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) throw_wsa("WSASocket");
  return Socket(static_cast<Handle>(s));
}

sockaddr_in socket_address(const Ipv4Address& address) {
  sockaddr_in raw{};
  raw.sin_family = AF_INET;
  raw.sin_port = htons(address.port);
  raw.sin_addr.s_addr = htonl(address.host);
  return raw;
}

}  // namespace

void set_nodelay(const Socket& socket) {
  BOOL on = TRUE;
  if (setsockopt(sock(socket), IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&on),
                 sizeof on) != 0) {
    throw_wsa("setsockopt TCP_NODELAY");
  }
}

Socket tcp_socket() {
  Socket socket = new_socket(SOCK_STREAM, IPPROTO_TCP);
  set_nonblocking(socket);
  return socket;
}

Socket listen_tcp(const Ipv4Address& address, int backlog) {
  Socket socket = new_socket(SOCK_STREAM, IPPROTO_TCP);
  BOOL on = TRUE;  // as listen_loopback
  setsockopt(sock(socket), SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&on),
             sizeof on);
  sockaddr_in raw = socket_address(address);
  if (bind(sock(socket), reinterpret_cast<sockaddr*>(&raw), sizeof raw) != 0) {
    throw_wsa(fmt::format("bind {}", to_string(address)));
  }
  if (listen(sock(socket), backlog) != 0) throw_wsa("listen");
  set_nonblocking(socket);
  return socket;
}

std::uint16_t peer_port(const Socket& socket) {
  sockaddr_in address{};
  int size = sizeof address;
  if (getpeername(sock(socket), reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw_wsa("getpeername");
  }
  return ntohs(address.sin_port);
}

void Socket::close() noexcept {
  if (valid()) closesocket(static_cast<SOCKET>(release()));
}

Socket listen_loopback(std::uint16_t port, int backlog) {
  Socket socket = new_socket(SOCK_STREAM, IPPROTO_TCP);
  // Windows' SO_REUSEADDR would let a second listener steal a live port; exclusive use is
  // what a server wants (and what Unix's SO_REUSEADDR semantics amount to for listeners).
  BOOL on = TRUE;
  setsockopt(sock(socket), SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&on),
             sizeof on);
  sockaddr_in address = loopback_address(port);
  if (bind(sock(socket), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw_wsa(fmt::format("bind 127.0.0.1:{}", port));
  }
  if (listen(sock(socket), backlog) != 0) throw_wsa("listen");
  return socket;
}

std::uint16_t local_port(const Socket& socket) {
  sockaddr_in address{};
  int size = sizeof address;
  if (getsockname(sock(socket), reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw_wsa("getsockname");
  }
  return ntohs(address.sin_port);
}

Socket connect_loopback(std::uint16_t port) {
  Socket socket = new_socket(SOCK_STREAM, IPPROTO_TCP);
  sockaddr_in address = loopback_address(port);
  if (connect(sock(socket), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw_wsa(fmt::format("connect 127.0.0.1:{}", port));
  }
  set_nodelay(socket);
  return socket;
}

Socket accept_connection(const Socket& listener) {
  SOCKET s = accept(sock(listener), nullptr, nullptr);
  if (s == INVALID_SOCKET) throw_wsa("accept");
  Socket socket(static_cast<Handle>(s));
  set_nodelay(socket);
  return socket;
}

Socket udp_socket() {
  Socket socket = new_socket(SOCK_DGRAM, IPPROTO_UDP);
  sockaddr_in address = loopback_address(0);
  if (bind(sock(socket), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw_wsa("bind udp 127.0.0.1:0");
  }
  return socket;
}

void set_nonblocking(const Socket& socket) {
  u_long on = 1;
  if (ioctlsocket(sock(socket), FIONBIO, &on) != 0) throw_wsa("ioctlsocket FIONBIO");
}

void set_reset_on_close(const Socket& socket) {
  linger option{};
  option.l_onoff = 1;
  option.l_linger = 0;
  if (setsockopt(sock(socket), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&option),
                 sizeof option) != 0) {
    throw_wsa("setsockopt SO_LINGER");
  }
}

void shutdown_send(const Socket& socket) {
  if (shutdown(sock(socket), SD_SEND) != 0) throw_wsa("shutdown SD_SEND");
}

void shutdown_both(Handle socket) noexcept {
  shutdown(static_cast<SOCKET>(socket), SD_BOTH);
  CancelIoEx(reinterpret_cast<HANDLE>(socket), nullptr);
}

IoResult send_some(Handle socket, std::span<const std::byte> data) noexcept {
  int size = data.size() > INT_MAX ? INT_MAX : static_cast<int>(data.size());
  int n = send(static_cast<SOCKET>(socket), reinterpret_cast<const char*>(data.data()), size, 0);
  if (n != SOCKET_ERROR) return {.bytes = n};
  int error = WSAGetLastError();
  if (error == WSAEWOULDBLOCK) return {.would_block = true};
  return {.error = error};
}

IoResult receive_some(Handle socket, std::span<std::byte> buffer) noexcept {
  int size = buffer.size() > INT_MAX ? INT_MAX : static_cast<int>(buffer.size());
  int n = recv(static_cast<SOCKET>(socket), reinterpret_cast<char*>(buffer.data()), size, 0);
  if (n != SOCKET_ERROR) return {.bytes = n};
  int error = WSAGetLastError();
  if (error == WSAEWOULDBLOCK) return {.would_block = true};
  return {.error = error};
}

IoResult accept_some(Handle listener, Socket& accepted) noexcept {
  for (;;) {
    SOCKET s = accept(static_cast<SOCKET>(listener), nullptr, nullptr);
    if (s == INVALID_SOCKET) {
      int error = WSAGetLastError();
      if (error == WSAECONNRESET) continue;  // a client that gave up in the backlog
      if (error == WSAEWOULDBLOCK) return {.would_block = true};
      return {.error = error};
    }
    accepted = Socket(static_cast<Handle>(s));
    u_long on = 1;
    ioctlsocket(s, FIONBIO, &on);
    return {};
  }
}

// Winsock's codes are Win32 error codes (WSAECONNRESET == 10054); FormatMessage knows them.
ErrorDomain socket_error_domain() noexcept {
  return ErrorDomain::win32;
}
int last_socket_error() noexcept {
  return WSAGetLastError();
}

bool is_connection_reset(int error) noexcept {
  return error == WSAECONNRESET || error == WSAECONNABORTED || error == WSAESHUTDOWN ||
         error == ERROR_NETNAME_DELETED || error == ERROR_CONNECTION_ABORTED;
}

bool is_connection_refused(int error) noexcept {
  return error == WSAECONNREFUSED || error == ERROR_CONNECTION_REFUSED;
}

bool is_out_of_descriptors(int error) noexcept {
  return error == WSAEMFILE || error == WSAENOBUFS;
}

int timed_out_error() noexcept {
  return WSAETIMEDOUT;
}

}  // namespace rt::poll
