// The stop requests of Unix, and a stdout whose reader has gone.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>

#include "rt/output.hpp"
#include "rt/terminal.hpp"

TEST(Terminal, SigtermAndSighupAreRecordedAsCtrlCIs) {
  rt::install_interrupt_handler();
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    SCOPED_TRACE(signal_number);
    rt::clear_interrupt();
    std::raise(signal_number);  // the default action would end this process
    EXPECT_TRUE(rt::interrupted());
  }
  rt::clear_interrupt();
}

TEST(Terminal, OutputToAPipeWhoseReaderHasGoneFailsQuietlyOnceSigpipeIsIgnored) {
  rt::ignore_broken_pipe();
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  ::close(ends[0]);  // the reader is gone
  std::FILE* file = ::fdopen(ends[1], "w");
  ASSERT_NE(file, nullptr);
  rt::Output out(file);
  out.write("stopping: this line goes nowhere\n");  // SIGPIPE would end the process here
  EXPECT_TRUE(std::ferror(file));
  std::fclose(file);
}
