// Writing on Windows: WriteFile, the lowest documented layer.
//
// Below WriteFile sit NtWriteFile (ntdll, documented for drivers only) and the `syscall`
// instruction with a service number in eax. Those numbers are not an interface: they are
// generated from the kernel's service table at build time and change between Windows
// releases (NtWriteFile has had several numbers across Windows 10 builds), which is why
// every Windows program enters the kernel through ntdll.dll, and why this repository has
// no raw system call for Windows.
#include <windows.h>

#include <climits>

#include "rt/error.hpp"
#include "rt/sys/write.hpp"

namespace rt::sys {

NativeFile standard_output() noexcept {
  return reinterpret_cast<NativeFile>(GetStdHandle(STD_OUTPUT_HANDLE));
}

NullDevice::NullDevice()
    : file_(reinterpret_cast<NativeFile>(CreateFileA("NUL", GENERIC_WRITE, FILE_SHARE_WRITE,
                                                     nullptr, OPEN_EXISTING, 0, nullptr))) {
  if (reinterpret_cast<HANDLE>(file_) == INVALID_HANDLE_VALUE) throw_last_error("CreateFile NUL");
}

NullDevice::~NullDevice() {
  CloseHandle(reinterpret_cast<HANDLE>(file_));
}

const char* wrapped_write_name() noexcept {
  return "WriteFile (kernel32)";
}

std::size_t wrapped_write(NativeFile file, std::span<const std::byte> data) {
  DWORD written = 0;
  DWORD size = data.size() > ULONG_MAX ? ULONG_MAX : static_cast<DWORD>(data.size());
  if (!WriteFile(reinterpret_cast<HANDLE>(file), data.data(), size, &written, nullptr)) {
    throw_last_error("WriteFile");
  }
  return written;
}

bool has_raw_write() noexcept {
  return false;
}

std::size_t raw_write_checked(NativeFile, std::span<const std::byte>) {
  throw OsError("raw write system call (Windows numbers are not stable)", ERROR_NOT_SUPPORTED,
                ErrorDomain::win32);
}

const char* raw_write_description() noexcept {
  return "none: Windows system call numbers change between releases; WriteFile is the "
         "lowest documented layer";
}

}  // namespace rt::sys
