// The command line of `ch04-echo-server`: one subcommand per demo.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>

#include "demos.hpp"
#include "server.hpp"

namespace ch04 {

namespace {

const std::map<std::string, Model> kModels{
    {"threads", Model::threads}, {"events", Model::events}, {"fibers", Model::fibers}};
// The names in the order --help lists them. An IsMember check (not a CheckedTransformer on
// the enum, whose help reads "ENUM:value in {events->,fibers->,...}" with some CLI11
// versions) shows "TEXT:{threads,events,fibers}" with every version; with ignore_case it
// also hands the callback the name as spelled here.
const std::vector<std::string> kModelNames{"threads", "events", "fibers"};

// bench --peer's check: "" if `text` is NAME=PORT, else what is wrong with it.
std::string peer_error(const std::string& text) {
  try {
    parse_peer(text);
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

// bench --models: the named models in the order given, or none.
std::vector<Model> bench_models(const std::vector<std::string>& names) {
  std::vector<Model> chosen;
  for (const auto& name : names) {
    if (name == "none") {
      if (names.size() > 1) throw CLI::ValidationError("--models", "none stands alone");
      return chosen;
    }
    Model model = kModels.at(name);
    if (model == Model::events && !events_model_available()) {
      // Exit status 2, as `serve --model events` (a model this OS does not have).
      throw CLI::ParseError(
          "--models events: the events model needs readiness notification (epoll, kqueue); this OS "
          "has IOCP",
          2);
    }
    if (std::find(chosen.begin(), chosen.end(), model) == chosen.end()) chosen.push_back(model);
  }
  return chosen;
}

// A peer's name is its rows' label, so it must tell them apart from every other row.
void add_peer(BenchOptions& options, Peer peer) {
  for (const auto& other : options.peers) {
    if (other.name == peer.name) {
      throw CLI::ValidationError("--peer", "the name " + peer.name + " is given twice");
    }
  }
  std::vector<std::string> in_process;
  for (Model model :
       options.models.value_or(std::vector<Model>{Model::threads, Model::events, Model::fibers})) {
    in_process.push_back(to_string(model));
  }
  for (const auto& model : options.outside_models) in_process.push_back(model.name);
  for (const auto& name : in_process) {
    if (name == peer.name) {
      throw CLI::ValidationError("--peer", "the name " + peer.name +
                                               " is also an in-process model of this run "
                                               "(rename the peer, or choose --models)");
    }
  }
  options.peers.push_back(std::move(peer));
}

void add_commands(CLI::App& app, rt::Output& out) {
  {
    auto f = std::make_shared<ServeFlags>();
    auto model = std::make_shared<std::string>();
    auto* c = add_serve_command(
        app, "Run an echo server of one model until Ctrl-C",
        [model](CLI::App* command) {
          command->add_option("--model", *model, "The server's model")
              ->required()
              ->check(CLI::IsMember(kModelNames, CLI::ignore_case));
        },
        f);
    c->callback([&out, f, model] {
      auto options = f->resolved();
      options.server.model = kModels.at(*model);
      try {
        serve(options, out);
      } catch (const EventsModelUnavailable& e) {
        // Exit status 2 (a model this OS does not have), and CLI11 prints the reason.
        throw CLI::ParseError(std::string("--model events: ") + e.what(), 2);
      }
    });
  }
  add_client_command(app, out);
  add_bench_command(app, out,
                    "Every model (and peer) x connection count, driven by the client: one table",
                    BenchOptions{}, "all", [](BenchOptions&) {});
  {
    auto* c = app.add_subcommand("tour", "The chapter's headline figure, in a few seconds");
    c->callback([&out] { tour(out); });
  }
}

}  // namespace

std::chrono::milliseconds milliseconds_from_seconds(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

ServeOptions ServeFlags::resolved() const {
  auto resolved = options;
  resolved.server.idle_timeout = milliseconds_from_seconds(idle_timeout_s);
  resolved.server.grace = milliseconds_from_seconds(grace_s);
  return resolved;
}

CLI::App* add_serve_command(CLI::App& app, const std::string& description,
                            const std::function<void(CLI::App*)>& add_model_options,
                            const std::shared_ptr<ServeFlags>& flags) {
  auto* c = app.add_subcommand("serve", description);
  add_model_options(c);
  c->add_option("--port", flags->options.server.port,
                "TCP port on 127.0.0.1, in decimal (0: any free port)")
      ->transform(rt::cli::decimal_only())
      ->check(CLI::Range(0, 65535));
  c->add_flag("--upper", flags->options.server.upper, "Reply with ASCII letters upper-cased");
  c->add_option("--idle-timeout", flags->idle_timeout_s,
                "Close a connection that moved no byte for this many seconds, rounded up to "
                "whole milliseconds (0: never)")
      ->check(rt::cli::finite_range(0.0, 86400.0));
  c->add_option("--budget", flags->options.server.budget,
                "Calls that did not block a connection may make in a row before the others get "
                "a turn (the events and fibers models; README, \"A greedy client\")")
      ->transform(rt::cli::decimal_only())
      ->check(CLI::Range(1, 1 << 30));
  c->add_option("--grace", flags->grace_s,
                "At Ctrl-C (or SIGTERM, SIGHUP), give open connections this many seconds to "
                "finish")
      ->check(rt::cli::finite_range(0.0, 3600.0));
  c->add_option("--seconds", flags->options.seconds, "Stop after this long (0: at Ctrl-C)")
      ->check(rt::cli::finite_range(0.0, 1e6));
  return c;
}

CLI::App* add_bench_command(CLI::App& app, rt::Output& out, const std::string& description,
                            const BenchOptions& defaults, const std::string& default_models,
                            const std::function<void(BenchOptions&)>& add_models) {
  struct Flags {
    BenchOptions options;
    std::vector<std::string> models;
    std::vector<std::string> peers;
  };
  auto f = std::make_shared<Flags>();
  f->options = defaults;
  auto* c = app.add_subcommand("bench", description);
  c->add_option("--duration", f->options.duration_s,
                "Seconds per cell, counted after the cell's warm-up")
      ->check(rt::cli::finite_range(0.05, 600.0));
  c->add_option("--conns", f->options.connection_counts, "Connection counts, comma-separated")
      ->delimiter(',')
      ->expected(1, 16)
      ->check(CLI::Range(1, 100'000));
  c->add_option("--size", f->options.size, "Bytes per message")->check(CLI::Range(1, 1 << 24));
  c->add_option("--warmup", f->options.warmup_s,
                "Seconds per cell of messages sent and verified but not counted, once every "
                "connection is up")
      ->check(rt::cli::finite_range(0.0, 3600.0));
  auto* models =
      c->add_option("--models", f->models,
                    "Chapter 4's models, in this process, comma-separated, or none (default: " +
                        default_models + ")")
          ->delimiter(',')
          ->check(CLI::IsMember({"threads", "events", "fibers", "none"}));
  c->add_option("--peer", f->peers,
                "NAME=PORT: also drive an echo server already running on 127.0.0.1:PORT "
                "(repeatable)")
      ->check(CLI::Validator(peer_error, "NAME=PORT"));
  rt::cli::add_json_flag(c, &f->options.json);
  c->callback([&out, f, models, add_models] {
    auto options = f->options;
    add_models(options);
    if (models->count() > 0) options.models = bench_models(f->models);
    for (const auto& text : f->peers) add_peer(options, parse_peer(text));
    if (options.models && options.models->empty() && options.outside_models.empty() &&
        options.peers.empty()) {
      throw CLI::ValidationError("--models", "none leaves nothing to measure: add a --peer");
    }
    bench(options, out);
  });
  return c;
}

void add_client_command(CLI::App& app, rt::Output& out) {
  auto o = std::make_shared<ClientOptions>();
  auto* c = app.add_subcommand(
      "client", "Load an echo server, verify every byte, print msgs/s, MB/s and latency");
  c->add_option("--conns", o->connections, "Connections")->check(CLI::Range(1, 100'000));
  c->add_option("--size", o->size, "Bytes per message")->check(CLI::Range(1, 1 << 30));
  auto* duration = c->add_option("--duration", o->duration_s,
                                 "Count messages for this many seconds (after the warm-up)")
                       ->check(rt::cli::finite_range(0.001, 1e6));
  auto* messages = c->add_option("--messages", o->messages,
                                 "Counted messages per connection (after the warm-up)")
                       ->check(CLI::Range(1, 1'000'000'000));
  duration->excludes(messages);
  // Their 0 means "not given" (one of the two is required): no default to show.
  duration->default_str("");
  messages->default_str("");
  o->warmup_s = kDefaultWarmupSeconds;
  c->add_option("--warmup", o->warmup_s,
                "Seconds of messages sent and verified but not counted, once every "
                "connection is up")
      ->check(rt::cli::finite_range(0.0, 3600.0));
  c->add_option("--pipeline", o->pipeline, "Messages in flight per connection")
      ->check(CLI::Range(1, 1024));
  c->add_option("--port", o->port, "The server's port on 127.0.0.1, in decimal")
      ->transform(rt::cli::decimal_only())
      ->check(CLI::Range(1, 65535));
  c->add_flag("--upper", o->upper, "Expect an --upper server's echo");
  rt::cli::add_json_flag(c, &o->json);
  c->callback([&out, o, duration, messages] {
    if (duration->count() == 0 && messages->count() == 0) {
      throw CLI::RequiredError("--duration or --messages");
    }
    client(*o, out);
  });
}

const rt::cli::Program& program() {
  static const rt::cli::Program kProgram{
      "ch04-echo-server",
      "Chapter 4: one echo server three ways (threads, events, fibers), a verifying client",
      add_commands};
  return kProgram;
}

}  // namespace ch04
