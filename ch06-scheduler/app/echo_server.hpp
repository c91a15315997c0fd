// The echo server on M:N fibers (echo_server.cpp): chapter 4's fibers model, run by this
// chapter's Runtime. `serve --workers N` and the tests start it through chapter 4's EchoServer:
//
//   ch04::EchoServer server(ch04::ServerOptions{}, ch06::mn_fibers_model(2));
//   ... connect to 127.0.0.1:server.port() ...
//   server.stop();  // graceful, as chapter 4's models
#pragma once

#include "rt/sched/runtime.hpp"
#include "server.hpp"  // chapter 4's app/: EchoServer, ModelServer, ModelFactory

namespace ch06 {

// The model for chapter 4's EchoServer: a Runtime of `workers` workers (0: one per CPU), with
// the scheduler's switches `knobs` (`knobs` measures each).
ch04::ModelFactory mn_fibers_model(int workers, const rt::sched::Knobs& knobs = {});

}  // namespace ch06
