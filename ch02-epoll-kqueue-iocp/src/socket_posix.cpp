// Loopback sockets on POSIX (Linux, macOS): descriptors, errno.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>

#include "rt/poll/socket.hpp"

namespace rt::poll {

namespace {

int fd(const Socket& socket) {
  return static_cast<int>(socket.handle());
}

sockaddr_in loopback_address(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// MSG_NOSIGNAL (Linux) stops send() on a closed connection from raising SIGPIPE, which
// would kill the process; macOS has no such flag but a per-socket option (SO_NOSIGPIPE).
#if defined(MSG_NOSIGNAL)
constexpr int kSendFlags = MSG_NOSIGNAL;
#else
constexpr int kSendFlags = 0;
#endif

Socket new_socket(int type) {
  int s = ::socket(AF_INET, type, 0);
  if (s < 0) throw_errno("socket");
  Socket socket(s);
  // Not inherited by child processes (SOCK_CLOEXEC is Linux-only; fcntl works everywhere).
  ::fcntl(s, F_SETFD, FD_CLOEXEC);
#if defined(SO_NOSIGPIPE)
  int on = 1;
  ::setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
  return socket;
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
  int on = 1;
  if (::setsockopt(fd(socket), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
    throw_errno("setsockopt TCP_NODELAY");
  }
}

Socket tcp_socket() {
  Socket socket = new_socket(SOCK_STREAM);
  set_nonblocking(socket);
  return socket;
}

Socket listen_tcp(const Ipv4Address& address, int backlog) {
  Socket socket = new_socket(SOCK_STREAM);
  int on = 1;
  ::setsockopt(fd(socket), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // as listen_loopback
  sockaddr_in raw = socket_address(address);
  if (::bind(fd(socket), reinterpret_cast<sockaddr*>(&raw), sizeof raw) != 0) {
    throw_errno(fmt::format("bind {}", to_string(address)));
  }
  if (::listen(fd(socket), backlog) != 0) throw_errno("listen");
  set_nonblocking(socket);
  return socket;
}

std::uint16_t peer_port(const Socket& socket) {
  sockaddr_in address{};
  socklen_t size = sizeof address;
  if (::getpeername(fd(socket), reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw_errno("getpeername");
  }
  return ntohs(address.sin_port);
}

void Socket::close() noexcept {
  if (valid()) ::close(static_cast<int>(release()));
}

Socket listen_loopback(std::uint16_t port, int backlog) {
  Socket socket = new_socket(SOCK_STREAM);
  int on = 1;
  // Lets a restarted server reuse its port while old connections sit in TIME_WAIT; it does
  // not let two live listeners share a port (that is SO_REUSEPORT).
  ::setsockopt(fd(socket), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address = loopback_address(port);
  if (::bind(fd(socket), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw_errno(fmt::format("bind 127.0.0.1:{}", port));
  }
  if (::listen(fd(socket), backlog) != 0) throw_errno("listen");
  return socket;
}

std::uint16_t local_port(const Socket& socket) {
  sockaddr_in address{};
  socklen_t size = sizeof address;
  if (::getsockname(fd(socket), reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw_errno("getsockname");
  }
  return ntohs(address.sin_port);
}

Socket connect_loopback(std::uint16_t port) {
  Socket socket = new_socket(SOCK_STREAM);
  sockaddr_in address = loopback_address(port);
  int rc;
  do {
    rc = ::connect(fd(socket), reinterpret_cast<sockaddr*>(&address), sizeof address);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) throw_errno(fmt::format("connect 127.0.0.1:{}", port));
  set_nodelay(socket);
  return socket;
}

Socket accept_connection(const Socket& listener) {
  int s;
  do {
    s = ::accept(fd(listener), nullptr, nullptr);
  } while (s < 0 && errno == EINTR);
  if (s < 0) throw_errno("accept");
  Socket socket(s);
  ::fcntl(s, F_SETFD, FD_CLOEXEC);
#if defined(SO_NOSIGPIPE)
  int on = 1;
  ::setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
  set_nodelay(socket);
  return socket;
}

Socket udp_socket() {
  Socket socket = new_socket(SOCK_DGRAM);
  sockaddr_in address = loopback_address(0);
  if (::bind(fd(socket), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw_errno("bind udp 127.0.0.1:0");
  }
  return socket;
}

void set_nonblocking(const Socket& socket) {
  int flags = ::fcntl(fd(socket), F_GETFL);
  if (flags < 0 || ::fcntl(fd(socket), F_SETFL, flags | O_NONBLOCK) != 0) {
    throw_errno("fcntl O_NONBLOCK");
  }
}

void set_reset_on_close(const Socket& socket) {
  linger option{};
  option.l_onoff = 1;
  option.l_linger = 0;
  if (::setsockopt(fd(socket), SOL_SOCKET, SO_LINGER, &option, sizeof option) != 0) {
    throw_errno("setsockopt SO_LINGER");
  }
}

void shutdown_send(const Socket& socket) {
  if (::shutdown(fd(socket), SHUT_WR) != 0) throw_errno("shutdown SHUT_WR");
}

void shutdown_both(Handle socket) noexcept {
  ::shutdown(static_cast<int>(socket), SHUT_RDWR);
}

IoResult send_some(Handle socket, std::span<const std::byte> data) noexcept {
  ssize_t n;
  do {
    n = ::send(static_cast<int>(socket), data.data(), data.size(), kSendFlags);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) return {.bytes = n};
  if (errno == EAGAIN || errno == EWOULDBLOCK) return {.would_block = true};
  return {.error = errno};
}

IoResult receive_some(Handle socket, std::span<std::byte> buffer) noexcept {
  ssize_t n;
  do {
    n = ::recv(static_cast<int>(socket), buffer.data(), buffer.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) return {.bytes = n};
  if (errno == EAGAIN || errno == EWOULDBLOCK) return {.would_block = true};
  return {.error = errno};
}

IoResult accept_some(Handle listener, Socket& accepted) noexcept {
  for (;;) {
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
    // Linux: both flags in the same call, so no other thread's fork() sees the descriptor
    // without close-on-exec.
    int s = ::accept4(static_cast<int>(listener), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    // macOS has no accept4: set the flags right after (a window in which a fork() elsewhere
    // inherits the descriptor; this repository does not fork).
    int s = ::accept(static_cast<int>(listener), nullptr, nullptr);
#endif
    if (s < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;  // a signal; a client that gave up
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {.would_block = true};
      return {.error = errno};
    }
    accepted = Socket(s);
#if !(defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC))
    ::fcntl(s, F_SETFD, FD_CLOEXEC);
    ::fcntl(s, F_SETFL, ::fcntl(s, F_GETFL) | O_NONBLOCK);
#endif
#if defined(SO_NOSIGPIPE)
    int on = 1;
    ::setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
    return {};
  }
}

ErrorDomain socket_error_domain() noexcept {
  return ErrorDomain::errno_value;
}
int last_socket_error() noexcept {
  return errno;
}

bool is_connection_reset(int error) noexcept {
  return error == ECONNRESET || error == EPIPE || error == ECONNABORTED;
}

bool is_connection_refused(int error) noexcept {
  return error == ECONNREFUSED;
}

bool is_out_of_descriptors(int error) noexcept {
  return error == EMFILE || error == ENFILE;
}

int timed_out_error() noexcept {
  return ETIMEDOUT;
}

}  // namespace rt::poll
