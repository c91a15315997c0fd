// `syscall`: one greeting through the system call instruction itself, one through the
// documented wrapper (the C library's write, or WriteFile on Windows). Both go to standard
// output; the lines after each say what made it.
#include <string_view>

#include "demos.hpp"
#include "rt/platform.hpp"
#include "rt/sys/write.hpp"

namespace ch02 {

namespace {
std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}
}  // namespace

void syscall_demo(rt::Output& out) {
  const auto stdout_file = rt::sys::standard_output();
  out.print("{} {}: two ways into the kernel\n\n", rt::kOsName, rt::kArchName);
  if (rt::sys::has_raw_write()) {
    std::string_view greeting = "hello from the system call instruction, no C library\n";
    std::size_t n = rt::sys::raw_write_checked(stdout_file, bytes_of(greeting));
    out.print("  ^ raw: {}\n    returned {} of {} bytes\n\n", rt::sys::raw_write_description(), n,
              greeting.size());
  } else {
    out.print("  raw: {}\n\n", rt::sys::raw_write_description());
  }
  std::string_view greeting = "hello from the documented wrapper\n";
  std::size_t n = rt::sys::wrapped_write(stdout_file, bytes_of(greeting));
  out.print("  ^ wrapped: {}\n    returned {} of {} bytes\n", rt::sys::wrapped_write_name(), n,
            greeting.size());
}

}  // namespace ch02
