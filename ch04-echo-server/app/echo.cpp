#include "echo.hpp"

#include <algorithm>
#include <cerrno>
#include <new>
#include <stdexcept>

#include "rt/error.hpp"

#include "rt/fiber/stack.hpp"

namespace ch04 {

const char* to_string(Model model) noexcept {
  switch (model) {
    case Model::threads:
      return "threads";
    case Model::events:
      return "events";
    case Model::fibers:
      return "fibers";
  }
  return "?";
}

void to_upper_ascii(std::span<std::byte> bytes) noexcept {
  for (std::byte& b : bytes) {
    auto c = static_cast<unsigned char>(b);
    if (c >= 'a' && c <= 'z') b = static_cast<std::byte>(c - 'a' + 'A');
  }
}

std::chrono::milliseconds Backoff::next(std::chrono::milliseconds current) const noexcept {
  return std::min(current * 2, max);
}

std::size_t Backoff::max_attempts(std::chrono::milliseconds elapsed) const noexcept {
  std::size_t attempts = 1;
  std::chrono::milliseconds waited{0};
  for (auto wait = first; waited + wait <= elapsed; wait = next(wait)) {
    waited += wait;
    ++attempts;
  }
  return attempts;
}

const char* describe_failure(const std::exception& error) noexcept {
  if (const auto* os = dynamic_cast<const rt::OsError*>(&error)) {
    // The runtime_error's message, "call: OS text (errno N)": StackRefused overrides what()
    // with advice that the log does not need on every line.
    return os->std::runtime_error::what();
  }
  if (dynamic_cast<const std::bad_alloc*>(&error) != nullptr) return "out of memory (bad_alloc)";
  return error.what();
}

void FaultInjection::fail_next(Site site, int times, int error) {
  std::lock_guard lock(mutex_);
  switch (site) {
    case Site::accept:
      accept_failures_ = times;
      accept_error_ = error;
      break;
    case Site::buffer:
      buffer_failures_ = times;
      break;
    case Site::stack:
      stack_failures_ = times;
      break;
  }
}

void FaultInjection::visit(Site site) {
  std::unique_lock lock(mutex_);
  switch (site) {
    case Site::accept:
      if (accept_failures_ > 0) {
        --accept_failures_;
        const int error = accept_error_;
        lock.unlock();
        throw rt::OsError("accept", error, rt::ErrorDomain::errno_value);
      }
      break;
    case Site::buffer:
      if (buffer_failures_ > 0) {
        --buffer_failures_;
        throw std::bad_alloc();
      }
      break;
    case Site::stack:
      if (stack_failures_ > 0) {
        --stack_failures_;
        lock.unlock();
        throw rt::fiber::StackRefused(rt::OsError("mmap", ENOMEM, rt::ErrorDomain::errno_value),
                                      64 * 1024, rt::fiber::StackGuard::page);
      }
      break;
  }
}

void ServerStats::opened() {
  std::lock_guard lock(mutex_);
  ++counts_.accepted;
  ++counts_.open;
  if (accept_failing_since_) {
    log("accepting again after {} failed accepts\n",
        counts_.accept_failures - *accept_failing_since_);
  }
  accept_failing_since_.reset();
  changed_.notify_all();
}

void ServerStats::refuse(std::string_view why) noexcept {
  std::lock_guard lock(mutex_);
  --counts_.open;
  ++counts_.refused;
  if (!refusing_since_) {
    refusing_since_ = counts_.refused - 1;
    refusing_hint_.store(true, std::memory_order_relaxed);  // relaxed: see the declaration
    log("refusing connections: {}; closing each one that cannot be served\n", why);
  }
  changed_.notify_all();
}

void ServerStats::ready() noexcept {
  if (!refusing_hint_.load(std::memory_order_relaxed)) return;  // relaxed: a hint
  std::lock_guard lock(mutex_);
  if (!refusing_since_) return;
  log("serving again after {} refused connections\n", counts_.refused - *refusing_since_);
  refusing_since_.reset();
  refusing_hint_.store(false, std::memory_order_relaxed);
}

void ServerStats::closed(End how) {
  std::lock_guard lock(mutex_);
  --counts_.open;
  switch (how) {
    case End::finished:
      break;
    case End::reset:
      ++counts_.resets;
      break;
    case End::idle_timeout:
      ++counts_.idle_timeouts;
      break;
    case End::stopped:
      ++counts_.closed_by_stop;
      break;
    case End::refused:
      ++counts_.refused;
      break;
  }
  changed_.notify_all();
}

void ServerStats::accept_failed(std::string_view why) noexcept {
  std::lock_guard lock(mutex_);
  ++counts_.accept_failures;
  if (!accept_failing_since_) {
    accept_failing_since_ = counts_.accept_failures - 1;
    log("accept failing: {}; backing off\n", why);
  }
  changed_.notify_all();
}

ServerStats::Counts ServerStats::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

bool ServerStats::wait_until(const std::function<bool(const Counts&)>& condition,
                             std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return condition(counts_); });
}

}  // namespace ch04
