// The command line of `ch02-epoll-kqueue-iocp`: one subcommand per demo.
#include <CLI/CLI.hpp>

#include <memory>

#include "delay_server.hpp"
#include "demos.hpp"

namespace ch02 {

namespace {

template <class Options>
std::shared_ptr<Options> make_options() {
  return std::make_shared<Options>();
}

void add_commands(CLI::App& app, rt::Output& out) {
  {
    auto* c = app.add_subcommand("syscall",
                                 "Write a greeting by the raw syscall instruction and "
                                 "by the documented wrapper");
    c->callback([&out] { syscall_demo(out); });
  }
  {
    auto o = make_options<DelayServerOptions>();
    auto* c = app.add_subcommand("delay-server",
                                 "Serve 'GET /delay/<ms>' requests, answering each after <ms>");
    c->add_option("--port", o->port, "TCP port on 127.0.0.1, in decimal (0: any free port)")
        ->transform(rt::cli::decimal_only())
        ->check(CLI::Range(0, 65535));
    c->add_option("--seconds", o->seconds, "Stop after this long (0: at Ctrl-C)")
        ->check(rt::cli::finite_range(0.0, 1e6));
    c->callback([&out, o] { delay_server(*o, out); });
  }
  {
    auto o = make_options<RequestsOptions>();
    auto* c = app.add_subcommand(
        "requests", "Send requests with different delays; one thread waits for all of them");
    c->add_option("--delays", o->delays_ms, "Delay of each request in ms, comma-separated")
        ->delimiter(',')
        ->expected(1, 1000)
        ->check(CLI::Range(0, kMaxDelayMs));
    c->add_option("--port", o->port,
                  "A running delay-server's port, in decimal (0: start one in-process)")
        ->transform(rt::cli::decimal_only())
        ->check(CLI::Range(0, 65535));
    c->add_option("--timeout-ms", o->timeout_ms, "Give up after this long")
        ->check(CLI::Range(1, 3'600'000));
    c->callback([&out, o] { requests(*o, out); });
  }
  {
    auto o = make_options<WakeOptions>();
    auto* c = app.add_subcommand("wake",
                                 "Wake a thread blocked in Poller::wait from another "
                                 "thread; print the latency");
    c->add_option("--count", o->count, "How many wakes")->check(CLI::Range(1, 10'000'000));
    c->add_option("--settle-us", o->settle_us, "Time given to the waiter to block, per wake")
        ->check(CLI::Range(0, 1'000'000));
    c->callback([&out, o] { wake(*o, out); });
  }
  {
    auto o = make_options<BenchOptions>();
    auto* c = app.add_subcommand(
        "bench", "The chapter's table: raw vs wrapped syscall, wake round trip, cost per handle");
    c->add_option("--writes", o->writes, "Write calls per method")
        ->check(CLI::Range(20, 100'000'000));
    c->add_option("--round-trips", o->round_trips, "Wake round trips")
        ->check(CLI::Range(1, 100'000'000));
    c->add_option("--handles", o->handle_counts, "Registered handle counts, comma-separated")
        ->delimiter(',')
        ->expected(1, 16)
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
      "ch02-epoll-kqueue-iocp",
      "Chapter 2: raw system calls, and the OS event queues (epoll, kqueue, IOCP)", add_commands};
  return kProgram;
}

}  // namespace ch02
