#include "rt/stats.hpp"

#include <gtest/gtest.h>

#include <vector>

TEST(Summarize, EmptyInputGivesZeroes) {
  rt::Summary s = rt::summarize({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.max, 0);
}

TEST(Summarize, PercentilesAreObservedValuesByNearestRank) {
  std::vector<double> samples;
  for (int i = 1000; i >= 1; --i) samples.push_back(i);  // unsorted on purpose
  rt::Summary s = rt::summarize(samples);
  EXPECT_EQ(s.count, 1000u);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.median, 500);
  EXPECT_EQ(s.p99, 990);
  EXPECT_EQ(s.p999, 999);
  EXPECT_EQ(s.max, 1000);
  EXPECT_DOUBLE_EQ(s.mean, 500.5);
}

TEST(Summarize, FewSamplesMakeP999TheMaximum) {
  std::vector<double> samples{3, 1, 2};
  rt::Summary s = rt::summarize(samples);
  EXPECT_EQ(s.median, 2);
  EXPECT_EQ(s.p99, 3);
  EXPECT_EQ(s.p999, 3);
}
