#include "rt/testing.hpp"

namespace rt::testing {

RunResult run(const cli::Program& program, const std::vector<std::string>& args) {
  RunResult result{};
  Output out(&result.out);
  Output err(&result.err);
  result.status = cli::run(program, args, out, err);
  return result;
}

}  // namespace rt::testing
