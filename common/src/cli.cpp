#include "rt/cli.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <exception>
#include <sstream>

#include "rt/terminal.hpp"

namespace rt::cli {

int run(const Program& program, const std::vector<std::string>& args, Output& out, Output& err) {
  CLI::App app{program.description, program.name};
  app.require_subcommand(1);
  app.fallthrough(false);
  // --help shows each option's default ("[2]"): the value a reader gets without the flag is
  // part of what the flag means. Set before add_commands: subcommands copy these defaults,
  // and each option captures its variable's value when it is added.
  app.option_defaults()->always_capture_default();
  program.add_commands(app, out);
  // An empty list (a repeatable option nobody gave) is no default: "=[]" is noise.
  for (auto* command : app.get_subcommands([](CLI::App*) { return true; })) {
    for (auto* option : command->get_options()) {
      if (option->get_default_str() == "[]") option->default_str("");
    }
  }
  if (!args.empty() && !args[0].empty() && args[0][0] != '-') {
    // CLI11 would only say "A subcommand is required"; name the word it did not know.
    auto commands = app.get_subcommands([&](CLI::App* c) { return c->get_name() == args[0]; });
    if (commands.empty()) {
      err.print("{}: unknown command '{}'\nRun with --help for the list of commands.\n",
                program.name, args[0]);
      return kUsageError;
    }
  }
  try {
    // CLI11 consumes a vector from the back.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    std::ostringstream normal;
    std::ostringstream error;
    // CLI11's own statuses (105, 109, ...) say which check failed; the message says that
    // better, and one status for every refusal is what a caller can rely on.
    int status = app.exit(e, normal, error);
    out.write(normal.str());
    err.write(error.str());
    return status == static_cast<int>(CLI::ExitCodes::Success) ? 0 : kUsageError;
  } catch (const std::exception& e) {
    err.print("{}: error: {}\n", program.name, e.what());
    return 1;
  }
  return 0;
}

int main(const Program& program, int argc, char** argv) {
  install_interrupt_handler();
  ignore_broken_pipe();
  std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  Output out(stdout);
  Output err(stderr);
  return run(program, args, out, err);
}

void add_json_flag(CLI::App* command, bool* json) {
  command->add_flag("--json", *json, "Print the result table as JSON");
}

CLI::Validator finite_range(double min, double max) {
  std::string description = fmt::format("FLOAT in [{} - {}]", min, max);
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value)) return "'" + text + "' is not a number";
        // !(a <= b) rather than a > b: true for NaN too.
        if (!(value >= min && value <= max)) {
          return fmt::format("Value {} not in range {} to {}", text, min, max);
        }
        return std::string();
      },
      description);
}

CLI::Validator decimal_only() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty() ||
            !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return "'" + text + "' is not a decimal number (digits 0-9 only)";
        }
        // strtol's base 0 would read a leading 0 as octal.
        text.erase(0, std::min(text.find_first_not_of('0'), text.size() - 1));
        return std::string();
      },
      "DECIMAL");
}

}  // namespace rt::cli
