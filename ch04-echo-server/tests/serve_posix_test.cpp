// `serve` as the executable runs it (rt::cli::main), in a child process: stopped by SIGTERM
// or SIGHUP exactly as by Ctrl-C, and unharmed by a stdout whose reader has gone. Unix only:
// Windows has neither these signals nor fork.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "demos.hpp"
#include "rt/cli.hpp"
#include "rt/terminal.hpp"

namespace {

// Runs `serve` through rt::cli::main in a forked child whose stdout is a pipe whose reader
// has already gone, sends `stop` to it (unless 0), and returns its wait status.
int serve_in_child_with_closed_stdout(std::vector<std::string> args, int stop) {
  int ends[2];
  if (::pipe(ends) != 0) return -1;
  int ready[2];  // the child writes one byte once its handlers are installed
  if (::pipe(ready) != 0) return -1;
  ::close(ends[0]);
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(ends[1], STDOUT_FILENO);
    ::close(ready[0]);
    std::vector<char*> argv{const_cast<char*>("ch04-echo-server")};
    for (auto& arg : args) argv.push_back(arg.data());
    // The stop handler must be in place before the parent signals; rt::cli::main installs
    // it again (idempotent).
    rt::install_interrupt_handler();
    if (::write(ready[1], "!", 1) != 1) ::_exit(99);
    ::_exit(rt::cli::main(ch04::program(), static_cast<int>(argv.size()), argv.data()));
  }
  ::close(ends[1]);
  ::close(ready[1]);
  char byte;
  (void)::read(ready[0], &byte, 1);
  ::close(ready[0]);
  if (stop != 0) ::kill(child, stop);
  int status = 0;
  ::waitpid(child, &status, 0);
  return status;
}

}  // namespace

TEST(ServePosix, SigtermAndSighupStopItGracefullyWithExitStatusZero) {
  for (int stop : {SIGTERM, SIGHUP}) {
    SCOPED_TRACE(stop);
    // --seconds 600: only the signal can end it within the test's timeout.
    int status = serve_in_child_with_closed_stdout(
        {"serve", "--model", "fibers", "--port", "0", "--seconds", "600", "--grace", "0"}, stop);
    ASSERT_TRUE(WIFEXITED(status)) << "ended by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
}

TEST(ServePosix, AStdoutWhoseReaderHasGoneDoesNotChangeHowItStops) {
  int status = serve_in_child_with_closed_stdout(
      {"serve", "--model", "events", "--port", "0", "--seconds", "0.05", "--grace", "0"}, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "ended by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}
