// A context for the tests of the lowest layer: it runs `body` on its own stack, goes back and
// forth with the thread through resume() and suspend(), and exits when body returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "rt/fiber/context.hpp"
#include "rt/fiber/stack.hpp"

namespace ch03::testing {

// Stores the address of a 16-byte-aligned local. Not inlined, so its frame is laid out from
// the stack pointer the ABI promised on entry: a test checks the address's alignment.
[[gnu::noinline]] inline void address_of_aligned_local(std::uintptr_t* address) {
  alignas(16) volatile char local[16] = {};
  *address = reinterpret_cast<std::uintptr_t>(&local[0]);
}

struct Child {
  // `kept`: bytes at the stack's top the context must leave alone (make_context's overload).
  explicit Child(void (*body)(Child&), std::size_t stack_size = 64 * 1024, std::size_t kept = 0)
      : stack(stack_size), body(body) {
    context = kept == 0 ? rt::fiber::make_context(stack, &Child::start, this)
                        : rt::fiber::make_context(stack, kept, &Child::start, this);
  }
  ~Child() { rt::fiber::destroy_context(context); }
  static void start(void* self) {
    auto* child = static_cast<Child*>(self);
    child->body(*child);
    child->finished = true;
    rt::fiber::exit_context(child->context, child->parent);
  }
  void resume() { rt::fiber::switch_context(parent, context); }
  void suspend() { rt::fiber::switch_context(context, parent); }

  rt::fiber::Stack stack;
  void (*body)(Child&);
  rt::fiber::Context parent;
  rt::fiber::Context context;
  bool finished = false;
  std::string trace;
  std::uintptr_t value = 0;
};

}  // namespace ch03::testing
