// rt::net's own errors, and the classification of the OS's.
#include "rt/net/errors.hpp"

#include <fmt/format.h>

#include "rt/poll/socket.hpp"

namespace rt::net {

namespace {

std::string describe_duration(std::chrono::nanoseconds after) {
  using std::chrono::duration;
  const double seconds = duration<double>(after).count();
  // Three significant digits: a deadline set a few microseconds before the call began
  // still reads "50 ms", not "49.9995 ms".
  if (seconds >= 1.0) return fmt::format("{:.3g} s", seconds);
  return fmt::format("{:.3g} ms", duration<double, std::milli>(after).count());
}

}  // namespace

// rt::OsError's message is "<call>: <the OS's text> (...)"; the call names the timeout, so
// the message reads "read: timed out after 5 s: Connection timed out (errno 110)".
TimedOut::TimedOut(std::string_view call, std::chrono::nanoseconds after)
    : rt::OsError(fmt::format("{}: timed out after {}", call, describe_duration(after)),
                  rt::poll::timed_out_error(), rt::poll::socket_error_domain()) {}

Cancelled::Cancelled(std::string_view call, std::string_view why)
    : std::runtime_error(fmt::format("{}: cancelled ({})", call, why)) {}

bool is_connection_reset(const rt::OsError& error) noexcept {
  return error.domain() == rt::poll::socket_error_domain() &&
         rt::poll::is_connection_reset(error.code());
}

bool is_out_of_descriptors(const rt::OsError& error) noexcept {
  return error.domain() == rt::poll::socket_error_domain() &&
         rt::poll::is_out_of_descriptors(error.code());
}

bool is_connection_refused(const rt::OsError& error) noexcept {
  return error.domain() == rt::poll::socket_error_domain() &&
         rt::poll::is_connection_refused(error.code());
}

}  // namespace rt::net
