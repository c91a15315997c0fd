#include "peer.hpp"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>

namespace ch04 {

Peer parse_peer(const std::string& text) {
  auto equals = text.find('=');
  if (equals == std::string::npos) {
    throw std::invalid_argument(fmt::format("'{}' is not NAME=PORT (for example go=7003)", text));
  }
  std::string name = text.substr(0, equals);
  std::string port = text.substr(equals + 1);
  if (name.empty()) {
    throw std::invalid_argument(fmt::format("'{}': the name before '=' is empty", text));
  }
  unsigned value = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || value < 1 ||
      value > 65535) {
    throw std::invalid_argument(
        fmt::format("'{}': the port must be a number from 1 to 65535", text));
  }
  return {std::move(name), static_cast<std::uint16_t>(value)};
}

}  // namespace ch04
