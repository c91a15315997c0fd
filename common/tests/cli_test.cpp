#include "rt/cli.hpp"

#include <CLI/CLI.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "rt/error.hpp"
#include "rt/testing.hpp"

using ::testing::HasSubstr;

namespace {

void add_commands(CLI::App& app, rt::Output& out) {
  auto* greet = app.add_subcommand("greet", "Say hello");
  auto name = std::make_shared<std::string>("world");
  greet->add_option("--name", *name, "Who to greet");
  greet->callback([&out, name] { out.print("hello, {}\n", *name); });

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
