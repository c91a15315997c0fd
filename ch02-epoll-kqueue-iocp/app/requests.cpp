// `requests`: N requests with different delays, over N non-blocking sockets, all waited on
// by one thread through one Poller; responses are printed in the order they finish.
//
// Each connection is a little state machine driven by the event loop:
//   sending -> receiving -> done
// Its operations go through io_operation.hpp, so this file is the same on epoll, kqueue
// and IOCP.
#include <algorithm>
#include <array>
#include <cassert>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

#include "delay_server.hpp"
#include "demos.hpp"
#include "rt/clock.hpp"
#include "rt/poll/io_operation.hpp"
#include "rt/table.hpp"
#include "rt/terminal.hpp"

namespace ch02 {

namespace {

using rt::poll::Operation;

struct Connection {
  // Transitions are asserted in advance().
  enum class Stage {
    sending,    // the request is going out (a send is pending, or part of it was sent)
    receiving,  // reading the response until the server closes the connection
    done,       // the whole response is in `response`
  };

  Connection(rt::poll::Poller& poller, std::uint16_t port, int number, int delay_ms)
      : number(number),
        delay_ms(delay_ms),
        request(fmt::format("GET /delay/{} HTTP/1.0\r\n\r\n", delay_ms)),
        socket(rt::poll::connect_loopback(port)),
        send(Operation::Kind::send, std::as_writable_bytes(std::span(request))),
        receive(Operation::Kind::receive, buffer) {
    rt::poll::set_nonblocking(socket);
    io = std::make_unique<rt::poll::IoSocket>(poller, socket);
  }
  // io is declared after socket, so it is destroyed first: deregistered while still open.

  int number;
  int delay_ms;
  std::string request;
  std::string response;
  std::array<std::byte, 512> buffer{};
  rt::poll::Socket socket;  // declared before io: io goes first
  Operation send;
  Operation receive;
  std::unique_ptr<rt::poll::IoSocket> io;
  Stage stage = Stage::sending;
  std::size_t sent = 0;  // bytes of the request sent so far
  std::int64_t finished_ns = 0;
};

// Moves `c` along after `operation` finished; starts the next operation if there is one.
// Returns true when the connection is done.
bool advance(Connection& c, Operation& operation) {
  for (;;) {
    if (operation.error() != 0) {
      throw rt::OsError(
          fmt::format("request #{}: {}", c.number, &operation == &c.send ? "send" : "receive"),
          operation.error(), rt::poll::socket_error_domain());
    }
    if (&operation == &c.send) {
      assert(c.stage == Connection::Stage::sending);
      c.sent += c.send.bytes();
      if (c.sent < c.request.size()) {  // a partial send: send the rest
        c.send.reset(std::as_writable_bytes(std::span(c.request)).subspan(c.sent));
        if (!c.io->start(c.send)) return false;
        continue;
      }
      c.stage = Connection::Stage::receiving;
      if (!c.io->start(c.receive)) return false;
      continue;  // finished at once: handle it as if the queue had said so
    }
    assert(c.stage == Connection::Stage::receiving);
    if (c.receive.bytes() == 0) {  // the server closed: the whole response is here
      c.stage = Connection::Stage::done;
      return true;
    }
    c.response.append(reinterpret_cast<const char*>(c.buffer.data()), c.receive.bytes());
    c.receive.reset();
    if (!c.io->start(c.receive)) return false;
  }
}

std::string summary_of(const std::string& response) {
  if (response.empty()) return "(no answer: the server closed the connection)";
  std::string status = response.substr(0, response.find('\r'));
  auto body_at = response.find("\r\n\r\n");
  std::string body = body_at == std::string::npos ? "" : response.substr(body_at + 4);
  while (!body.empty() && body.back() == '\n') body.pop_back();
  return fmt::format("{} | {}", status, body);
}

// Before the connections go away with operations still pending (an error, a timeout,
// Ctrl-C): cancel each, and on IOCP wait for the kernel to hand the buffers back.
void abandon(rt::poll::Poller& poller,
             const std::unordered_map<std::uint64_t, Connection*>& by_token) {
  bool waiting = false;
  for (auto& [token, c] : by_token) {
    for (Operation* operation : {&c->send, &c->receive}) {
      if (operation->state() == Operation::State::pending && !c->io->cancel(*operation)) {
        waiting = true;
      }
    }
  }
  std::array<rt::poll::Event, 64> events;
  while (waiting) {
    std::size_t n = poller.wait(events, std::chrono::seconds(10));
    if (n == 0) std::terminate();  // the kernel kept a buffer we are about to free
    for (std::size_t e = 0; e < n; ++e) {
      auto found = by_token.find(events[e].token);
      if (found != by_token.end()) found->second->io->on_event(events[e]);
    }
    waiting = false;
    for (auto& [token, c] : by_token) waiting = waiting || c->io->pending() > 0;
  }
}

}  // namespace

void requests(const RequestsOptions& options, rt::Output& out) {
  std::optional<DelayServer> local_server;
  std::uint16_t port = options.port;
  if (port == 0) port = local_server.emplace().port();

  rt::poll::Poller poller;
  out.print(
      "{} requests to 127.0.0.1:{}, one non-blocking socket each, all waited on by one "
      "thread through one {} poller\n",
      options.delays_ms.size(), port, rt::poll::Poller::backend_name());

  rt::Stopwatch clock;
  std::vector<std::unique_ptr<Connection>> connections;
  std::unordered_map<std::uint64_t, Connection*> by_token;
  std::vector<Connection*> order;  // in the order they finished
  auto report = [&](Connection& c) {
    order.push_back(&c);
    c.finished_ns = clock.elapsed_ns();
    out.print("  finished #{}  after {:>4.0f} ms: {}\n", c.number, c.finished_ns / 1e6,
              summary_of(c.response));
  };
  try {
    for (std::size_t i = 0; i < options.delays_ms.size(); ++i) {
      auto& c = connections.emplace_back(std::make_unique<Connection>(
          poller, port, static_cast<int>(i + 1), options.delays_ms[i]));
      by_token[c->io->token()] = c.get();
      out.print("  sent     #{}  GET /delay/{}\n", c->number, c->delay_ms);
      if (c->io->start(c->send) && advance(*c, c->send)) report(*c);
    }
    std::array<rt::poll::Event, 64> events;
    while (order.size() < connections.size()) {
      if (rt::interrupted()) break;
      if (clock.elapsed_ns() > std::int64_t{options.timeout_ms} * 1'000'000) {
        throw std::runtime_error(fmt::format("{} of {} requests unanswered after {} ms",
                                             connections.size() - order.size(), connections.size(),
                                             options.timeout_ms));
      }
      // At most 100 ms at a time, so that Ctrl-C and the timeout are noticed.
      std::size_t n = poller.wait(events, std::chrono::milliseconds(100));
      for (std::size_t e = 0; e < n; ++e) {
        auto found = by_token.find(events[e].token);
        if (found == by_token.end()) continue;  // not a connection's (a wake)
        Connection& c = *found->second;
        for (Operation* operation : c.io->on_event(events[e])) {
          if (advance(c, *operation)) report(c);
        }
      }
    }
  } catch (...) {
    abandon(poller, by_token);
    throw;
  }
  if (order.size() < connections.size()) {  // Ctrl-C
    abandon(poller, by_token);
    out.print("stopped by Ctrl-C: {} of {} answered\n", order.size(), connections.size());
    return;
  }

  std::string sequence;
  for (Connection* c : order) sequence += fmt::format(" #{}", c->number);
  int longest = *std::max_element(options.delays_ms.begin(), options.delays_ms.end());
  int sum = std::accumulate(options.delays_ms.begin(), options.delays_ms.end(), 0);
  out.print("completion order:{}  (sent as #1..#{})\n", sequence, connections.size());
  std::string compared = sum > longest ? fmt::format(", not the sum ({} ms)", sum) : std::string();
  out.print("all {} answered after {:.0f} ms by one thread: about the longest delay ({} ms){}\n",
            connections.size(), clock.elapsed_ms(), longest, compared);
}

}  // namespace ch02
