// The errors rt::net adds to rt::OsError: a deadline passed, the loop is shutting down.
//
// Everything else a socket call can fail with is an rt::OsError naming the call and the
// address ("connect 127.0.0.1:9: Connection refused (errno 111)"); classify its code() with
// the predicates below rather than comparing numbers, which differ between OSes.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string_view>

#include "rt/error.hpp"

namespace rt::net {

// A Deadline passed before the operation finished. code() is ETIMEDOUT (Windows:
// WSAETIMEDOUT), so code that only knows rt::OsError still sees a timeout; the message
// reads "read: timed out after 5 s".
class TimedOut : public rt::OsError {
 public:
  TimedOut(std::string_view call, std::chrono::nanoseconds after);
};

// The fiber was parked (or was about to park) on a Loop that is shutting down
// (Loop::cancel_all), or on a Listener that another fiber closed. Not an OS error: nothing
// failed, the program asked to stop. The message reads "read: cancelled (the loop is
// shutting down)" or "accept: cancelled (the listener was closed)".
class Cancelled : public std::runtime_error {
 public:
  explicit Cancelled(std::string_view call, std::string_view why = "the loop is shutting down");
};

// The peer reset the connection or it broke (ECONNRESET, EPIPE, ECONNABORTED, and the
// Windows equivalents).
bool is_connection_reset(const rt::OsError& error) noexcept;
// The process or the system ran out of descriptors (EMFILE, ENFILE; WSAEMFILE, WSAENOBUFS):
// accept() throws these; a server backs off and keeps serving the connections it has.
bool is_out_of_descriptors(const rt::OsError& error) noexcept;
// connect() found nobody listening (ECONNREFUSED; WSAECONNREFUSED, ERROR_CONNECTION_REFUSED).
bool is_connection_refused(const rt::OsError& error) noexcept;

}  // namespace rt::net
