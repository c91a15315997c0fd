#include "rt/testing.hpp"

#include <future>
#include <regex>
#include <thread>

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

bool stop_returns_with_no_descriptor_free(const std::function<void()>& fill,
                                          const std::function<void()>& stop,
                                          const std::function<void()>& release) {
  // The promises' shared state is first used here, while descriptors are free: UBSan checks
  // it on first use too.
  {
    std::promise<void> warm_up;
    warm_up.set_value();
    warm_up.get_future().wait();
  }
  std::promise<void> running;
  std::promise<void> go;
  std::promise<void> stopped;
  std::promise<void> released;  // the thread ends (UBSan checks that too) once there are fds
  auto go_future = go.get_future();
  auto stopped_future = stopped.get_future();
  auto released_future = released.get_future();
  std::thread stopper([&] {
    running.set_value();
    go_future.wait();
    stop();
    stopped.set_value();
    released_future.wait();
  });
  running.get_future().wait();  // its start-up is behind it
  fill();
  go.set_value();
  bool in_time = stopped_future.wait_for(kPatience) == std::future_status::ready;
  release();  // lets a hung stop end, so the test can
  released.set_value();
  stopper.join();
  return in_time;
}

}  // namespace rt::testing
