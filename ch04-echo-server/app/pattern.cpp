#include "pattern.hpp"

#include <fmt/format.h>

namespace ch04 {

namespace {

constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
static_assert(sizeof kAlphabet == 64 + 1);

// SplitMix64's finaliser: consecutive inputs give unrelated outputs.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

// Byte `offset` of message `number` on `connection`: 6 bits of one 64-bit hash per 8 bytes.
unsigned char pattern_byte(std::uint64_t connection, std::uint64_t number, std::size_t offset,
                           bool upper) {
  std::uint64_t block = mix(mix(connection * 0x100000001b3 + number) + offset / 8);
  auto c = static_cast<unsigned char>(kAlphabet[(block >> ((offset % 8) * 6)) & 63]);
  if (upper && c >= 'a' && c <= 'z') c = static_cast<unsigned char>(c - 'a' + 'A');
  return c;
}

std::string show(unsigned char c) {
  if (c >= 0x20 && c < 0x7f) return fmt::format("0x{:02x} '{}'", c, static_cast<char>(c));
  return fmt::format("0x{:02x}", c);
}

}  // namespace

void fill_pattern(std::span<std::byte> message, std::uint64_t connection, std::uint64_t number,
                  std::size_t offset, bool upper) {
  for (std::size_t i = 0; i < message.size(); ++i) {
    message[i] = static_cast<std::byte>(pattern_byte(connection, number, offset + i, upper));
  }
}

std::optional<std::string> check_pattern(std::span<const std::byte> received,
                                         std::uint64_t connection, std::uint64_t number,
                                         std::size_t offset, std::size_t message_size, bool upper) {
  for (std::size_t i = 0; i < received.size(); ++i) {
    auto expected = pattern_byte(connection, number, offset + i, upper);
    auto got = static_cast<unsigned char>(received[i]);
    if (got != expected) {
      return fmt::format("connection {}, message {}, byte {} of {}: got {}, expected {}",
                         connection, number, offset + i, message_size, show(got), show(expected));
    }
  }
  return std::nullopt;
}

}  // namespace ch04
