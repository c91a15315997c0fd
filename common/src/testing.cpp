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

std::string refusal_failures(const cli::Program& program, std::span<const Refusal> refusals) {
  std::string failures;
  for (const auto& refusal : refusals) {
    std::string command;
    for (const auto& arg : refusal.args) command += (command.empty() ? "" : " ") + arg;
    auto r = run(program, refusal.args);
    if (r.status != cli::kUsageError) {
      failures += "'" + command + "' exited " + std::to_string(r.status) + ", not " +
                  std::to_string(cli::kUsageError) + "\n";
    }
    if (r.err.find(refusal.mentions) == std::string::npos) {
      failures += "'" + command + "' did not name " + refusal.mentions + ": " + r.err + "\n";
    }
    if (!r.out.empty()) failures += "'" + command + "' ran and printed: " + r.out + "\n";
  }
  return failures;
}

std::string help_failures(const cli::Program& program, std::span<const char* const> commands) {
  auto r = run(program, {"--help"});
  std::string failures;
  if (r.status != 0) failures += "--help exited " + std::to_string(r.status) + "\n";
  for (const char* command : commands) {
    if (r.out.find(command) == std::string::npos)
      failures += std::string("--help lacks ") + command + "\n";
  }
  return failures;
}

bool contains_regex(const std::string& text, const std::string& pattern) {
  return std::regex_search(text, std::regex(pattern));
}

const char* descriptor_exhaustion_unsupported() {
#if defined(__clang__) && defined(RT_SANITIZE_ADDRESS)
  return "clang's UBSan probes memory through a pipe on a first dynamic type check, which "
         "fails with no descriptor free (runs under every other preset)";
#else
  return nullptr;
#endif
}

}  // namespace rt::testing
