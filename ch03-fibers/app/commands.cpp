// The command line of `ch03-fibers`: one subcommand per demo.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>

#include "demos.hpp"
#include "rt/fiber/context.hpp"

namespace ch03 {

namespace {

// Options live as long as the App (captured by shared_ptr in the callbacks).
template <class Options>
std::shared_ptr<Options> make_options() {
  return std::make_shared<Options>();
}

// --stack-kib of every subcommand that takes it: no less than make_context accepts, so that a
// size the program cannot honour is refused here, with the flag named, not aborted on later.
constexpr std::size_t kFewestStackKib = rt::fiber::kMinimumStackSize / 1024;

CLI::Option* add_stack_kib_option(CLI::App* command, std::size_t& stack_kib, std::size_t most) {
  return command
      ->add_option(
          "--stack-kib", stack_kib,
          fmt::format("Stack size in KiB (at least {}: make_context's minimum)", kFewestStackKib))
      ->check(CLI::Range(kFewestStackKib, most));
}

void add_commands(CLI::App& app, rt::Output& out) {
  {
    auto* c = app.add_subcommand(
        "stack-swap", "Step 1: inline asm runs a function on a buffer we allocated, and back");
    c->callback([&out] { stack_swap(out); });
  }
  {
    auto* c = app.add_subcommand(
        "show-stack", "Step 2: the bytes of a new fiber's first frame, each slot labelled");
    c->callback([&out] { show_stack(out); });
  }
  {
    auto o = make_options<FibersOptions>();
    auto* c = app.add_subcommand(
        "fibers", "Step 3: fibers take turns, resume as unparked, and rethrow at join");
    c->add_option("--steps", o->steps, "Steps per fiber")->check(CLI::Range(1, 100));
    c->callback([&out, o] { fibers(*o, out); });
  }
  {
    auto o = make_options<SwitchOptions>();
    auto* c = app.add_subcommand("switch", "Round trip: bare contexts, fibers, OS threads");
    c->add_option("--round-trips", o->round_trips, "How many round trips")
        ->check(CLI::Range(1, 100'000'000));
    c->callback([&out, o] { switch_demo(*o, out); });
  }
  {
    auto o = make_options<ManyOptions>();
    auto* c = app.add_subcommand("many", "Many fibers alive at once: memory and time per fiber");
    c->add_option("--count", o->count, "How many fibers")->check(CLI::Range(1, 1'000'000));
    add_stack_kib_option(c, o->stack_kib, 1024 * 1024);
    c->add_flag("--no-guard", o->no_guard,
                "No guard pages: one mapping per stack (Linux vm.max_map_count), no overflow "
                "detection");
    c->callback([&out, o] { many(*o, out); });
  }
  {
    auto o = make_options<OverflowOptions>();
    auto* c = app.add_subcommand(
        "overflow", "A fiber overflows its stack: the guard page stops it (ends the process)");
    add_stack_kib_option(c, o->stack_kib, 64 * 1024);
    c->callback([&out, o] { overflow(*o, out); });
  }
  {
    auto o = make_options<BenchOptions>();
    auto* c =
        app.add_subcommand("bench", "Step 4: the chapter's table: switch, spawn and memory costs");
    c->add_option("--round-trips", o->round_trips,
                  fmt::format("Round trips per switch measurement, shared by its {} repetitions",
                              kBenchRepetitions))
        ->check(CLI::Range(1, 100'000'000));
    c->add_option("--spawn-count", o->spawn_count, "Fibers spawned, run and joined")
        ->check(CLI::Range(1, 10'000'000));
    c->add_option("--thread-count", o->thread_count, "Threads measured for the same")
        ->check(CLI::Range(1, 100'000));
    c->add_option("--count", o->count, "Fibers alive at once for the memory row")
        ->check(CLI::Range(1, 1'000'000));
    rt::cli::add_json_flag(c, &o->json);
    c->callback([&out, o] { bench(*o, out); });
  }
  {
    auto* c = app.add_subcommand("tour", "The chapter's headline figure, in a few seconds");
    c->callback([&out] { tour(out); });
  }
}

}  // namespace

const rt::cli::Program& program() {
  static const rt::cli::Program kProgram{
      "ch03-fibers", "Chapter 3: stackful fibers, a hand-written context switch per ABI",
      add_commands};
  return kProgram;
}

}  // namespace ch03
