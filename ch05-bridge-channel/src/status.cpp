#include "rt/chan/status.hpp"

#include <chrono>
#include <cstdint>

#include "rt/chan/select.hpp"

namespace rt::chan {

const char* to_string(Status status) noexcept {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::closed:
      return "closed";
    case Status::timed_out:
      return "timed out";
    case Status::cancelled:
      return "cancelled";
    case Status::full:
      return "full";
    case Status::empty:
      return "empty";
    case Status::dropped:
      return "dropped";
  }
  return "?";
}

namespace detail {
std::uint64_t next_random() noexcept {
  // Seeded per thread from the clock and the state's own address, so two threads differ.
  thread_local std::uint64_t state =
      (static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
       reinterpret_cast<std::uintptr_t>(&state)) |
      1;
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}
}  // namespace detail

}  // namespace rt::chan
