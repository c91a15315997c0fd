// The command line of `ch01-os-threads`: one subcommand per demo.
#include <CLI/CLI.hpp>

#include <memory>

#include "demos.hpp"
#include "rt/os/thread.hpp"

namespace ch01 {

namespace {

// Options live as long as the App (captured by shared_ptr in the callbacks).
template <class Options>
std::shared_ptr<Options> make_options() {
  return std::make_shared<Options>();
}

void add_commands(CLI::App& app, rt::Output& out) {
  {
    auto o = make_options<TasksOptions>();
    auto* c = app.add_subcommand("tasks", "Three tasks sleep 200/100/50 ms on their own threads");
    c->add_option("--scale", o->scale, "Multiply the sleeps by this factor")
        ->check(CLI::Range(0.01, 100.0));
    c->callback([&out, o] { tasks(*o, out); });
  }
  {
    auto o = make_options<SpawnOptions>();
    auto* c = app.add_subcommand("spawn", "Create and join threads: time and memory per thread");
    c->add_option("--count", o->count, "How many threads")->check(CLI::Range(1, 100'000));
    c->add_option("--stack-kib", o->stack_kib, "Stack size in KiB (0: the platform default)")
        ->check(CLI::Range(0, 1024 * 1024));
    c->callback([&out, o] { spawn(*o, out); });
  }
  {
    auto o = make_options<SwitchOptions>();
    auto* c = app.add_subcommand("switch", "Ping-pong a token between two threads");
    c->add_option("--round-trips", o->round_trips, "How many round trips")
        ->check(CLI::Range(1, 100'000'000));
    c->add_option("--cpu", o->cpu, "Pin both threads to this CPU (0-based)")
        ->check(CLI::Range(0, rt::os::cpu_count() - 1));
    c->callback([&out, o] { switch_demo(*o, out); });
  }
  {
    auto o = make_options<LimitsOptions>();
    auto* c = app.add_subcommand("limits", "How many threads this machine allows (bounded)");
    c->add_option("--max", o->max, "Stop after this many threads")->check(CLI::Range(1, 1'000'000));
    c->add_option("--stack-kib", o->stack_kib, "Stack size in KiB")
        ->check(CLI::Range(16, 1024 * 1024));
    c->callback([&out, o] { limits(*o, out); });
  }
  {
    auto o = make_options<BenchOptions>();
    auto* c = app.add_subcommand("bench", "The chapter's table: spawn, memory, switch costs");
    c->add_option("--spawn-count", o->spawn_count, "Threads to spawn and join")
        ->check(CLI::Range(1, 1'000'000));
    c->add_option("--alive-count", o->alive_count, "Threads alive at once for memory")
        ->check(CLI::Range(1, 100'000));
    c->add_option("--round-trips", o->round_trips, "Ping-pong round trips")
        ->check(CLI::Range(1, 100'000'000));
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
      "ch01-os-threads", "Chapter 1: 1:1 threading, and what an OS thread costs", add_commands};
  return kProgram;
}

}  // namespace ch01
