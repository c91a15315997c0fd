// `bench --peer NAME=PORT` and `bench --models LIST`: a server outside the bench is driven
// like the bench's own models, a subset of the models can be chosen, and bad forms are
// refused. Here the "outside" server is an EchoServer of this test process: to the bench it
// is only a port.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "demos_testing.hpp"
#include "echo_testing.hpp"
#include "peer.hpp"
#include "rt/testing.hpp"

using ch04::testing::run;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// A port on 127.0.0.1 where nothing listens (bound, then closed again).
std::uint16_t closed_port() {
  auto socket = rt::poll::listen_loopback();
  return rt::poll::local_port(socket);
}

// A row of the bench's table for `name` at `connections`, ending in 0 errors.
std::string row(const std::string& name, const std::string& connections) {
  return "\n" + name + " +" + connections + " +[0-9]+ +[0-9.]+ .* 0\n";
}

TEST(Peer, ParsesNameEqualsPort) {
  auto peer = ch04::parse_peer("go=7003");
  EXPECT_EQ(peer.name, "go");
  EXPECT_EQ(peer.port, 7003);
}

TEST(Peer, RefusesWhatIsNotNameEqualsPort) {
  for (const char* text :
       {"go", "=7003", "go=", "go=0", "go=65536", "go=70x", "go= 7", "go=-1", "a=b=1"}) {
    EXPECT_THROW(ch04::parse_peer(text), std::invalid_argument) << text;
  }
}

TEST(BenchPeer, DrivesAServerOutsideTheBenchAndNamesItsRow) {
  ch04::EchoServer server({.model = ch04::Model::fibers});
  auto port = std::to_string(server.port());
  auto r = run(
      {"bench", "--models", "none", "--peer", "x=" + port, "--conns", "1", "--duration", "0.05"});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_TRUE(rt::testing::contains_regex(r.out, row("x", "1"))) << r.out;
  EXPECT_THAT(r.out, HasSubstr("peers outside this process: x)"));
  EXPECT_THAT(r.out, HasSubstr("peer x: 127.0.0.1:" + port + ", started outside this process"));
  for (const char* model : {"threads", "events", "fibers"}) {
    EXPECT_FALSE(rt::testing::contains_regex(r.out, std::string("\n") + model + " ")) << r.out;
  }
  EXPECT_GE(server.stats().counts().accepted, 2u) << "the check's connection, then the row's";
}

TEST(BenchPeer, JsonHasThePeersRow) {
  ch04::EchoServer server({.model = ch04::Model::threads});
  auto r = run({"bench", "--models", "none", "--peer", "go=" + std::to_string(server.port()),
                "--conns", "1", "--duration", "0.05", "--json"});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"model\": \"go\", \"connections\": 1,"));
  EXPECT_THAT(r.out, HasSubstr("\"errors\": 0"));
}

TEST(BenchPeer, ModelsAndPeersShareOneTable) {
  ch04::EchoServer server({.model = ch04::Model::fibers});
  auto r = run({"bench", "--models", "fibers", "--peer", "other=" + std::to_string(server.port()),
                "--conns", "1,2", "--duration", "0.05"});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  for (const char* connections : {"1", "2"}) {
    EXPECT_TRUE(rt::testing::contains_regex(r.out, row("fibers", connections))) << r.out;
    EXPECT_TRUE(rt::testing::contains_regex(r.out, row("other", connections))) << r.out;
  }
}

TEST(BenchModels, PrintsOnlyTheChosenModelsRows) {
  auto r = run({"bench", "--models", "fibers", "--conns", "1", "--duration", "0.05"});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_TRUE(rt::testing::contains_regex(r.out, row("fibers", "1"))) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("\nthreads ")));
  EXPECT_THAT(r.out, Not(HasSubstr("\nevents ")));
  EXPECT_THAT(r.out, Not(HasSubstr("peer"))) << "no peer, no peer note";
}

TEST(BenchPeer, APeerThatRefusesConnectionsIsOneClearError) {
  auto port = std::to_string(closed_port());
  auto r = run({"bench", "--models", "none", "--peer", "gone=" + port, "--conns", "1", "--duration",
                "0.05"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("ch04-echo-server: error: peer gone at 127.0.0.1:" + port +
                               " does not echo: connection 0: connect 127.0.0.1:" + port));
  EXPECT_EQ(r.out, "") << "nothing was measured";
}

TEST(BenchPeer, APeerThatNeverAnswersIsAnErrorNotAHang) {
  // Listening, never accepting: the kernel completes the connections, nobody echoes. The
  // client gives up after its drain time (2 s), so the check ends.
  auto silent = rt::poll::listen_loopback();
  auto port = std::to_string(rt::poll::local_port(silent));
  auto r = run({"bench", "--models", "none", "--peer", "mute=" + port, "--conns", "1", "--duration",
                "0.05"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("error: peer mute at 127.0.0.1:" + port + " does not echo: "));
}

TEST(BenchPeer, BadFormsAreRefusedWithTheReason) {
  const rt::testing::Refusal kRefusals[] = {
      {{"bench", "--peer", "go"}, "--peer: 'go' is not NAME=PORT"},
      {{"bench", "--peer", "=7003"}, "the name before '=' is empty"},
      {{"bench", "--peer", "go=0"}, "the port must be a number from 1 to 65535"},
      {{"bench", "--peer", "go=65536"}, "the port must be a number from 1 to 65535"},
      {{"bench", "--peer", "go=seven"}, "the port must be a number from 1 to 65535"},
      {{"bench", "--models", "none", "--peer", "a=1", "--peer", "a=2"}, "a is given twice"},
      {{"bench", "--peer", "fibers=1"}, "also an in-process model of this run"},
      {{"bench", "--models", "none"}, "--models"},
      {{"bench", "--models", "fibers,none", "--peer", "x=1"}, "none stands alone"},
      {{"bench", "--models", "coroutines"}, "--models"},
  };
  EXPECT_EQ(rt::testing::refusal_failures(ch04::program(), kRefusals), "");
}

}  // namespace
