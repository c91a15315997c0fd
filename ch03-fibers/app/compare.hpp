// What the bench compares our switch against, each in its own file chosen in
// CMakeLists.txt: ucontext's swapcontext (compare_ucontext.cpp, Linux only: POSIX dropped
// it, macOS deprecates it, Windows never had it) and, when configured with
// -DRT_COMPARE_BOOST_CONTEXT=ON and Boost.Context is installed, Boost's fcontext
// (compare_boost_fcontext.cpp). The project never depends on Boost: without the option
// compare_none.cpp stands in, and the bench prints "n/a" with the reason.
#pragma once

#include <cstdint>
#include <optional>

namespace ch03 {

struct Comparison {
  std::optional<double> round_trip_ns;  // nullopt: not measured here
  const char* why_not = "";             // when not measured
};

// Two contexts switch back and forth `round_trips` times: mean ns per round trip (two
// switches), like context_round_trip_ns (measure.hpp).
Comparison swapcontext_round_trip_ns(std::uint64_t round_trips);
Comparison boost_fcontext_round_trip_ns(std::uint64_t round_trips);

}  // namespace ch03
