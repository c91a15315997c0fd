// The `serve`, `client` and `bench` commands, shared with chapter 6, whose M:N server is
// served, loaded and measured the same way (its `serve --workers N`, `client` and `bench` are
// these).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client.hpp"
#include "echo.hpp"
#include "peer.hpp"
#include "rt/cli.hpp"
#include "rt/output.hpp"
#include "server.hpp"

namespace ch04 {

// `serve`: one echo server until Ctrl-C (or `seconds`), then the graceful stop.
struct ServeOptions {
  ServerOptions server;
  double seconds = 0;  // 0: until Ctrl-C
  // A model from elsewhere (chapter 6); nullopt: server.model.
  std::optional<ModelFactory> factory;
};
void serve(const ServeOptions& options, rt::Output& out);

// The serve command: first the options `add_model_options` adds (how the caller chooses its
// model), then --port, --upper, --idle-timeout, --grace and --seconds into `flags`. The caller
// adds the callback, which serves `flags->resolved()`.
struct ServeFlags {
  ServeOptions options;
  double idle_timeout_s = 0;
  double grace_s = 2;
  ServeOptions resolved() const;  // the seconds as milliseconds
};
CLI::App* add_serve_command(CLI::App& app, const std::string& description,
                            const std::function<void(CLI::App*)>& add_model_options,
                            const std::shared_ptr<ServeFlags>& flags);

// The `client` command (client.hpp), as it is.
void add_client_command(CLI::App& app, rt::Output& out);

// `bench`: every model and peer x every connection count, each driven by the client.
// Before the first row it checks that every peer echoes, and throws std::runtime_error
// naming the peer and its port if one does not (nothing is measured then).
struct BenchOptions {
  double duration_s = 2;  // the counted window of each cell, after its warm-up
  std::vector<int> connection_counts = {1, 100, 1000, 10'000};
  std::size_t size = 64;
  double warmup_s = kDefaultWarmupSeconds;   // per cell, once its connections are up
  std::optional<std::vector<Model>> models;  // in-process models; nullopt: all this OS has
  std::vector<ModelFactory> outside_models;  // in-process too, after them (chapter 6's)
  std::vector<Peer> peers;                   // servers outside this process
  bool json = false;
  std::string title = "chapter 4";  // the table's title begins with it
};
void bench(const BenchOptions& options, rt::Output& out);

// The `bench` command: --duration, --conns, --size, --warmup, --models (chapter 4's;
// `default_models` says the default in the help), --peer, --json, over `defaults`. `add_models`
// runs first in the callback: it adds the caller's own models (chapter 6's, from the options it
// added to the returned command).
CLI::App* add_bench_command(CLI::App& app, rt::Output& out, const std::string& description,
                            const BenchOptions& defaults, const std::string& default_models,
                            const std::function<void(BenchOptions&)>& add_models);

}  // namespace ch04
