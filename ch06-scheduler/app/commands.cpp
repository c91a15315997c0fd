// The command line of `ch06-scheduler`: one subcommand per demo.
#include <CLI/CLI.hpp>

#include <map>
#include <memory>
#include <string>

#include "demos.hpp"  // this chapter's (chapter 4's commands: echo_commands.hpp)
#include "echo_commands.hpp"
#include "echo_server.hpp"

namespace ch06 {

namespace {

void add_workers(CLI::App* c, int* workers) {
  c->add_option("--workers", *workers, "Worker threads (0: one per CPU)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
}

void add_trace(CLI::App* c, std::string* file, bool* timeline) {
  c->add_option("--trace", *file,
                "Write a Chrome trace-event JSON file (open it in ui.perfetto.dev)");
  c->add_flag("--timeline", *timeline, "Print a text timeline of what each worker ran");
}

void add_commands(CLI::App& app, rt::Output& out) {
  {
    auto options = std::make_shared<SpawnOptions>();
    auto* c = app.add_subcommand("spawn", "Many fibers alive at once: time and memory per fiber");
    c->add_option("--fibers", options->fibers, "Fibers alive at once")
        ->check(CLI::Range(1, 10'000'000))
        ->capture_default_str();
    add_workers(c, &options->workers);
    c->add_flag("--guard", options->guard,
                "Guard pages: two mappings per stack, so Linux's vm.max_map_count (65530) "
                "allows about 32,000 fibers");
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { spawn(*options, out); });
  }
  {
    auto options = std::make_shared<StealOptions>();
    auto* c = app.add_subcommand("steal", "One worker spawns them all; the others steal");
    c->add_option("--fibers", options->fibers, "Fibers spawned by one fiber")
        ->check(CLI::Range(1, 10'000'000))
        ->capture_default_str();
    c->add_option("--work", options->work, "Arithmetic iterations per fiber")
        ->check(CLI::Range(0, 1'000'000'000))
        ->capture_default_str();
    add_workers(c, &options->workers);
    c->add_flag("--no-steal{false}", options->steal, "Idle workers never steal (for contrast)");
    c->add_option("--schedtrace", options->schedtrace_ms,
                  "A line on the scheduler's state every this many ms (Go's schedtrace)")
        ->check(CLI::Range(0, 60'000));
    add_trace(c, &options->trace_file, &options->timeline);
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { steal(*options, out); });
  }
  {
    auto options = std::make_shared<FibersOptions>();
    auto* c = app.add_subcommand(
        "fibers", "Fibers park on one worker and resume on another (and gdb's `info fibers`)");
    c->add_option("--fibers", options->fibers, "Fibers that park")
        ->check(CLI::Range(1, 10'000))
        ->capture_default_str();
    c->add_option("--work", options->work, "Arithmetic iterations before parking and after")
        ->check(CLI::Range(0, 1'000'000'000))
        ->capture_default_str();
    c->add_option("--workers", options->workers, "Worker threads (0: one per CPU)")
        ->check(CLI::Range(0, 256))
        ->capture_default_str();
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { fibers(*options, out); });
  }
  {
    auto options = std::make_shared<PreemptOptions>();
    auto* c = app.add_subcommand(
        "preempt",
        "A fiber that never parks: preempted by an interruption, at check points, or not");
    c->add_option("--workers", options->workers, "Worker threads, a hog on each")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    c->add_option("--hog", options->hog,
                  "spin: arithmetic, no check point; channel: a send and a receive, two")
        ->check(CLI::IsMember({"spin", "channel"}))
        ->capture_default_str();
    c->add_option("--hog-ms", options->hog_ms, "How long each hog runs")
        ->check(CLI::Range(1, 60'000))
        ->capture_default_str();
    c->add_option("--others", options->others, "Short fibers spawned after the hogs")
        ->check(CLI::Range(1, 100'000))
        ->capture_default_str();
    c->add_option("--preempt-after", options->preempt_after_us,
                  "The slice, in us, after which the monitor asks a fiber to yield")
        ->check(CLI::Range(1, 10'000'000))
        ->capture_default_str();
    add_trace(c, &options->trace_file, &options->timeline);
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { preempt(*options, out); });
  }
  {
    auto options = std::make_shared<HandoffOptions>();
    auto* c = app.add_subcommand(
        "handoff", "A fiber blocked in the OS, and the fibers queued behind it on its worker");
    c->add_option("--workers", options->workers, "Worker threads")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    c->add_option("--others", options->others, "Fibers queued behind the blocked one")
        ->check(CLI::Range(1, 100'000))
        ->capture_default_str();
    c->add_option("--block-ms", options->block_ms, "How long the read blocks")
        ->check(CLI::Range(1, 60'000))
        ->capture_default_str();
    c->add_option("--work", options->work, "Arithmetic iterations per other fiber")
        ->check(CLI::Range(0, 1'000'000'000))
        ->capture_default_str();
    add_trace(c, &options->trace_file, &options->timeline);
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { handoff(*options, out); });
  }
  {
    auto options = std::make_shared<LockedOptions>();
    auto* c = app.add_subcommand(
        "locked", "A syscall server: unlocked, locked to its thread (1:1), its clients too (N:1)");
    c->add_option("--workers", options->workers, "Worker threads")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    c->add_option("--clients", options->clients, "Client fibers")
        ->check(CLI::Range(1, 10'000))
        ->capture_default_str();
    c->add_option("--requests", options->requests, "Round trips per client")
        ->check(CLI::Range(1, 100'000'000))
        ->capture_default_str();
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { locked(*options, out); });
  }
  {
    auto options = std::make_shared<PingPongOptions>();
    auto* c = app.add_subcommand("pingpong", "Two fibers over an unbuffered channel");
    c->add_option("--round-trips", options->round_trips, "Round trips")
        ->check(CLI::Range(1, 1'000'000'000))
        ->capture_default_str();
    add_workers(c, &options->workers);
    const std::map<std::string, rt::sched::RunnextSteal> steals{
        {"never", rt::sched::RunnextSteal::never},
        {"last-pass", rt::sched::RunnextSteal::last_pass},
        {"always", rt::sched::RunnextSteal::always}};
    c->add_option("--runnext-steal", options->runnext_steal,
                  "When a thief may take runnext: never, last-pass (Go), always")
        ->transform(CLI::CheckedTransformer(steals, CLI::ignore_case))
        ->default_str("last-pass");
    const std::map<std::string, bool> on_off{{"on", true}, {"off", false}};
    c->add_option("--direct-switch", options->direct_switch,
                  "A parking fiber switches straight to the next of its worker's queue: on, "
                  "off (through the worker's loop, as Go)")
        ->transform(CLI::CheckedTransformer(on_off, CLI::ignore_case))
        ->default_str("on");
    add_trace(c, &options->trace_file, &options->timeline);
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { pingpong(*options, out); });
  }
  {
    auto options = std::make_shared<KnobsOptions>();
    auto* c = app.add_subcommand(
        "knobs", "Each scheduler switch alone from the defaults: ping-pong, fan-out, echo");
    c->add_option("--workers", options->workers, "Worker threads")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    c->add_option("--round-trips", options->round_trips, "Ping-pong round trips per run")
        ->check(CLI::Range(1, 1'000'000'000))
        ->capture_default_str();
    c->add_option("--fan-out", options->fan_out, "Fibers the fan-out spawns per run")
        ->check(CLI::Range(1, 10'000'000))
        ->capture_default_str();
    c->add_option("--work", options->work, "Arithmetic iterations per fan-out fiber")
        ->check(CLI::Range(0, 1'000'000'000))
        ->capture_default_str();
    c->add_option("--echo-seconds", options->echo_seconds,
                  "Seconds of echo per run, after a warm-up of a third of it (0: no echo)")
        ->check(rt::cli::finite_range(0.0, 60.0))
        ->capture_default_str();
    c->add_option("--reps", options->reps, "Runs per row (the median is shown)")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { knobs(*options, out); });
  }
  {
    auto options = std::make_shared<BlockingOptions>();
    auto* c = app.add_subcommand(
        "blocking", "rt::sched::blocking: what a call on the pool of blocking threads costs");
    c->add_option("--calls", options->calls, "Calls in all, shared among the callers")
        ->check(CLI::Range(1, 100'000'000))
        ->capture_default_str();
    c->add_option("--callers", options->callers, "Fibers calling at once in the second row")
        ->check(CLI::Range(1, 10'000))
        ->capture_default_str();
    add_workers(c, &options->workers);
    rt::cli::add_json_flag(c, &options->json);
    c->callback([&out, options] { blocking_calls(*options, out); });
  }
  {
    auto flags = std::make_shared<ch04::ServeFlags>();
    auto workers = std::make_shared<int>(0);
    auto* c = ch04::add_serve_command(
        app, "Run chapter 4's echo server on M:N fibers until Ctrl-C",
        [workers](CLI::App* command) { add_workers(command, workers.get()); }, flags);
    c->callback([&out, flags, workers] {
      auto options = flags->resolved();
      options.factory = mn_fibers_model(*workers);
      ch04::serve(options, out);
    });
  }
  ch04::add_client_command(app, out);  // chapter 4's load generator, unchanged
  {
    // Chapter 4's bench over the M:N server with each worker count, beside chapter 4's events
    // model (one thread, epoll or kqueue: the reference a runtime on one worker must match).
    ch04::BenchOptions defaults{.connection_counts = {64}, .title = "chapter 6"};
    if (ch04::events_model_available())
      defaults.models = std::vector{ch04::Model::events};
    else
      defaults.models = std::vector{ch04::Model::fibers};
    auto workers = std::make_shared<std::vector<int>>(std::vector{1, 2});
    auto* c = ch04::add_bench_command(
        app, out,
        "The echo server on M:N fibers with each worker count, beside chapter 4's event loop "
        "(and peers): one table",
        defaults, ch04::events_model_available() ? "events" : "fibers",
        [workers](ch04::BenchOptions& options) {
          for (int n : *workers) options.outside_models.push_back(mn_fibers_model(n));
        });
    c->add_option("--workers", *workers, "Worker counts of the M:N server, comma-separated")
        ->delimiter(',')
        ->expected(1, 8)
        ->check(CLI::Range(1, 256));
  }
  {
    auto* c = app.add_subcommand("tour", "The chapter's headline figures, in a few seconds");
    c->callback([&out] { tour(out); });
  }
}

}  // namespace

const rt::cli::Program& program() {
  static const rt::cli::Program kProgram{
      "ch06-scheduler", "Chapter 6: an M:N scheduler (workers, run queues, stealing, timers)",
      add_commands};
  return kProgram;
}

}  // namespace ch06
