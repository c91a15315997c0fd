#include "echo_testing.hpp"

#include <thread>

namespace ch04::testing {

EchoServer start_server(const ModelUnderTest& model, ServerOptions options) {
  options.model = model.model;
  return model.factory ? EchoServer(options, *model.factory) : EchoServer(options);
}

std::string text(std::size_t size, unsigned seed) {
  static constexpr char kLetters[] =
      "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string result(size, ' ');
  std::uint32_t x = 2463534242u + seed * 7919u;
  for (auto& c : result) {
    x ^= x << 13;  // xorshift32: cheap, and no period a message size would hit
    x ^= x >> 17;
    x ^= x << 5;
    c = kLetters[x % (sizeof kLetters - 1)];
  }
  return result;
}

std::string read_until_closed(const rt::poll::Socket& socket, std::size_t limit) {
  std::string got;
  char buffer[16 * 1024];
  while (got.size() < limit) {
    auto r = rt::poll::receive_some(
        socket,
        std::as_writable_bytes(std::span(buffer, std::min(sizeof buffer, limit - got.size()))));
    if (!r.ok() || r.bytes == 0) break;
    got.append(buffer, static_cast<std::size_t>(r.bytes));
  }
  return got;
}

std::string echo_once(std::uint16_t port, const std::string& message) {
  auto socket = rt::poll::connect_loopback(port);
  std::thread writer([&] {
    rt::poll::send_all(socket, message);
    rt::poll::shutdown_send(socket);
  });
  std::string got = read_until_closed(socket);
  writer.join();
  return got;
}

}  // namespace ch04::testing
