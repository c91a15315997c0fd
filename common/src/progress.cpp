#include "rt/progress.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "rt/terminal.hpp"

namespace rt {

namespace {
constexpr std::int64_t kRedrawIntervalNs = 100'000'000;  // 10 redraws a second reads as live
}

Progress::Progress(std::string label, std::uint64_t total)
    : label_(std::move(label)), total_(total), enabled_(is_terminal(stderr)) {}

Progress::~Progress() {
  finish();
}

void Progress::update(std::uint64_t done) {
  if (!enabled_) return;
  std::int64_t now = now_ns();
  if (drawn_ && now - last_draw_ns_ < kRedrawIntervalNs && done != total_) return;
  last_draw_ns_ = now;
  drawn_ = true;
  if (total_ > 0) {
    fmt::print(stderr, "\r{}  {}/{}  {:3.0f}%\x1b[K", label_, done, total_,
               100.0 * static_cast<double>(done) / static_cast<double>(total_));
  } else {
    fmt::print(stderr, "\r{}  {}\x1b[K", label_, done);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (!drawn_) return;
  drawn_ = false;
  fmt::print(stderr, "\r\x1b[K");
  std::fflush(stderr);
}

}  // namespace rt
