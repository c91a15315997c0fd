// A progress line for long runs: "spawning threads  1200/5000  24%", redrawn in place on
// stderr at most ten times a second, and erased when done. Silent when stderr is not a
// terminal (CI logs, pipes, tests), so it never mixes into output that is checked.
#pragma once

#include <cstdint>
#include <string>

#include "rt/clock.hpp"

namespace rt {

class Progress {
 public:
  // total == 0: unknown total; only the count is shown.
  Progress(std::string label, std::uint64_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Reports `done` units finished; cheap enough to call on every unit.
  void update(std::uint64_t done);
  // Erases the line (also done by the destructor).
  void finish();

 private:
  std::string label_;
  std::uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::int64_t last_draw_ns_ = 0;
};

}  // namespace rt
