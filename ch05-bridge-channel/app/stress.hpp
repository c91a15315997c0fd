// `stress`: exactly once across every mode at once (demos.hpp has the command). Four channels
// run together: thread senders into fibers of loop A (T2C), fibers of loop B into thread
// receivers (C2T), fibers of loop A into fibers of loop B (FiberOnAnyLoop on both sides: two
// loops), and threads into threads (T2T). Sends and receives carry short deadlines and stop
// tokens that another thread triggers mid-run; each channel is closed after about 90% of its
// share was sent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ch05 {

struct StressOptions {
  std::uint64_t messages = 10'000'000;  // attempted sends, over all four channels
  std::size_t capacity = 64;
};

struct StressChannelReport {
  std::string name;              // "T2C: 2 threads -> 2 fibers (loop A)"
  std::uint64_t sent_ok = 0;     // sends that returned ok
  std::uint64_t received = 0;    // values received
  std::uint64_t duplicates = 0;  // values received more than once
  std::uint64_t missing = 0;     // values sent ok and never received
  std::uint64_t strays = 0;      // values received whose send did not return ok
  std::uint64_t gave_up = 0;     // sends and receives that timed out or were cancelled
};

struct StressReport {
  std::vector<StressChannelReport> channels;
  double seconds = 0;
  bool exactly_once() const;
};

StressReport stress_channels(const StressOptions& options);

}  // namespace ch05
