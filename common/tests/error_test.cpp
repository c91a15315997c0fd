#include "rt/error.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cerrno>

using ::testing::HasSubstr;

TEST(OsError, NamesTheCallTheOsTextAndTheNumber) {
  try {
    rt::throw_errno("open(\"/nonexistent\")", ENOENT);
    FAIL() << "throw_errno returned";
  } catch (const rt::OsError& e) {
    EXPECT_EQ(e.call(), "open(\"/nonexistent\")");
    EXPECT_EQ(e.code(), ENOENT);
    EXPECT_THAT(e.what(), HasSubstr("open(\"/nonexistent\"): "));
    EXPECT_THAT(e.what(), HasSubstr(rt::errno_text(ENOENT)));
    EXPECT_THAT(e.what(), HasSubstr(fmt::format("(errno {})", ENOENT)));
  }
}

TEST(OsError, CheckRcPassesZeroAndThrowsOtherwise) {
  EXPECT_NO_THROW(rt::check_rc(0, "ok"));
  EXPECT_THROW(rt::check_rc(EAGAIN, "pthread_create"), rt::OsError);
}

#if defined(RT_OS_WINDOWS)
TEST(OsError, WindowsErrorsUseTheSystemMessage) {
  // ERROR_FILE_NOT_FOUND is 2; errno 2 is ENOENT: the domains must not be confused.
  rt::OsError e("CreateFileW", 2, rt::ErrorDomain::win32);
  EXPECT_THAT(e.what(), HasSubstr("(error 2)"));
  EXPECT_THAT(e.what(), HasSubstr("CreateFileW: "));
  EXPECT_THAT(rt::win32_error_text(2), ::testing::Not(HasSubstr("unknown")));
}
#endif
