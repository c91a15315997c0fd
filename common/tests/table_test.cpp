#include "rt/table.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using ::testing::HasSubstr;

TEST(Table, PrintsAlignedColumnsUnderARule) {
  rt::Table table("results", {"metric", "value"});
  table.add_row({"spawn", "12.5"});
  table.add_row({"a longer metric", "3"});
  std::string text;
  rt::Output out(&text);
  table.print(out);
  EXPECT_EQ(text,
            "results\n"
            "metric           value\n"
            "---------------  -----\n"
            "spawn             12.5\n"
            "a longer metric      3\n");
}

TEST(Table, JsonKeepsNumbersAsNumbersAndEscapesStrings) {
  rt::Table table("t", {"name", "ns"});
  table.add_row({"say \"hi\"", "42"});
  std::string text;
  rt::Output out(&text);
  table.print_json(out);
  EXPECT_THAT(text, HasSubstr(R"({"name": "say \"hi\"", "ns": 42})"));
  EXPECT_THAT(text, HasSubstr(R"({"title": "t", "rows": [)"));
}

TEST(Table, ACellThatMeasuredNothingIsADashAndJsonNull) {
  rt::Table table("t", {"name", "msgs/s"});
  table.add_row({"idle", rt::kNotMeasured});
  table.add_row({"busy", "1200"});
  std::string text;
  rt::Output out(&text);
  table.print(out);
  EXPECT_THAT(text, HasSubstr("idle       -\n")) << "right-aligned like the numbers beside it";
  text.clear();
  table.print_json(out);
  EXPECT_THAT(text, HasSubstr(R"({"name": "idle", "msgs/s": null})"));
  EXPECT_THAT(text, HasSubstr(R"({"name": "busy", "msgs/s": 1200})"));
}

TEST(Format, DurationsAndBytesPickAFittingUnit) {
  EXPECT_EQ(rt::format_number(12.345), "12.3");
  EXPECT_EQ(rt::format_number(2.0, 2), "2.00");
  EXPECT_EQ(rt::format_number(71.4, 0), "71");
  EXPECT_EQ(rt::format_duration_ns(850), "850 ns");
  EXPECT_EQ(rt::format_duration_ns(12'345), "12.3 us");
  EXPECT_EQ(rt::format_duration_ns(4'560'000), "4.56 ms");
  EXPECT_EQ(rt::format_bytes(512), "512 B");
  EXPECT_EQ(rt::format_bytes(8192), "8.0 KiB");
  EXPECT_EQ(rt::format_bytes(1.5 * 1024 * 1024), "1.50 MiB");
}
