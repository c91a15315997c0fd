// What a channel operation ended with. Values, not exceptions: a timeout or a close is an
// ordinary outcome of talking to another party, and the caller decides what it means.
#pragma once

#include <optional>
#include <utility>

namespace rt::chan {

enum class Status {
  ok,         // sent (the value is in the channel), or received (the value is yours)
  closed,     // send: the channel is closed, nothing was enqueued; receive: closed and drained
  timed_out,  // the deadline passed first; a send enqueued nothing, a receive took nothing
  cancelled,  // the stop token was triggered first; same guarantees as timed_out
  full,       // try_send: no room now (nothing enqueued)
  empty,      // try_receive: no value now
  dropped,    // send under DropNewest: the channel was full and this value was discarded
};

const char* to_string(Status status) noexcept;

// A receive's outcome: the value when status is ok.
template <typename T>
struct Received {
  Status status = Status::empty;
  std::optional<T> value;

  explicit operator bool() const noexcept { return status == Status::ok; }
};

}  // namespace rt::chan
