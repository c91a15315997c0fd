// Just enough TCP/UDP on loopback for the event queues to have something to watch: an owning
// Socket, a listener on 127.0.0.1, a connected pair, and non-blocking send/receive that
// report "would block" instead of throwing. Chapter 4 (rt::net) builds the real socket layer;
// this one exists so chapter 2 can be tested and demonstrated on its own.
//
// One file per OS family (socket_posix.cpp, socket_win32.cpp). On Windows, Winsock is
// started (WSAStartup) once, by the first socket call of the process, and errors come from
// WSAGetLastError(); callers see rt::OsError either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "rt/error.hpp"

namespace rt::poll {

// A socket as the OS names it: an int descriptor on Unix, a SOCKET (a pointer-sized
// unsigned integer) on Windows. Carried in an intptr_t so the interfaces are the same.
using Handle = std::intptr_t;
inline constexpr Handle kInvalidHandle = -1;  // also Windows' INVALID_SOCKET, (SOCKET)~0

// Owns one socket; closes it on destruction. Move-only.
class Socket {
 public:
  Socket() = default;
  explicit Socket(Handle handle) noexcept : handle_(handle) {}
  ~Socket() { close(); }
  Socket(Socket&& other) noexcept : handle_(other.release()) {}
  Socket& operator=(Socket&& other) noexcept {
    if (this != &other) {
      close();
      handle_ = other.release();
    }
    return *this;
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  Handle handle() const noexcept { return handle_; }
  bool valid() const noexcept { return handle_ != kInvalidHandle; }
  Handle release() noexcept { return std::exchange(handle_, kInvalidHandle); }
  // Closes now (no-op if not valid). Errors from close are ignored: the descriptor is gone
  // either way, and retrying would close someone else's.
  void close() noexcept;

 private:
  Handle handle_ = kInvalidHandle;
};

// A TCP listener on 127.0.0.1:`port` (0: an ephemeral port chosen by the OS). A port already
// in use throws rt::OsError("bind 127.0.0.1:<port>: Address already in use ...").
Socket listen_loopback(std::uint16_t port = 0, int backlog = 512);
// The port a bound socket got.
std::uint16_t local_port(const Socket& socket);
// A blocking TCP connect to 127.0.0.1:`port`; throws rt::OsError (e.g. connection refused).
Socket connect_loopback(std::uint16_t port);
// A blocking accept.
Socket accept_connection(const Socket& listener);
// Two connected TCP sockets over loopback (socketpair() does not exist on Windows; TCP
// behaves the same everywhere). Both blocking; TCP_NODELAY set.
std::pair<Socket, Socket> connected_pair();
// An unconnected UDP socket on 127.0.0.1 (cheap registrations for benchmarks).
Socket udp_socket();

// An IPv4 address and port, in host byte order.
struct Ipv4Address {
  std::uint32_t host = 0;  // 127.0.0.1 is 0x7F000001
  std::uint16_t port = 0;
};
// Parses a numeric dotted IPv4 address ("127.0.0.1", "0.0.0.0"), or "localhost" (as
// 127.0.0.1; no name resolution). Throws std::invalid_argument naming `host` otherwise.
Ipv4Address parse_ipv4(std::string_view host, std::uint16_t port);
std::string to_string(const Ipv4Address& address);  // "127.0.0.1:8080"

// A new TCP socket, non-blocking, not inherited by child processes, never raising SIGPIPE,
// not yet bound or connected: for a connect Operation (io_operation.hpp). On Windows it is
// created for overlapped I/O (IOCP).
Socket tcp_socket();
// A non-blocking TCP listener on `address` (port 0: ephemeral), SO_REUSEADDR on Unix,
// SO_EXCLUSIVEADDRUSE on Windows. A port in use throws rt::OsError("bind 127.0.0.1:<port>:
// Address already in use ...").
Socket listen_tcp(const Ipv4Address& address, int backlog);
// The address at the other end of a connected socket.
std::uint16_t peer_port(const Socket& socket);

void set_nonblocking(const Socket& socket);
// Nagle off: small writes leave at once instead of waiting for the previous one's ACK.
void set_nodelay(const Socket& socket);
// Closing the socket will send a reset (RST) instead of an orderly FIN (SO_LINGER 0).
void set_reset_on_close(const Socket& socket);
// Half-close: no more sends (the peer reads end-of-stream).
void shutdown_send(const Socket& socket);
// Ends the blocking calls that other threads are making on `socket`: shutdown both ways
// (recv returns 0, send fails); on Windows also CancelIoEx, because a blocked recv there is
// an overlapped receive that shutdown alone does not end (seen under wine). The handle
// stays open: its owner still closes it. Errors are ignored (the peer may be gone).
void shutdown_both(Handle socket) noexcept;

// The result of one non-blocking call.
struct IoResult {
  std::ptrdiff_t bytes = 0;  // >= 0 on success (0 from receive: the peer closed)
  int error = 0;             // errno or WSA error when the call failed
  bool would_block = false;  // EAGAIN/EWOULDBLOCK: try again when ready
  bool ok() const noexcept { return error == 0 && !would_block; }
};
// One send()/recv(); never raises SIGPIPE (a closed peer gives EPIPE/ECONNRESET instead).
// The Handle forms serve code that holds a socket it does not own (io_operation.hpp).
IoResult send_some(Handle socket, std::span<const std::byte> data) noexcept;
IoResult receive_some(Handle socket, std::span<std::byte> buffer) noexcept;
// One non-blocking accept on a listener (would_block: no connection waiting). The new socket,
// in `accepted`, is non-blocking, not inherited by child processes and never raises SIGPIPE.
// EMFILE/ENFILE come back as errors (is_out_of_descriptors), with the connection left in the
// backlog. Connections that died in the backlog (ECONNABORTED) are skipped.
IoResult accept_some(Handle listener, Socket& accepted) noexcept;
inline IoResult send_some(const Socket& socket, std::span<const std::byte> data) noexcept {
  return send_some(socket.handle(), data);
}
inline IoResult receive_some(const Socket& socket, std::span<std::byte> buffer) noexcept {
  return receive_some(socket.handle(), buffer);
}

// Blocking helpers for tests and the demo server; throw rt::OsError.
void send_all(const Socket& socket, std::string_view text);
// Receives until `count` bytes arrived or the peer closed.
std::string receive_exactly(const Socket& socket, std::size_t count);

// The error domain of socket errors here (errno on Unix, Winsock's codes on Windows), and
// the code of the last failed socket call on this thread.
ErrorDomain socket_error_domain() noexcept;
int last_socket_error() noexcept;
// True for the "connection reset / broken pipe" family, on any OS.
bool is_connection_reset(int error) noexcept;
// True for "connection refused": nobody listens there (ECONNREFUSED; WSAECONNREFUSED, or
// ERROR_CONNECTION_REFUSED as an IOCP ConnectEx completion reports it).
bool is_connection_refused(int error) noexcept;
// True when the process or the system is out of descriptors (EMFILE, ENFILE; WSAEMFILE,
// WSAENOBUFS).
bool is_out_of_descriptors(int error) noexcept;
// The socket error that means "timed out" (ETIMEDOUT; WSAETIMEDOUT), in socket_error_domain().
int timed_out_error() noexcept;
[[noreturn]] void throw_socket_error(std::string_view call, int code);

}  // namespace rt::poll
