#include "rt/cli.hpp"

#include <CLI/CLI.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "rt/error.hpp"
#include "rt/testing.hpp"

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

void add_commands(CLI::App& app, rt::Output& out) {
  auto* greet = app.add_subcommand("greet", "Say hello");
  auto name = std::make_shared<std::string>("world");
  greet->add_option("--name", *name, "Who to greet");
  greet->callback([&out, name] { out.print("hello, {}\n", *name); });

  auto* wait = app.add_subcommand("wait", "Take a number of seconds and a port");
  auto seconds = std::make_shared<double>(0);
  auto port = std::make_shared<int>(0);
  wait->add_option("--seconds", *seconds)->check(rt::cli::finite_range(0.0, 10.0));
  wait->add_option("--port", *port)
      ->transform(rt::cli::decimal_only())
      ->check(CLI::Range(0, 65535));
  wait->callback([&out, seconds, port] { out.print("{} s, port {}\n", *seconds, *port); });

  auto* tag = app.add_subcommand("tag", "Take any number of tags");
  auto tags = std::make_shared<std::vector<std::string>>();
  tag->add_option("--tag", *tags, "A tag (repeatable)");
  tag->callback([&out, tags] { out.print("{} tags\n", tags->size()); });

  auto* fail = app.add_subcommand("fail", "Fail like an OS call");
  fail->callback([] { rt::throw_errno("frobnicate", EINVAL); });
}

const rt::cli::Program kProgram{"demo", "A test program", add_commands};

}  // namespace

TEST(Cli, RunsTheChosenSubcommand) {
  auto r = rt::testing::run(kProgram, {"greet", "--name", "reader"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "hello, reader\n");
  EXPECT_EQ(r.err, "");
}

TEST(Cli, HelpListsSubcommandsAndSucceeds) {
  auto r = rt::testing::run(kProgram, {"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("greet"));
  EXPECT_THAT(r.out, HasSubstr("fail"));
}

TEST(Cli, EverySubcommandsHelpShowsItsOptionsDefaults) {
  // CLI11 2.1 shows a default as "=world", later versions as "[world]".
  auto r = rt::testing::run(kProgram, {"greet", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(rt::testing::contains_regex(r.out, "--name TEXT ?(=world|\\[world\\]) +Who to greet"))
      << r.out;
  r = rt::testing::run(kProgram, {"wait", "--help"});
  EXPECT_TRUE(rt::testing::contains_regex(r.out, "--seconds [^\\n]*(=0|\\[0\\])\\n")) << r.out;
  r = rt::testing::run(kProgram, {"tag", "--help"});
  EXPECT_THAT(r.out, Not(HasSubstr("[]"))) << "an empty list is no default";
}

TEST(Cli, BadFlagIsAClearErrorWithNonZeroStatus) {
  auto r = rt::testing::run(kProgram, {"greet", "--nmae", "x"});
  EXPECT_NE(r.status, 0);
  EXPECT_THAT(r.err, HasSubstr("--nmae"));
}

TEST(Cli, MissingSubcommandIsAnError) {
  auto r = rt::testing::run(kProgram, {});
  EXPECT_NE(r.status, 0);
  EXPECT_THAT(r.err, HasSubstr("subcommand"));
}

TEST(Cli, OsErrorsArePrintedWithTheCallAndStatusOne) {
  auto r = rt::testing::run(kProgram, {"fail"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("demo: error: frobnicate: "));
}

TEST(Cli, FiniteRangeRefusesNanInfinityAndNumbersOutsideIt) {
  for (const char* bad : {"nan", "NaN", "-nan", "inf", "-1", "10.5", "soon"}) {
    auto r = rt::testing::run(kProgram, {"wait", "--seconds", bad});
    EXPECT_NE(r.status, 0) << bad;
    EXPECT_THAT(r.err, HasSubstr("--seconds")) << bad;
  }
  auto r = rt::testing::run(kProgram, {"wait", "--seconds", "2.5"});
  EXPECT_EQ(r.out, "2.5 s, port 0\n") << r.err;
}

TEST(Cli, DecimalOnlyReadsLeadingZerosAsDecimalAndRefusesOtherBases) {
  auto r = rt::testing::run(kProgram, {"wait", "--port", "080"});
  EXPECT_EQ(r.out, "0 s, port 80\n") << r.err;
  r = rt::testing::run(kProgram, {"wait", "--port", "0"});
  EXPECT_EQ(r.out, "0 s, port 0\n") << r.err;
  for (const char* bad : {"0x50", "0o120", "0b1", "-1", "+80", "8O", ""}) {
    r = rt::testing::run(kProgram, {"wait", "--port", bad});
    EXPECT_NE(r.status, 0) << bad;
    EXPECT_THAT(r.err, HasSubstr("--port")) << bad;
  }
}
