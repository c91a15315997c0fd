// The command line of `ch03-fibers`: one subcommand per demo.
#include <memory>

#include "demos.hpp"

namespace ch03 {

namespace {

// Options live as long as the App (captured by shared_ptr in the callbacks).
template <class Options>
std::shared_ptr<Options> make_options() {
  return std::make_shared<Options>();
}

void add_commands(CLI::App& app, rt::Output& out) {
  {
    auto o = make_options<OrderOptions>();
    auto* c =
        app.add_subcommand("order", "Three fibers take turns; parked fibers resume as unparked");
    c->add_option("--steps", o->steps, "Steps per fiber")->check(CLI::Range(1, 100));
    c->callback([&out, o] { order(*o, out); });
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
    c->add_option("--stack-kib", o->stack_kib, "Stack size in KiB")
        ->check(CLI::Range(4, 1024 * 1024));
    c->callback([&out, o] { many(*o, out); });
  }
  {
    auto o = make_options<OverflowOptions>();
    auto* c = app.add_subcommand(
        "overflow", "A fiber overflows its stack: the guard page stops it (ends the process)");
    c->add_option("--stack-kib", o->stack_kib, "Stack size in KiB")
        ->check(CLI::Range(16, 64 * 1024));
    c->callback([&out, o] { overflow(*o, out); });
  }
  {
    auto o = make_options<BenchOptions>();
    auto* c = app.add_subcommand("bench", "The chapter's table: switch, spawn and memory costs");
    c->add_option("--round-trips", o->round_trips, "Round trips per switch measurement")
        ->check(CLI::Range(1, 100'000'000));
    c->add_option("--count", o->count, "Fibers for the spawn and memory rows")
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
