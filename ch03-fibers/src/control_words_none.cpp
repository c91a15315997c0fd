// ARM64 has no control-word policy to choose (context.hpp, ControlWordLoad): AAPCS64 leaves
// FPCR to the thread, and the Windows ARM64 switch always loads it. The policy is recorded
// so that the interface is the same everywhere; it changes nothing.
#include "first_frame.hpp"
#include "rt/fiber/context.hpp"

namespace rt::fiber {

namespace {
ControlWordLoad recorded = ControlWordLoad::when_different;
}  // namespace

void detail::choose_control_word_load() noexcept {}

ControlWordLoad control_word_load() noexcept {
  return recorded;
}

void set_control_word_load(ControlWordLoad policy) noexcept {
  recorded = policy;
}

}  // namespace rt::fiber
