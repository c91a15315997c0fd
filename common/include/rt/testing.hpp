// Test support: run a chapter executable's command line in-process and capture what it
// printed, so each demo's output is checked by a test (STYLE.md rule 19).
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "rt/cli.hpp"

namespace rt::testing {

// A handshake's upper bound: never reached when the code works, long enough for qemu and
// wine on a loaded machine, and short of ctest's TIMEOUT so a lost wakeup fails with a
// message instead of a killed process.
inline constexpr std::chrono::seconds kPatience{30};

struct RunResult {
  int status;       // the exit status main() would return
  std::string out;  // what it printed to stdout
  std::string err;  // and to stderr
};

RunResult run(const cli::Program& program, const std::vector<std::string>& args);

// A command line the program must refuse, and the word its error message must name.
struct Refusal {
  std::vector<std::string> args;
  std::string mentions;
};

// Runs each refusal: the program must exit with cli::kUsageError (2), name `mentions` on stderr,
// and print nothing on stdout (a refused command must not run). Returns a description of every
// refusal that did not hold, empty if all did: EXPECT_EQ(refusal_failures(...), "").
std::string refusal_failures(const cli::Program& program, std::span<const Refusal> refusals);

// `--help` succeeds and names every one of `commands`. Returns what is missing, or "".
std::string help_failures(const cli::Program& program, std::span<const char* const> commands);

// True if `pattern` (ECMAScript syntax) matches somewhere in `text`. GoogleTest's own
// ContainsRegex uses POSIX regexes on Linux but a tiny "simple regex" on Windows that has no
// [character classes]; tests that run on every OS use this instead.
bool contains_regex(const std::string& text, const std::string& pattern);

// Why a test that leaves no file descriptor free cannot run in this build, or nullptr if it
// can. Clang's UBSan (the asan preset) checks an object's dynamic type, the first time it
// meets that type at a given place, by probing the object's memory through a pipe; with no
// descriptor free the pipe fails and the check reports undefined behaviour that is not
// there. GCC's UBSan passes these tests once warmed up; every other preset runs them.
//   if (const char* why = rt::testing::descriptor_exhaustion_unsupported()) GTEST_SKIP() << why;
const char* descriptor_exhaustion_unsupported();

// Whether `stop` returns within kPatience while the process has no descriptor free: how a
// server's stop must behave when it cannot open the connection it would wake itself with.
// `stop` runs on a thread started (and seen to start, which UBSan checks) while descriptors
// are free; then `fill` takes every free descriptor, and `stop` is released. `release` frees
// them again before the thread is joined, also when `stop` hung, so the test can end.
bool stop_returns_with_no_descriptor_free(const std::function<void()>& fill,
                                          const std::function<void()>& stop,
                                          const std::function<void()>& release);

}  // namespace rt::testing
