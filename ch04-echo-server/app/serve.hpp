// The `serve` and `client` commands, shared with chapter 6, whose M:N server is served and
// loaded the same way (its `serve --workers N` and `client` are these).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "echo.hpp"
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

}  // namespace ch04
