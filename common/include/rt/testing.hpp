// Test support: run a chapter executable's command line in-process and capture what it
// printed, so each demo's output is checked by a test (STYLE.md rule 19).
#pragma once

#include <string>
#include <vector>

#include "rt/cli.hpp"

namespace rt::testing {

struct RunResult {
  int status;       // the exit status main() would return
  std::string out;  // what it printed to stdout
  std::string err;  // and to stderr
};

RunResult run(const cli::Program& program, const std::vector<std::string>& args);

// True if `pattern` (ECMAScript syntax) matches somewhere in `text`. GoogleTest's own
// ContainsRegex uses POSIX regexes on Linux but a tiny "simple regex" on Windows that has no
// [character classes]; tests that run on every OS use this instead.
bool contains_regex(const std::string& text, const std::string& pattern);

}  // namespace rt::testing
