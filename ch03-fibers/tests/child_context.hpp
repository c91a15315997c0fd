// A context for the tests of the lowest layer: it runs `body` on its own stack, goes back and
// forth with the thread through resume() and suspend(), and exits when body returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "rt/fiber/context.hpp"
#include "rt/fiber/stack.hpp"

namespace ch03::testing {

struct Child {
  explicit Child(void (*body)(Child&), std::size_t stack_size = 64 * 1024)
      : stack(stack_size), body(body) {
    context = rt::fiber::make_context(stack, &Child::start, this);
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
