// The chapter's command line, run in-process, for the tests of the commands.
#pragma once

#include <string>
#include <vector>

#include "demos.hpp"
#include "rt/testing.hpp"

namespace ch04::testing {

inline rt::testing::RunResult run(const std::vector<std::string>& args) {
  return rt::testing::run(program(), args);
}

}  // namespace ch04::testing
