// The command line of `ch04-echo-server`: one subcommand per demo.
#include <map>
#include <memory>

#include "demos.hpp"
#include "server.hpp"

namespace ch04 {

namespace {

const std::map<std::string, Model> kModels{
    {"threads", Model::threads}, {"events", Model::events}, {"fibers", Model::fibers}};

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000 + 0.5));
}

void add_commands(CLI::App& app, rt::Output& out) {
  {
    struct Flags {
      ServeOptions options;
      double idle_timeout_s = 0;
      double grace_s = 2;
    };
    auto f = std::make_shared<Flags>();
    auto* c = app.add_subcommand("serve", "Run an echo server of one model until Ctrl-C");
    c->add_option("--model", f->options.server.model, "threads | events | fibers")
        ->required()
        ->transform(CLI::CheckedTransformer(kModels, CLI::ignore_case));
    c->add_option("--port", f->options.server.port, "TCP port on 127.0.0.1 (0: any free port)")
        ->check(CLI::Range(0, 65535));
    c->add_flag("--upper", f->options.server.upper, "Reply with ASCII letters upper-cased");
    c->add_option("--idle-timeout", f->idle_timeout_s,
                  "Close a connection that moved no byte for this many seconds (0: never)")
        ->check(CLI::Range(0.0, 86400.0));
    c->add_option("--grace", f->grace_s,
                  "At Ctrl-C, give open connections this many seconds to finish")
        ->check(CLI::Range(0.0, 3600.0));
    c->add_option("--seconds", f->options.seconds, "Stop after this long (default: at Ctrl-C)")
        ->check(CLI::Range(0.0, 1e6));
    c->callback([&out, f] {
      auto options = f->options;
      options.server.idle_timeout = to_ms(f->idle_timeout_s);
      options.server.grace = to_ms(f->grace_s);
      try {
        serve(options, out);
      } catch (const EventsModelUnavailable& e) {
        // Exit status 2 (a model this OS does not have), and CLI11 prints the reason.
        throw CLI::ParseError(std::string("--model events: ") + e.what(), 2);
      }
    });
  }
  {
    auto o = std::make_shared<ClientOptions>();
    auto* c = app.add_subcommand(
        "client", "Load an echo server, verify every byte, print msgs/s, MB/s and latency");
    c->add_option("--conns", o->connections, "Connections")->check(CLI::Range(1, 100'000));
    c->add_option("--size", o->size, "Bytes per message")->check(CLI::Range(1, 1 << 30));
    auto* duration = c->add_option("--duration", o->duration_s, "Run this many seconds")
                         ->check(CLI::Range(0.001, 1e6));
    auto* messages = c->add_option("--messages", o->messages, "Messages per connection")
                         ->check(CLI::Range(1, 1'000'000'000));
    duration->excludes(messages);
    c->add_option("--pipeline", o->pipeline, "Messages in flight per connection")
        ->check(CLI::Range(1, 1024));
    c->add_option("--port", o->port, "The server's port on 127.0.0.1")->check(CLI::Range(1, 65535));
    c->add_flag("--upper", o->upper, "Expect an --upper server's echo");
    rt::cli::add_json_flag(c, &o->json);
    c->callback([&out, o, duration, messages] {
      if (duration->count() == 0 && messages->count() == 0) {
        throw CLI::RequiredError("--duration or --messages");
      }
      client(*o, out);
    });
  }
  {
    auto o = std::make_shared<BenchOptions>();
    auto* c = app.add_subcommand("bench",
                                 "Every model x connection count, driven by the client: one table");
    c->add_option("--duration", o->duration_s, "Seconds per cell")->check(CLI::Range(0.05, 600.0));
    c->add_option("--conns", o->connection_counts, "Connection counts, comma-separated")
        ->delimiter(',')
        ->expected(1, 16)
        ->check(CLI::Range(1, 100'000));
    c->add_option("--size", o->size, "Bytes per message")->check(CLI::Range(1, 1 << 24));
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
      "ch04-echo-server",
      "Chapter 4: one echo server three ways (threads, events, fibers), a verifying client",
      add_commands};
  return kProgram;
}

}  // namespace ch04
