// What only Unix can show in-process: accept under descriptor exhaustion (RLIMIT_NOFILE),
// and Ctrl-C as a real SIGINT.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <string>
#include <thread>

#include "net_test_support.hpp"
#include "rt/descriptor_limit_posix.hpp"
#include "rt/net/errors.hpp"
#include "rt/net/timer.hpp"
#include "rt/poll/socket.hpp"
#include "rt/terminal.hpp"

using namespace std::chrono_literals;
using rt::testing::DescriptorLimit;
using namespace rt::net::testing;
using rt::net::Listener;
using rt::net::Loop;
using rt::net::Stream;

// The descriptor the next open would get: the lowest number not in use.
rlim_t lowest_free_descriptor() {
  const int probe = ::dup(0);
  ::close(probe);
  return static_cast<rlim_t>(probe);
}

TEST(ListenerPosix, AcceptOutOfDescriptorsThrowsEMFILEAndWorksAgainOnceOneIsFree) {
  on_loop([] {
    Listener listener = Listener::bind("127.0.0.1", 0);
    Stream client = Stream::connect("127.0.0.1", listener.port());
    // A new descriptor must be below the limit: with the limit at the lowest free number,
    // there is none to spare, and the pending connection cannot be accepted.
    // UBSan checks an object's dynamic type on first sight by probing its memory through a
    // pipe, which needs two descriptors: let it see the error type while there are some. The
    // accepted Stream (its state is polymorphic: reactor.hpp) is declared before the limits,
    // so that it closes once they are lifted.
    Stream server;
    try {
      rt::poll::throw_socket_error("accept", EMFILE);
    } catch (const rt::OsError& e) {
      EXPECT_TRUE(rt::net::is_out_of_descriptors(e));
      EXPECT_EQ(std::string(e.what()).rfind("accept", 0), 0u) << e.what();  // clang's UBSan too
    }
    const rlim_t lowest_free = lowest_free_descriptor();
    DescriptorLimit limit(lowest_free);
    ASSERT_TRUE(limit.ok());
    try {
      listener.accept();
      FAIL() << "accept must fail without a free descriptor";
    } catch (const rt::OsError& e) {
      EXPECT_TRUE(rt::net::is_out_of_descriptors(e)) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("accept", 0), 0u) << e.what();
    }
    // The connection stayed in the backlog: with a descriptor free, it is accepted.
    DescriptorLimit raised(lowest_free + 1);
    server = listener.accept(rt::net::Deadline::after(10s));
    EXPECT_EQ(server.peer_port(), client.local_port());
  });
}

TEST(LoopPosix, CtrlCRunsTheInterruptCallbackOnTheLoopWithoutPolling) {
  rt::clear_interrupt();
  Loop loop;
  std::thread::id ran_on;
  bool sleeper_cancelled = false;
  loop.on_interrupt([&] {
    ran_on = std::this_thread::get_id();
    loop.cancel_all();
  });
  loop.spawn({.name = "sleeper"}, [&] {
    // Raised from another thread once this fiber is about to park: the handler runs there,
    // and only its notification can end the hour.
    std::thread([] { std::raise(SIGINT); }).detach();
    try {
      rt::net::sleep_for(1h);
    } catch (const rt::net::Cancelled&) {
      sleeper_cancelled = true;
    }
  });
  loop.run();
  EXPECT_TRUE(rt::interrupted());
  EXPECT_TRUE(sleeper_cancelled);
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_LE(loop.stats().waits, 2u) << "one wait, ended by the signal: no polling on a timer";
  rt::clear_interrupt();
}
