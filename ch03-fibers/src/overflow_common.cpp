// The platform-independent half of overflow reporting: which fiber runs on this thread,
// and the message, built without allocating (it is written from a signal handler).
#include <cstdint>

#include "overflow.hpp"
#include "rt/fiber/scheduler.hpp"

namespace rt::fiber::detail {

namespace {

// Written by this thread's scheduler, read by a fault handler on this same thread.
thread_local const Fiber* running = nullptr;

class MessageWriter {
 public:
  MessageWriter(char* buffer, std::size_t size)
      : at_(buffer), begin_(buffer), end_(buffer + size) {}
  void text(const char* s, std::size_t length) {
    for (std::size_t i = 0; i < length && at_ < end_; ++i) *at_++ = s[i];
  }
  void text(const char* s) {
    while (*s != '\0' && at_ < end_) *at_++ = *s++;
  }
  void number(std::uintptr_t value, unsigned base) {
    char digits[2 * sizeof value + 1];
    std::size_t count = 0;
    do {
      digits[count++] = "0123456789abcdef"[value % base];
      value /= base;
    } while (value != 0);
    while (count > 0 && at_ < end_) *at_++ = digits[--count];
  }
  std::size_t length() const { return static_cast<std::size_t>(at_ - begin_); }

 private:
  char* at_;
  char* begin_;
  char* end_;
};

}  // namespace

void set_running_fiber(const Fiber* fiber) noexcept {
  running = fiber;
}

const Fiber* running_fiber() noexcept {
  return running;
}

const Fiber* fiber_overflowing_at(const void* address) noexcept {
  const Fiber* fiber = running;
  return fiber != nullptr && fiber->stack().is_guard_address(address) ? fiber : nullptr;
}

std::size_t format_overflow_message(char* buffer, std::size_t size, const Fiber& fiber,
                                    const void* address) noexcept {
  MessageWriter message(buffer, size);
  message.text("rt::fiber: fiber \"");
  message.text(fiber.name().data(), fiber.name().size());
  message.text("\" overflowed its stack (");
  message.number(fiber.stack_size() / 1024, 10);
  message.text(" KiB): fault at 0x");
  message.number(reinterpret_cast<std::uintptr_t>(address), 16);
  if (fiber.stack().is_guard_address(address)) {
    message.text(", in its guard page\n");
  } else {
    // Windows only (overflow_win32.cpp): the kernel refused to grow the stack before its
    // bottom, because the thread's stack guarantee is larger than the fiber's reserve
    // (SetThreadStackGuarantee) or because it could not commit the next page.
    message.text(", ");
    message.number(
        static_cast<std::uintptr_t>(fiber.stack().top() - static_cast<const std::byte*>(address)) /
            1024,
        10);
    message.text(
        " KiB below its top: the OS would not grow it further (a thread stack "
        "guarantee larger than the fiber's reserve, or the system out of commit)\n");
  }
  return message.length();
}

}  // namespace rt::fiber::detail
