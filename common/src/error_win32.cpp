// Windows error text: FormatMessage, since the C++ runtime's system_category does not give
// the system's message for GetLastError() values under every toolchain (MinGW's libstdc++
// answers with strerror's text for the same number, which is a different error).
#include <windows.h>

#include <fmt/format.h>

#include "rt/error.hpp"

namespace rt {

std::string win32_error_text(unsigned long code) {
  char buffer[512];
  DWORD n =
      FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, code,
                     MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), buffer, sizeof buffer, nullptr);
  if (n == 0) return fmt::format("unknown Windows error {}", code);
  std::string text(buffer, n);
  while (!text.empty() &&
         (text.back() == '\n' || text.back() == '\r' || text.back() == '.' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

void throw_last_error(std::string_view call) {
  throw OsError(call, static_cast<int>(GetLastError()), ErrorDomain::win32);
}

}  // namespace rt
