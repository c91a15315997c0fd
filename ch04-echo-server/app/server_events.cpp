// The events model: one thread, no fibers, a hand-written readiness state machine on
// chapter 2's Poller (epoll, kqueue). This is the code fibers save you from writing: the
// "read, then write" of the threads model is cut into states, because the thread may not
// wait inside either call; where a connection was when it would have blocked must be kept
// in a struct, not on a stack.
//
// One turn of the loop: wait in the Poller (until the next idle deadline, back-off retry or
// grace deadline; not at all if a connection is runnable); for each event, run that
// connection's state machine until a system call would block or its budget is spent; run
// the connections left runnable by the last turn the same way; then expire the idle
// timers that are due.
//
// Registration is edge-triggered, for reading and writing, once per socket: an event says
// "something changed", so every handler goes on until a call reports EAGAIN, a receive
// comes back short (it took all there was, and the next arrival brings an edge), or it
// cannot go on (a connection with unsent bytes reads nothing more until they are sent,
// which is how a slow reader pushes back on its sender). A handler that stopped early without
// EAGAIN would never hear about that socket again, unless it remembers to come back: that
// is the runnable list. A connection whose peer writes and reads at full speed may never
// meet EAGAIN; without a budget it would keep the thread, and every other connection
// would wait for it (seconds, measured). With one, it stops after ServerOptions::budget calls that
// moved bytes, goes on the runnable list, and the next turn polls the queue (timeout 0) before
// resuming it: every connection with an event is served between two of its turns.
//
// Unix only (poller.hpp: IOCP reports completions, not readiness); Windows builds
// server_events_unavailable.cpp instead.
#include <atomic>
#include <cassert>
#include <cerrno>
#include <memory>
#include <new>
#include <queue>
#include <unordered_map>
#include <vector>

#include "events_connection.hpp"
#include "host.hpp"
#include "rt/clock.hpp"
#include "rt/error.hpp"
#include "rt/poll/poller.hpp"
#include "server.hpp"

namespace ch04 {

namespace {

using events::Connection;
using rt::Clock;
constexpr std::uint64_t kListenerToken = 0;  // connections get 1, 2, 3, ...

class EventsServer final : public ModelServer {
 public:
  EventsServer(const ServerOptions& options, ServerStats& stats)
      : options_(options), stats_(stats) {}

  void run(const std::function<void(std::uint16_t)>& listening) override {
    listener_ = rt::poll::listen_loopback(options_.port, 1024);
    rt::poll::set_nonblocking(listener_);
    poller_.add(listener_.handle(), rt::poll::Interest::read, kListenerToken,
                rt::poll::Trigger::edge);
    listening(rt::poll::local_port(listener_));
    loop();
  }

  void request_stop() override {
    // release: the loop's acquire load after the wake event sees the request (the Poller's
    // Waker orders them as well; the atomic makes the handoff explicit).
    stop_requested_.store(true, std::memory_order_release);
    poller_.wake();
  }

 private:
  void loop() {
    std::vector<rt::poll::Event> events(256);
    while (!stopping_ || (!connections_.empty() && Clock::now() < grace_deadline_)) {
      // A runnable connection makes this a poll: its turn comes after the events.
      auto timeout = runnable_.empty() ? next_timeout() : std::chrono::milliseconds(0);
      std::size_t count = poller_.wait(events, timeout);
      for (std::size_t i = 0; i < count; ++i) {
        const auto& event = events[i];
        if (event.token == rt::poll::kWakeToken) {
          // acquire: pairs with the release in request_stop().
          if (stop_requested_.load(std::memory_order_acquire) && !stopping_) begin_stop();
        } else if (event.token == kListenerToken) {
          if (!stopping_ && !backing_off_) accept_all();
        } else if (auto it = connections_.find(event.token); it != connections_.end()) {
          Connection& c = *it->second;
          // Something arrived: the next receive calls recv() again, even if this event is
          // spent below on a send, or skipped for a runnable connection. A FIN brings no
          // later edge: from now on, read until EAGAIN (drain_mark.hpp).
          c.drain.on_event(event);
          if (!c.runnable) guarded_advance(c);  // else: its turn comes
        }
      }
      resume_runnable();
      auto now = Clock::now();
      if (backing_off_ && now >= retry_at_ && !stopping_) {
        backing_off_ = false;
        accept_all();
      }
      expire_idle(now);
      erase_closed();
    }
    for (auto& [id, connection] : connections_) {
      if (connection->state != Connection::State::closed) {
        close(*connection, ServerStats::End::stopped);
      }
    }
    erase_closed();
  }

  // The connections that spent their budget in the last turn, in the order they did.
  void resume_runnable() {
    resuming_.swap(runnable_);
    for (auto id : resuming_) {
      auto it = connections_.find(id);
      if (it == connections_.end() || it->second->state == Connection::State::closed) continue;
      it->second->runnable = false;
      guarded_advance(*it->second);
    }
    resuming_.clear();
  }

  // advance(), but a failure inside it (an allocation, a Poller call) ends that connection,
  // never the server thread: an exception leaving loop() would leave every client hanging.
  void guarded_advance(Connection& c) {
    try {
      advance(c);
    } catch (const std::exception& error) {
      if (c.state == Connection::State::closed) return;
      stats_.refuse(describe_failure(error));
      try {
        poller_.remove(c.socket.handle());
      } catch (const std::exception&) {
        // Closing the socket below deregisters it anyway (epoll, kqueue).
      }
      c.socket.close();
      c.state = Connection::State::closed;
      try {
        closed_.push_back(c.id);
      } catch (const std::bad_alloc&) {
        // Not erased this turn: its entry stays, closed, until the end (loop() skips it).
      }
    }
  }

  // How long the Poller may sleep: until the earliest of the idle timers, the back-off
  // retry and the end of the grace period; forever if there is none.
  std::optional<std::chrono::milliseconds> next_timeout() const {
    std::optional<Clock::time_point> at;
    auto earliest = [&](Clock::time_point t) { at = at ? std::min(*at, t) : t; };
    if (!idle_timers_.empty()) earliest(idle_timers_.top().first);
    if (backing_off_) earliest(retry_at_);
    if (stopping_) earliest(grace_deadline_);
    if (!at) return std::nullopt;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*at - Clock::now());
    return std::max(left, std::chrono::milliseconds(0));
  }

  void begin_stop() {
    stopping_ = true;
    poller_.remove(listener_.handle());
    listener_.close();
    grace_deadline_ = Clock::now() + options_.grace;
  }

  // Accepts until EAGAIN (the listener is edge-triggered), or backs off when accept fails
  // for any other reason but a reset: out of descriptors, of memory (ENOMEM, ENOBUFS,
  // bad_alloc), a connection that failed on its way in (EPROTO). A pending connection stays
  // in the backlog, and only the retry timer, not a readiness event, tries again.
  void accept_all() {
    for (;;) {
      rt::poll::Socket socket;
      try {
        socket = rt::poll::accept_connection(listener_);
        if (options_.faults != nullptr) options_.faults->visit(FaultInjection::Site::accept);
      } catch (const std::exception& error) {
        auto* os = dynamic_cast<const rt::OsError*>(&error);
        if (os != nullptr && (os->code() == EAGAIN || os->code() == EWOULDBLOCK)) break;
        if (os != nullptr && rt::poll::is_connection_reset(os->code())) continue;
        stats_.accept_failed(describe_failure(error));
        backing_off_ = true;
        retry_at_ = Clock::now() + backoff_;
        backoff_ = options_.backoff.next(backoff_);
        return;
      }
      backoff_ = options_.backoff.first;
      add_connection(std::move(socket));
    }
  }

  // Everything is allocated and registered before the connection counts as served; if any
  // of it cannot be had (bad_alloc for the buffer, epoll_ctl's ENOMEM or ENOSPC), the
  // socket closes unregistered and the connection is refused.
  void add_connection(rt::poll::Socket socket) {
    stats_.opened();
    Connection* added = nullptr;
    try {
      if (options_.faults != nullptr) options_.faults->visit(FaultInjection::Site::buffer);
      auto connection = std::make_unique<Connection>();
      connection->id = next_id_++;
      connection->socket = std::move(socket);
      rt::poll::set_nonblocking(connection->socket);
      connection->last_progress = Clock::now();
      auto id = connection->id;
      auto [it, inserted] = connections_.emplace(id, std::move(connection));
      try {
        if (options_.idle_timeout.count() > 0) {
          // A timer without its connection is skipped when it comes due (expire_idle).
          idle_timers_.push({it->second->last_progress + options_.idle_timeout, id});
        }
        poller_.add(it->second->socket.handle(), rt::poll::Interest::read_write, id,
                    rt::poll::Trigger::edge);
      } catch (...) {
        connections_.erase(it);  // closes the socket, which was never registered
        throw;
      }
      added = it->second.get();
    } catch (const std::exception& error) {
      stats_.refuse(describe_failure(error));
      return;
    }
    stats_.ready();
    advance(*added);  // data may have arrived before registration: no edge would report it
  }

  // The state machine: runs until a call would block, the connection closed, or it spent
  // its budget (then it is runnable, and resumed next turn).
  void advance(Connection& c) {
    int budget = options_.budget;
    while (c.state != Connection::State::closed) {
      if (c.state == Connection::State::writing) {
        if (!send_pending(c, budget)) return;
        c.transition(Connection::State::writing, Connection::State::reading);
        // The last receive was short and no readable event came since: the socket is empty,
        // and the next data comes with an edge, so waiting for it saves a receive that would
        // say EAGAIN (drain_mark.hpp says why no edge is missed).
        if (c.drain.drained()) return;
      }
      if (budget == 0) return make_runnable(c);
      auto got = rt::poll::receive_some(c.socket, c.buffer);
      if (got.would_block) return;
      --budget;
      if (got.error != 0) return close(c, ServerStats::End::reset);
      if (got.bytes == 0) return close(c, ServerStats::End::finished);  // all echoed
      c.sent = 0;
      c.received = static_cast<std::size_t>(got.bytes);
      c.drain.on_receive(c.received, c.buffer.size());
      if (options_.upper) to_upper_ascii({c.buffer.data(), c.received});
      c.last_progress = Clock::now();
      c.transition(Connection::State::reading, Connection::State::writing);
    }
  }

  void make_runnable(Connection& c) {
    c.runnable = true;
    runnable_.push_back(c.id);
    stats_.yielded();
  }

  // Sends buffer[sent, received); true when all of it went, false when it would block, the
  // connection closed, or the budget ran out (then it is runnable).
  bool send_pending(Connection& c, int& budget) {
    while (c.sent < c.received) {
      if (budget == 0) {
        make_runnable(c);
        return false;
      }
      auto put = rt::poll::send_some(c.socket, {c.buffer.data() + c.sent, c.received - c.sent});
      if (put.would_block) return false;
      --budget;
      if (put.error != 0) {
        close(c, ServerStats::End::reset);
        return false;
      }
      c.sent += static_cast<std::size_t>(put.bytes);
      stats_.echoed(static_cast<std::size_t>(put.bytes));
      c.last_progress = Clock::now();
    }
    return true;
  }

  void close(Connection& c, ServerStats::End how) {
    assert(c.state != Connection::State::closed);
    stats_.closed(how);  // before the close: a client that saw the close sees the count
    poller_.remove(c.socket.handle());
    c.socket.close();
    c.state = Connection::State::closed;
    closed_.push_back(c.id);
  }

  // Each open connection has one entry in the heap. An entry that comes due for a
  // connection that made progress since is pushed again with its new deadline (a lazy
  // heap: progress costs one clock read, not a heap update).
  void expire_idle(Clock::time_point now) {
    while (!idle_timers_.empty() && idle_timers_.top().first <= now) {
      auto id = idle_timers_.top().second;
      idle_timers_.pop();
      auto it = connections_.find(id);
      if (it == connections_.end() || it->second->state == Connection::State::closed) continue;
      Connection& c = *it->second;
      auto deadline = c.last_progress + options_.idle_timeout;
      if (deadline > now) {
        idle_timers_.push({deadline, id});
      } else {
        close(c, ServerStats::End::idle_timeout);
      }
    }
  }

  void erase_closed() {
    for (auto id : closed_) connections_.erase(id);
    closed_.clear();
  }

  // All members but stop_requested_ belong to the server thread.
  const ServerOptions options_;
  ServerStats& stats_;
  rt::poll::Poller poller_;
  rt::poll::Socket listener_;
  std::atomic<bool> stop_requested_{false};  // set by request_stop() on any thread
  bool stopping_ = false;                    // the listener is closed; grace period running
  Clock::time_point grace_deadline_;
  bool backing_off_ = false;  // accept failed for lack of descriptors; retry at retry_at_
  Clock::time_point retry_at_;
  std::chrono::milliseconds backoff_ = options_.backoff.first;
  std::uint64_t next_id_ = kListenerToken + 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::vector<std::uint64_t> closed_;    // closed during this turn, erased at its end
  std::vector<std::uint64_t> runnable_;  // spent their budget: resumed in the next turn
  std::vector<std::uint64_t> resuming_;  // runnable_ of the last turn, being resumed
  using Timer = std::pair<Clock::time_point, std::uint64_t>;  // (deadline, connection id)
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> idle_timers_;
};

}  // namespace

bool events_model_available() noexcept {
  return true;
}

std::unique_ptr<ModelServer> make_events_server(const ServerOptions& options, ServerStats& stats) {
  return std::make_unique<EventsServer>(options, stats);
}

}  // namespace ch04
