// The client's payload: every message carries bytes derived from (connection, message
// number, offset), so the client can say exactly which byte came back wrong. A flipped
// byte, a lost or duplicated one (everything after it shifts) and a message delivered to the
// wrong connection or out of order all fail the comparison; the first mismatch of a message
// is reported as "connection 3, message 17, byte 5 of 64: got 0x60 '`', expected 0x61 'a'".
//
// The bytes are letters, digits, '-' and '_' (lower-case letters included, so an --upper
// server visibly changes them; the client then expects the upper-cased pattern).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace ch04 {

// Fills `message` with the pattern of (connection, message number), starting at byte
// `offset` of that message (a message may be written or checked in pieces). With `upper`,
// the expected echo of an --upper server.
void fill_pattern(std::span<std::byte> message, std::uint64_t connection, std::uint64_t number,
                  std::size_t offset = 0, bool upper = false);

// Compares `received`, which is bytes [offset, offset + size) of message `number` on
// `connection` whose total size is `message_size`, with the pattern. nullopt if they match;
// else the description of the first wrong byte.
std::optional<std::string> check_pattern(std::span<const std::byte> received,
                                         std::uint64_t connection, std::uint64_t number,
                                         std::size_t offset, std::size_t message_size,
                                         bool upper = false);

}  // namespace ch04
