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

Ipv4Address parse_ipv4(std::string_view host, std::uint16_t port) {
  if (host == "localhost") return {0x7F000001u, port};
  std::uint32_t value = 0;
  std::size_t position = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (position >= host.size() || host[position] != '.') break;
      ++position;
    }
    std::size_t digits = 0;
    std::uint32_t octet = 0;
    while (position < host.size() && host[position] >= '0' && host[position] <= '9' && digits < 3) {
      octet = octet * 10 + static_cast<std::uint32_t>(host[position] - '0');
      ++position;
      ++digits;
    }
    if (digits == 0 || octet > 255) break;
    value = (value << 8) | octet;
    if (part == 3 && position == host.size()) return {value, port};
  }
  throw std::invalid_argument(fmt::format("not a numeric IPv4 address (or localhost): '{}'", host));
}

std::string to_string(const Ipv4Address& address) {
  return fmt::format("{}.{}.{}.{}:{}", address.host >> 24, (address.host >> 16) & 0xFF,
                     (address.host >> 8) & 0xFF, address.host & 0xFF, address.port);
}

void throw_socket_error(std::string_view call, int code) {
  throw OsError(call, code, socket_error_domain());
}

}  // namespace rt::poll
