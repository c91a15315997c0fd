// Writing on Linux and macOS: the C library's write(2), and the raw instruction.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "rt/error.hpp"
#include "rt/sys/raw_syscall.hpp"
#include "rt/sys/write.hpp"

namespace rt::sys {

NativeFile standard_output() noexcept {
  return STDOUT_FILENO;
}

NullDevice::NullDevice() : file_(::open("/dev/null", O_WRONLY | O_CLOEXEC)) {
  if (file_ < 0) throw_errno("open /dev/null");
}

NullDevice::~NullDevice() {
  ::close(static_cast<int>(file_));
}

const char* wrapped_write_name() noexcept {
  return "write (C library)";
}

std::size_t wrapped_write(NativeFile file, std::span<const std::byte> data) {
  ssize_t n = ::write(static_cast<int>(file), data.data(), data.size());
  if (n < 0) throw_errno("write");
  return static_cast<std::size_t>(n);
}

bool has_raw_write() noexcept {
  return true;
}

std::size_t raw_write_checked(NativeFile file, std::span<const std::byte> data) {
  long n = raw_write(static_cast<int>(file), data.data(), data.size());
  if (n < 0) throw_errno("raw write system call", static_cast<int>(-n));
  return static_cast<std::size_t>(n);
}

const char* raw_write_description() noexcept {
  return raw_write_convention();
}

}  // namespace rt::sys
