// Writing bytes to a file two ways: through the documented wrapper every program uses
// (write(2) from the C library on Unix, WriteFile from kernel32 on Windows), and, where the
// OS has a stable system call ABI, through the raw instruction (raw_syscall.hpp). The
// `syscall` demo prints a greeting both ways; `bench` compares their cost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace rt::sys {

// A file as the OS names it: a descriptor on Unix, a HANDLE on Windows.
using NativeFile = std::intptr_t;

// The process's standard output.
NativeFile standard_output() noexcept;

// The null device (/dev/null, NUL), open for writing: the kernel accepts every byte and
// discards it, so a write to it costs the system call and almost nothing else.
class NullDevice {
 public:
  NullDevice();  // throws rt::OsError (open, CreateFile)
  ~NullDevice();
  NullDevice(const NullDevice&) = delete;
  NullDevice& operator=(const NullDevice&) = delete;
  NativeFile file() const noexcept { return file_; }

 private:
  NativeFile file_;
};

// The documented wrapper: "write (C library)" or "WriteFile (kernel32)".
const char* wrapped_write_name() noexcept;
// Writes through the wrapper; returns the bytes written. Throws rt::OsError on failure.
std::size_t wrapped_write(NativeFile file, std::span<const std::byte> data);

// True where raw_syscall.hpp's raw_write exists (Linux and macOS), false on Windows.
bool has_raw_write() noexcept;
// Writes through the raw system call instruction; returns the bytes written. Throws
// rt::OsError on failure (the kernel's -errno), and on Windows always (ERROR_NOT_SUPPORTED).
std::size_t raw_write_checked(NativeFile file, std::span<const std::byte> data);
// What raw_write does on this target, or why there is none.
const char* raw_write_description() noexcept;

}  // namespace rt::sys
