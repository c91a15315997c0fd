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

}  // namespace rt::testing
