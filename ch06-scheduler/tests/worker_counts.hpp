// The fixture of every test that runs over worker counts {1, 2, 4, 8} (the chapter's rule):
//   class NetWorkers : public rt::sched::testing::OverWorkerCounts {};
//   INSTANTIATE_TEST_SUITE_P(Counts, NetWorkers, rt::sched::testing::kWorkerCounts,
//                            rt::sched::testing::WorkerCountName{});
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "rt/sched/runtime.hpp"

namespace rt::sched::testing {

class OverWorkerCounts : public ::testing::TestWithParam<int> {
 protected:
  // A runtime's options with GetParam() workers.
  rt::sched::Options options() const {
    rt::sched::Options o;
    o.workers = GetParam();
    return o;
  }
};

inline const auto kWorkerCounts = ::testing::Values(1, 2, 4, 8);

// "1w", "2w"...: the test names' suffix.
struct WorkerCountName {
  std::string operator()(const ::testing::TestParamInfo<int>& info) const {
    return std::to_string(info.param) + "w";
  }
};

using rt::sched::total;  // runtime.hpp; the tests name it rt::sched::testing::total

}  // namespace rt::sched::testing
