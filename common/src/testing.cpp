#include "rt/testing.hpp"

#include <regex>

namespace rt::testing {

RunResult run(const cli::Program& program, const std::vector<std::string>& args) {
  RunResult result{};
  Output out(&result.out);
  Output err(&result.err);
  result.status = cli::run(program, args, out, err);
  return result;
}

bool contains_regex(const std::string& text, const std::string& pattern) {
  return std::regex_search(text, std::regex(pattern));
}

}  // namespace rt::testing
