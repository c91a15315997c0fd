#include "echo.hpp"

#include <algorithm>

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

void ServerStats::opened() {
  std::lock_guard lock(mutex_);
  ++counts_.accepted;
  ++counts_.open;
  changed_.notify_all();
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
  }
  changed_.notify_all();
}

void ServerStats::accept_failed() {
  std::lock_guard lock(mutex_);
  ++counts_.accept_failures;
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
