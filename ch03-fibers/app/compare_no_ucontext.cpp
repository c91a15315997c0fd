// Where ucontext does not exist (Windows) or is deprecated (macOS): nothing to compare.
#include "compare.hpp"

namespace ch03 {

Comparison swapcontext_round_trip_ns(std::uint64_t) {
  return {std::nullopt,
          "n/a: ucontext is Linux-only here (deprecated on macOS, absent on Windows)"};
}

}  // namespace ch03
