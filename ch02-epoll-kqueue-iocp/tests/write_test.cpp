// write.hpp on every OS: the documented wrapper works, and the raw path exists exactly
// where the OS has a stable system call ABI.
#include "rt/sys/write.hpp"

#include <gtest/gtest.h>

#include <string_view>

#include "rt/error.hpp"
#include "rt/platform.hpp"

namespace {
std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}
}  // namespace

TEST(Write, TheWrapperWritesEveryByteToTheNullDevice) {
  rt::sys::NullDevice null;
  EXPECT_EQ(rt::sys::wrapped_write(null.file(), bytes_of("discarded")), 9u);
}

TEST(Write, TheRawPathExistsExactlyWhereTheAbiIsStable) {
  rt::sys::NullDevice null;
  if (rt::sys::has_raw_write()) {
    EXPECT_NE(std::string(rt::kOsName), "Windows");
    EXPECT_EQ(rt::sys::raw_write_checked(null.file(), bytes_of("discarded")), 9u);
  } else {
    EXPECT_EQ(std::string(rt::kOsName), "Windows");
    EXPECT_THROW(rt::sys::raw_write_checked(null.file(), bytes_of("x")), rt::OsError);
  }
}
