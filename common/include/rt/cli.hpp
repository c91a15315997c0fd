// The shape every chapter executable shares: subcommands (one per demo), --help everywhere,
// clear errors for bad flags, `--json` on benchmarks, Ctrl-C handled, and OS errors printed
// as "<program>: error: <call>: <OS text>" with exit status 1.
//
//   int main(int argc, char** argv) { return rt::cli::main(ch01::program(), argc, argv); }
//
// A chapter describes its commands in one function, which tests call through run() to
// check a demo's output in-process (rt/testing.hpp).
//
// CLI11 is declared here, not included: it is a header-only library that costs seconds
// per translation unit to compile, so only the files that build a command line (each
// chapter's commands.cpp, cli.cpp) include <CLI/CLI.hpp> themselves (docs/DESIGN.md, "CI").
#pragma once

#include <string>
#include <vector>

#include "rt/output.hpp"

namespace CLI {
class App;
class Validator;
}  // namespace CLI

namespace rt::cli {

struct Program {
  const char* name;         // the executable, e.g. "ch01-os-threads"
  const char* description;  // one line for --help
  // Adds the subcommands to `app`; each subcommand's callback does its work, printing to
  // `out`, and throws (rt::OsError, std::runtime_error) on failure.
  void (*add_commands)(CLI::App& app, Output& out);
};

// The exit status of a refused command line (an unknown command or flag, a value out of
// range): 2, as getopt-based tools and Python's argparse use, so scripts can tell "you
// called me wrong" from "I failed" (1).
inline constexpr int kUsageError = 2;

// Parses `args` (without the program name), runs the chosen subcommand, and returns the
// process exit status: 0 on success (and for --help), 1 after a runtime error, kUsageError
// after a bad command line. Messages for the user go to `err`.
int run(const Program& program, const std::vector<std::string>& args, Output& out, Output& err);

// The executable's main: installs the stop handler (Ctrl-C, SIGTERM, SIGHUP; Windows'
// console events), ignores SIGPIPE (a closed stdout must not kill the program), and runs
// with stdout and stderr.
int main(const Program& program, int argc, char** argv);

// Adds `--json` to a benchmark subcommand: print the result table as JSON instead of text.
void add_json_flag(CLI::App* command, bool* json);

// A real number in [min, max], finite. Use instead of CLI::Range for floating-point options:
// every comparison with NaN is false, so Range lets "nan" through, and a NaN of seconds
// converted to an integer count of milliseconds is undefined behaviour.
//   c->add_option("--grace", grace_s)->check(rt::cli::finite_range(0.0, 3600.0));
CLI::Validator finite_range(double min, double max);

// Integers in decimal only. CLI11 converts with strtol's base 0, so "0x50" is 80 and "080"
// is octal (refused, being no octal number): a surprise on a command line. This transform
// refuses anything but digits and drops leading zeros, so "080" is 80 and "0x50" is
// refused; add it before the range check.
//   c->add_option("--port", port)->transform(rt::cli::decimal_only())->check(CLI::Range(0, 65535));
CLI::Validator decimal_only();

}  // namespace rt::cli
