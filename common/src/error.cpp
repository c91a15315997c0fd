#include "rt/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <system_error>

namespace rt {
namespace {

std::string describe(std::string_view call, int code, ErrorDomain domain) {
  if (domain == ErrorDomain::win32) {
#if defined(RT_OS_WINDOWS)
    return fmt::format("{}: {} (error {})", call,
                       win32_error_text(static_cast<unsigned long>(code)), code);
#endif
  }
  return fmt::format("{}: {} (errno {})", call, errno_text(code), code);
}

}  // namespace

OsError::OsError(std::string_view call, int code, ErrorDomain domain)
    : std::runtime_error(describe(call, code, domain)), call_(call), code_(code), domain_(domain) {}

std::string errno_text(int code) {
  // std::strerror is not thread-safe, and its thread-safe variants differ per libc (GNU
  // strerror_r returns char*, XSI returns int). generic_category gives the same text, safely.
  return std::generic_category().message(code);
}

void throw_errno(std::string_view call) {
  // errno first, before anything can allocate: `throw` allocates the exception object
  // before it evaluates the constructor's arguments, and a malloc that had to try a failed
  // mmap first (out of address space) succeeds with errno left at ENOMEM. Read after that,
  // accept's EAGAIN would be reported as ENOMEM.
  const int code = errno;
  throw OsError(call, code, ErrorDomain::errno_value);
}

void throw_errno(std::string_view call, int code) {
  throw OsError(call, code, ErrorDomain::errno_value);
}

}  // namespace rt
