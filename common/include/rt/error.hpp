// Errors from the operating system, named after the call that failed.
//
// Every failing OS call in this repository ends as an `rt::OsError` whose message reads
// "pthread_create: Resource temporarily unavailable (errno 11)" or
// "CreateThread: Not enough memory resources are available... (error 8)": the call, the
// OS's own text, and the number to search for.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "rt/platform.hpp"

namespace rt {

enum class ErrorDomain {
  errno_value,  // POSIX errno (also what the C and C++ runtimes report on Windows)
  win32,        // Windows GetLastError()
};

class OsError : public std::runtime_error {
 public:
  OsError(std::string_view call, int code, ErrorDomain domain);

  const std::string& call() const noexcept { return call_; }
  int code() const noexcept { return code_; }
  ErrorDomain domain() const noexcept { return domain_; }

 private:
  std::string call_;
  int code_;
  ErrorDomain domain_;
};

// The OS's text for an error number, without trailing newline or period.
std::string errno_text(int code);

// Throws OsError for `call` with the current errno, read before anything is allocated (an
// allocation may change errno even when it succeeds).
[[noreturn]] void throw_errno(std::string_view call);
// Throws OsError for `call` with an error number returned directly (pthreads style).
[[noreturn]] void throw_errno(std::string_view call, int code);
#if defined(RT_OS_WINDOWS)
// FormatMessage's text for a GetLastError() value (error_win32.cpp).
std::string win32_error_text(unsigned long code);
// Throws OsError for `call` with GetLastError().
[[noreturn]] void throw_last_error(std::string_view call);
#endif

// For calls that return 0 on success and an error number otherwise (pthreads).
inline void check_rc(int rc, std::string_view call) {
  if (rc != 0) throw_errno(call, rc);
}

}  // namespace rt
