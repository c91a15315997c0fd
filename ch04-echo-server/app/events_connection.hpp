// One connection of the events model (server_events.cpp): where its "read, then write" was
// when a call would have blocked, kept in a struct because the thread cannot wait inside
// either call, and the budget that bounds its share of a loop turn.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "rt/clock.hpp"
#include "rt/poll/drain_mark.hpp"
#include "rt/poll/socket.hpp"
#include "server.hpp"

namespace ch04::events {

struct Connection {
  enum class State : std::uint8_t {
    reading,  // nothing unsent: read until EAGAIN or a short read (a readable edge resumes it)
    writing,  // buffer[sent, received) unsent: send until done (a writable edge resumes it);
              // reading is paused, so a client that does not read stops being read
    closed,   // socket closed, deregistered; erased at the end of the event batch
  };

  std::uint64_t id = 0;
  rt::poll::Socket socket;
  std::vector<std::byte> buffer = std::vector<std::byte>(kEchoBufferSize);
  std::size_t sent = 0;  // buffer[sent, received) is still to be echoed
  std::size_t received = 0;
  rt::Clock::time_point last_progress;  // for the idle timeout: the last byte moved
  State state = State::reading;
  bool runnable = false;  // spent its budget with work left: in runnable_, resumed next turn
  // The last receive was short and no readable event came since: the next receive waits for
  // one (chapter 2's rule, shared with its IoSocket).
  rt::poll::DrainMark drain;

  void transition(State from, State to) {
    assert(state == from && "echo connection: transition from the wrong state");
    (void)from;
    state = to;
  }
};

}  // namespace ch04::events
