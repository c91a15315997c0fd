// Lab ch03-stack: a fiber's stack on Linux and macOS. This stub compiles and links, so the
// rest of chapter 3 builds; allocating a stack stops the process with a pointer to the
// lab's README. Write Stack::allocate and Stack::release (README.md, "Steps").
#include <cerrno>

#include "rt/error.hpp"
#include "rt/fiber/stack.hpp"
#include "rt/lab.hpp"

namespace rt::fiber {

namespace {
constexpr const char* kLabReadme = "ch03-fibers/labs/ch03-stack/README.md";
constexpr const char* kSlabsAreGiven =
    "StackPool's slabs (not part of this lab: src/stack_posix.cpp has them)";
}  // namespace

namespace detail {
// Given: how a refused mapping is recognised (stack_common.cpp names the limit then).
bool is_refusal_for_lack_of_memory(const rt::OsError& error) noexcept {
  return error.domain() == ErrorDomain::errno_value && error.code() == ENOMEM;
}

// Given, and not part of this lab: StackPool's slabs (several stacks carved from one mapping,
// src/stack_posix.cpp), which chapter 6's workers use. The lab's tests use pools of single
// stacks; a pool asked for slabs stops the process here.
struct StackSlab {};
StackSlab* new_slab(std::size_t /*usable_size*/, StackGuard /*guard*/, std::size_t /*count*/) {
  lab_not_implemented(kLabReadme, kSlabsAreGiven);
}
bool slab_has_room(const StackSlab& /*slab*/) noexcept {
  return false;
}
void unref_slab(StackSlab* /*slab*/) noexcept {}
}  // namespace detail

Stack Stack::carve(detail::StackSlab& /*slab*/) {
  lab_not_implemented(kLabReadme, kSlabsAreGiven);
}

void Stack::allocate(std::size_t /*usable_size*/) {
  lab_not_implemented(kLabReadme, "rt::fiber::Stack::allocate");
}

// Given: nothing to record on Linux or macOS (only Windows contexts carry a committed bound).
void Stack::record_committed_low() noexcept {}

void Stack::release() noexcept {
  // Called by the destructor of every Stack, including one that was never allocated.
  if (allocation_ == nullptr) return;
  lab_not_implemented(kLabReadme, "rt::fiber::Stack::release");
}

}  // namespace rt::fiber
