// listener.hpp: binding, accepting with a deadline, and closing under a parked accept.
#include <gtest/gtest.h>

#include <string>

#include "net_test_support.hpp"
#include "rt/net/errors.hpp"
#include "rt/net/timer.hpp"

using namespace std::chrono_literals;
using namespace rt::net::testing;
using rt::net::Deadline;
using rt::net::Listener;
using rt::net::Loop;
using rt::net::Stream;

TEST(Listener, PortZeroGetsAnEphemeralPortThatAcceptsConnections) {
  on_loop([] {
    Listener listener = Listener::bind("127.0.0.1", 0);
    ASSERT_NE(listener.port(), 0);
    Stream client = Stream::connect("localhost", listener.port());
    Stream server = listener.accept();
    EXPECT_EQ(server.peer_port(), client.local_port());
    EXPECT_EQ(client.peer_port(), listener.port());
  });
}

TEST(Listener, BindingAPortInUseThrowsAnOsErrorNamingTheAddress) {
  on_loop([] {
    Listener first = Listener::bind("127.0.0.1", 0);
    const std::string address = "bind 127.0.0.1:" + std::to_string(first.port());
    try {
      Listener second = Listener::bind("127.0.0.1", first.port());
      FAIL() << "a second listener on the same port must be refused";
    } catch (const rt::OsError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(address, 0), 0u) << e.what();
    }
  });
}

TEST(Listener, AnAcceptPastItsDeadlineThrowsTimedOutAndTheListenerStaysUsable) {
  on_loop([] {
    Listener listener = Listener::bind("127.0.0.1", 0);
    EXPECT_THROW(listener.accept(Deadline::after(20ms)), rt::net::TimedOut);
    Stream client = Stream::connect("127.0.0.1", listener.port());
    Stream server = listener.accept(Deadline::after(10s));
    EXPECT_TRUE(server.is_open());
  });
}

TEST(Listener, ClosingItWhileAFiberIsParkedInAcceptEndsThatAcceptWithCancelled) {
  on_loop([] {
    Listener listener = Listener::bind("127.0.0.1", 0);
    std::string message;
    auto acceptor = Loop::current().spawn({.name = "acceptor"}, [&] {
      try {
        listener.accept();
      } catch (const rt::net::Cancelled& e) {
        message = e.what();
      }
    });
    rt::net::sleep_for(0ms);  // the acceptor runs and parks
    listener.close();
    EXPECT_FALSE(listener.is_open());
    acceptor.join();
    EXPECT_EQ(message, "accept: cancelled (the listener was closed)");
    try {  // closed before the accept began: the same end
      listener.accept();
      ADD_FAILURE() << "accept on a closed listener returned";
    } catch (const rt::net::Cancelled& e) {
      EXPECT_STREQ(e.what(), "accept: cancelled (the listener was closed)");
    }
    EXPECT_THROW(rt::net::Listener().accept(), std::logic_error);  // never listened
    listener.close();                                              // idempotent
  });
}
