// DrainMark: one system call fewer per message on an edge-triggered socket (epoll EPOLLET,
// kqueue EV_CLEAR), by remembering that the last receive emptied it.
//
//   rt::poll::DrainMark mark;
//   on each event for the socket:  mark.on_event(event);
//   before a receive:              if (mark.drained()) wait for the next event; else recv()
//   after a receive that worked:   mark.on_receive(bytes, buffer_size);
//
// The rule. A receive that returned fewer bytes than its buffer held took everything the
// socket had (a TCP receive copies until the buffer is full or the queue is empty), so the
// next receive can wait for the next edge without calling recv() first: that call would say
// EAGAIN, or find data whose arrival has queued an edge, since epoll and kqueue (EV_CLEAR)
// report every arrival, not only a change from empty. Two guards keep data from being waited
// for:
// - Any readable, hangup or error event clears the mark, whether a receive waits or not (an
//   edge spent on something else still says data came).
// - A peer's FIN is no arrival to wait for: it may have come in the same event as the data a
//   short receive took, and no edge follows it. So once an event said hangup or error, the
//   mark is never set again (test: AShortReceiveThatLeftTheFinBehindStillReachesTheEnd; the
//   echo tests hung without it).
// Tokio's reactor does the same on epoll and kqueue, keeping "read closed" when it clears
// readiness (tokio/src/io/poll_evented.rs; tokio-rs/tokio#5866 for where it does not hold:
// level-triggered polling, which these backends never use). Checked by spin:
// ch02-epoll-kqueue-iocp/model/short_receive.pml.
//
// One hole the kernel leaves: urgent data (a peer's MSG_OOB). Linux's TCP receive stops short
// at the urgent mark with data still behind it and no edge to come, so a receive of such a
// connection waits until the peer sends again or its deadline passes. Only that connection is
// affected; Tokio has the same hole.
//
// Users: chapter 2's IoSocket (io_operation_readiness.cpp) and chapter 4's events model
// (app/server_events.cpp), which is written on the raw Poller. Readiness backends only: a
// completion queue (IOCP) reports finished receives, not arrivals.
#pragma once

#include <cstddef>

#include "rt/poll/poller.hpp"

namespace rt::poll {

class DrainMark {
 public:
  // An event for the socket, whether a receive waits or not.
  void on_event(const Event& event) noexcept {
    const bool hangup_or_error = event.hangup || event.error;
    if (event.readable || hangup_or_error) drained_ = false;  // something arrived: call again
    if (hangup_or_error) hung_up_ = true;                     // for good: no edge follows a FIN
  }
  // A receive finished: `bytes` received (0: end of stream) into a buffer of `capacity`, or
  // failed with `error` (then nothing is marked).
  void on_receive(std::size_t bytes, std::size_t capacity, int error = 0) noexcept {
    drained_ = !hung_up_ && error == 0 && bytes > 0 && bytes < capacity;
  }
  // Whether the next receive should wait for the next event without calling recv() first.
  bool drained() const noexcept { return drained_; }

 private:
  bool drained_ = false;
  bool hung_up_ = false;  // an event said hangup or error: never drained again
};

}  // namespace rt::poll
