// Boost.Context's fcontext round trip: jump_fcontext there and back. Built only with
// -DRT_COMPARE_BOOST_CONTEXT=ON (CMakeLists.txt); the reference reviewers use.
#include <boost/context/detail/fcontext.hpp>
#include <memory>

#include "compare.hpp"
#include "rt/clock.hpp"

namespace ch03 {

namespace {
namespace fc = boost::context::detail;

void bounce(fc::transfer_t transfer) {
  for (;;) transfer = fc::jump_fcontext(transfer.fctx, nullptr);
}
}  // namespace

Comparison boost_fcontext_round_trip_ns(std::uint64_t round_trips) {
  constexpr std::size_t kStackSize = 64 * 1024;
  auto stack = std::make_unique<std::byte[]>(kStackSize);
  fc::fcontext_t bouncer = fc::make_fcontext(stack.get() + kStackSize, kStackSize, &bounce);
  bouncer = fc::jump_fcontext(bouncer, nullptr).fctx;  // first entry, not timed
  rt::Stopwatch clock;
  for (std::uint64_t i = 0; i < round_trips; ++i) {
    bouncer = fc::jump_fcontext(bouncer, nullptr).fctx;
  }
  auto ns = static_cast<double>(clock.elapsed_ns());
  return {ns / static_cast<double>(round_trips)};
}

}  // namespace ch03
