// The command line of `ch05-bridge-channel`: one subcommand per demo.
#include <CLI/CLI.hpp>

#include <memory>

#include "demos.hpp"

namespace ch05 {

namespace {

void add_commands(CLI::App& app, rt::Output& out) {
  {
    auto options = std::make_shared<BridgeOptions>();
    auto* c = app.add_subcommand(
        "bridge", "The article's program: a thread feeds a fiber, then a deadline, then a cancel");
    c->add_option("--time-scale", options->time_scale,
                  "Multiplies every pause, deadline and processing time")
        ->check(rt::cli::finite_range(0.01, 100.0));
    c->callback([&out, options] { bridge(*options, out); });
  }
  {
    auto options = std::make_shared<ModesOptions>();
    auto* c = app.add_subcommand("modes", "The four modes side by side: parks and OS wakeups");
    c->add_option("--messages", options->messages, "Messages per mode")
        ->check(CLI::Range(1, 100'000'000));
    c->add_option("--capacity", options->capacity, "The channels' capacity")
        ->check(CLI::Range(1, 1 << 24));
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { modes(*options, out); });
  }
  {
    auto options = std::make_shared<BurstOptions>();
    auto* c = app.add_subcommand(
        "burst", "Wakeups per message against burst size, batched and naive notifier (T2C)");
    c->add_option("--bursts", options->burst_sizes, "Burst sizes, comma-separated")
        ->delimiter(',')
        ->expected(1, 16)
        ->check(CLI::Range(1, 1'000'000));
    c->add_option("--messages", options->messages, "Messages per row")
        ->check(CLI::Range(1, 100'000'000));
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { burst(*options, out); });
  }
  {
    auto options = std::make_shared<SelectDemoOptions>();
    auto* c = app.add_subcommand(
        "select", "A fiber waits on data from its loop (C2C) and commands from a thread (T2C)");
    c->add_option("--time-scale", options->time_scale, "Multiplies every pause and deadline")
        ->check(rt::cli::finite_range(0.01, 100.0));
    c->callback([&out, options] { select_demo(*options, out); });
  }
  {
    auto options = std::make_shared<PipelineOptions>();
    auto* c = app.add_subcommand(
        "pipeline", "The article's load balancer: control thread -> fibers -> fibers -> logger");
    c->add_option("--commands", options->commands, "Commands the control plane sends")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
    c->add_option("--workers", options->workers, "Worker fibers")->check(CLI::Range(1, 10'000));
    c->add_option("--work", options->work, "Arithmetic iterations per command")
        ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{100'000'000}));
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { pipeline(*options, out); });
  }
  {
    auto options = std::make_shared<SyscallServerOptions>();
    auto* c = app.add_subcommand(
        "syscall-server",
        "Fibers using a thread-bound resource: through its thread, or on its thread's loop");
    c->add_option("--fibers", options->fibers, "Fibers making requests")
        ->check(CLI::Range(1, 10'000));
    c->add_option("--requests", options->requests, "Requests per fiber")
        ->check(CLI::Range(1, 100'000'000));
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { syscall_server(*options, out); });
  }
  {
    auto options = std::make_shared<BenchOptions>();
    auto* c =
        app.add_subcommand("bench", "The chapter's figures side by side, pinned and unpinned");
    c->add_option("--messages", options->messages, "Messages per stream row")
        ->check(CLI::Range(1000, 1'000'000'000));
    c->add_option("--reps", options->reps, "Runs per row (median, min, max)")
        ->check(CLI::Range(1, 100));
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { bench(*options, out); });
  }
  {
    auto options = std::make_shared<StressCommandOptions>();
    auto* c = app.add_subcommand(
        "stress", "Exactly once, all four modes at once, with deadlines, stops and close racing");
    c->add_option("--messages", options->messages, "Sends attempted, over all channels")
        ->check(CLI::Range(std::uint64_t{8}, std::uint64_t{1'000'000'000}));
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { stress(*options, out); });
  }
  {
    auto* c = app.add_subcommand("tour", "The chapter's headline figure, in a few seconds");
    c->callback([&out] { tour(out); });
  }
}

}  // namespace

const rt::cli::Program& program() {
  static const rt::cli::Program kProgram{
      "ch05-bridge-channel",
      "Chapter 5: one channel across threads and fibers, four modes, wakeups batched",
      add_commands};
  return kProgram;
}

}  // namespace ch05
