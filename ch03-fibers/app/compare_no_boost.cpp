// Without -DRT_COMPARE_BOOST_CONTEXT=ON (or without Boost.Context installed): no fcontext row.
#include "compare.hpp"

namespace ch03 {

Comparison boost_fcontext_round_trip_ns(std::uint64_t) {
  return {std::nullopt, "n/a: configure with -DRT_COMPARE_BOOST_CONTEXT=ON (needs Boost.Context)"};
}

}  // namespace ch03
