// make_context, switch_context, exit_context, destroy_context: the C++ side of the
// assembly routine. The only code here beyond calling it is the start record (how a new
// context learns what to run), the checks that turn misuse into a message, and the
// sanitizer hooks (no-ops unless sanitizing).
#include "rt/fiber/context.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <utility>

#include "first_frame.hpp"
#include "rt/fiber/stack.hpp"

namespace rt::fiber {

void detail::context_misuse(const char* message) {
  std::fprintf(stderr, "rt::fiber: %s\n", message);
  std::abort();
}

namespace {

// Placed at the top of a new context's stack by make_context; the first frame goes below.
struct StartRecord {
  ContextStart start;
  void* argument;
};

// Every new context begins here (the trampoline calls it). The libaco-style "protector":
// a start function that returns has nowhere to return to, so say so loudly and stop.
void start_context(void* record_address) {
  auto* record = static_cast<StartRecord*>(record_address);
  detail::sanitizer_after_switch(nullptr);  // a new context: nothing of its own yet
  record->start(record->argument);
  detail::context_misuse(
      "the start function of a context returned; it must end with exit_context()");
}

// Takes the saved stack pointer of `to`, which must be suspended.
void* take_resume_point(Context& to, const char* running_message, const char* exited_message) {
  if (to.stack_pointer == nullptr) detail::context_misuse(running_message);
  if (to.stack_pointer == detail::exited_marker()) detail::context_misuse(exited_message);
  return std::exchange(to.stack_pointer, nullptr);
}

Context make_context_on(std::span<std::byte> stack, detail::StackExtent extent, ContextStart start,
                        void* argument) {
  static_assert(kMinimumStackSize == 16 * 1024, "the message below states the minimum");
  if (stack.size() < kMinimumStackSize)
    detail::context_misuse("make_context: a stack needs at least 16 KiB");
  detail::choose_control_word_load();
  Context context;
  // First: under ASan this clears what an exited context left poisoned on these addresses,
  // which the writes below must not trip over.
  detail::sanitizer_on_make(context, stack.data(), stack.size());
  std::byte* high = stack.data() + stack.size();
  auto record_at = (reinterpret_cast<std::uintptr_t>(high) - sizeof(StartRecord)) &
                   ~std::uintptr_t{alignof(std::max_align_t) - 1};
  auto* record = ::new (reinterpret_cast<void*>(record_at)) StartRecord{start, argument};
  context.stack_pointer = detail::build_first_frame(
      stack.data(), reinterpret_cast<std::byte*>(record_at), extent, &start_context, record);
  return context;
}

}  // namespace

// A buffer: committed throughout, and nothing below it belongs to it.
Context make_context(std::span<std::byte> stack, ContextStart start, void* argument) {
  return make_context_on(stack, {stack.data(), stack.data()}, start, argument);
}

Context make_context(const Stack& stack, ContextStart start, void* argument) {
  return make_context(stack, 0, start, argument);
}

Context make_context(const Stack& stack, std::size_t kept, ContextStart start, void* argument) {
  const std::span<std::byte> usable = stack.usable();
  if (kept % 64 != 0 || kept > usable.size()) {
    detail::context_misuse(
        "make_context: the bytes kept at a stack's top must be a multiple "
        "of 64, and fewer than the stack has");
  }
  return make_context_on(usable.first(usable.size() - kept),
                         {stack.top() - stack.reserved_size(), stack.committed_low()}, start,
                         argument);
}

void exit_context(Context& from, Context& to) {
  if (from.stack_pointer != nullptr)
    detail::context_misuse("exit_context: `from` is not the running context");
  void* target = take_resume_point(to, "exit_context: the target context is running",
                                   "exit_context: the target context has exited");
  from.stack_pointer = detail::exited_marker();
  void* never_resumed;  // the stack pointer is saved where no one can find it
  detail::switch_stacks(from, to, &never_resumed, target, true);
  detail::context_misuse("exit_context: a context that exited was resumed");
}

void destroy_context(Context& context) {
  detail::sanitizer_on_destroy(context);
  context.stack_pointer = nullptr;
}

const char* to_string(ControlWordLoad policy) noexcept {
  return policy == ControlWordLoad::always ? "always" : "when different";
}

}  // namespace rt::fiber
