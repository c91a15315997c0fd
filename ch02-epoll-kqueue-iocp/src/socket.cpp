// The parts of the loopback socket helpers that are the same on every OS.
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "rt/poll/socket.hpp"

namespace rt::poll {

std::pair<Socket, Socket> connected_pair() {
  Socket listener = listen_loopback(0, 1);
  Socket client = connect_loopback(local_port(listener));
  Socket server = accept_connection(listener);
  return {std::move(client), std::move(server)};
}

void send_all(const Socket& socket, std::string_view text) {
  auto data = std::as_bytes(std::span(text.data(), text.size()));
  while (!data.empty()) {
    IoResult r = send_some(socket, data);
    if (r.would_block) throw std::logic_error("send_all needs a blocking socket");
    if (r.error != 0) throw_socket_error("send", r.error);
    data = data.subspan(static_cast<std::size_t>(r.bytes));
  }
}

std::string receive_exactly(const Socket& socket, std::size_t count) {
  std::string text(count, '\0');
  std::size_t received = 0;
  while (received < count) {
    auto buffer = std::as_writable_bytes(std::span(text.data() + received, count - received));
    IoResult r = receive_some(socket, buffer);
    if (r.would_block) throw std::logic_error("receive_exactly needs a blocking socket");
    if (r.error != 0) throw_socket_error("recv", r.error);
    if (r.bytes == 0) break;  // the peer closed
    received += static_cast<std::size_t>(r.bytes);
  }
  text.resize(received);
  return text;
}

void throw_socket_error(std::string_view call, int code) {
  throw OsError(call, code, socket_error_domain());
}

}  // namespace rt::poll
