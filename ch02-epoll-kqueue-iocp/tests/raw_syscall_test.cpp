// raw_syscall.hpp on Linux and macOS: the bytes really reach the kernel, and the kernel's
// errors come back as -errno.
#include "rt/sys/raw_syscall.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <string>

TEST(RawSyscall, BytesWrittenByTheInstructionArriveThroughAPipe) {
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  const std::string text = "written without the C library\n";
  EXPECT_EQ(rt::sys::raw_write(ends[1], text.data(), text.size()), static_cast<long>(text.size()));
  std::string seen(text.size(), '\0');
  ASSERT_EQ(::read(ends[0], seen.data(), seen.size()), static_cast<ssize_t>(text.size()));
  EXPECT_EQ(seen, text);
  ::close(ends[0]);
  ::close(ends[1]);
}

TEST(RawSyscall, AClosedDescriptorGivesMinusEBADF) {
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  ::close(ends[0]);
  ::close(ends[1]);  // now surely not open (nothing else in this test opens descriptors)
  EXPECT_EQ(rt::sys::raw_write(ends[1], "x", 1), -EBADF);
}

TEST(RawSyscall, AClosedReaderGivesMinusEPIPE) {
  // The kernel also raises SIGPIPE for this; ignore it so the error code can be seen.
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  ::close(ends[0]);
  auto previous = ::signal(SIGPIPE, SIG_IGN);
  long result = rt::sys::raw_write(ends[1], "x", 1);
  ::signal(SIGPIPE, previous);
  ::close(ends[1]);
  EXPECT_EQ(result, -EPIPE);
}

TEST(RawSyscall, ConventionNamesTheInstruction) {
  std::string convention = rt::sys::raw_write_convention();
  EXPECT_NE(convention.find("svc"), convention.find("syscall"))
      << "names `syscall` or `svc`: " << convention;
}
