// The lists a debugger reads (gdb/sched.py, as Go's allgs): every runtime in one, every live
// fiber of a runtime in exactly one of its lists, over worker counts 1, 2, 4 and 8.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <vector>

#include "rt/sched/runtime.hpp"
#include "runtime_impl.hpp"
#include "worker_counts.hpp"

namespace {

namespace this_fiber = rt::sched::this_fiber;
using rt::sched::Runtime;

class DebuggerLists : public rt::sched::testing::OverWorkerCounts {};

INSTANTIATE_TEST_SUITE_P(Counts, DebuggerLists, rt::sched::testing::kWorkerCounts,
                         rt::sched::testing::WorkerCountName{});

// The lists gdb/sched.py reads (Go's allgs): every live fiber in exactly one, none once it
// finished, wherever it was spawned and ran.
TEST_P(DebuggerLists, EveryLiveFiberIsInOneAndNoFinishedOne) {
  Runtime runtime({.workers = GetParam()});
  auto& impl = runtime.impl();
  auto listed = [&impl] {
    std::vector<std::uint64_t> ids;
    auto walk = [&ids](rt::sched::detail::FiberList& list) {
      std::lock_guard guard(list.lock);
      for (auto* fiber = list.head; fiber != nullptr; fiber = fiber->list_next) {
        ids.push_back(fiber->id);
      }
    };
    walk(impl.outside_fibers);
    for (auto& worker : impl.workers) walk(worker->fibers);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  {
    std::lock_guard guard(rt::sched::detail::runtimes_lock);
    bool found = false;
    for (auto* r = rt::sched::detail::runtimes; r != nullptr; r = r->next_runtime) {
      found = found || r == &impl;
    }
    EXPECT_TRUE(found) << "the runtime is not in the debuggers' list of runtimes";
  }
  constexpr int kChildren = 50;
  std::atomic<int> parked{0};
  std::vector<rt::sched::Fiber*> children(kChildren, nullptr);
  std::vector<std::uint64_t> seen;
  runtime
      .spawn({.name = "parent"},
             [&] {
               std::vector<rt::sched::JoinHandle> handles;
               for (int i = 0; i < kChildren; ++i) {
                 handles.push_back(this_fiber::spawn({.name = "child"}, [&, i] {
                   children[static_cast<std::size_t>(i)] = &this_fiber::current();
                   parked.fetch_add(1, std::memory_order_release);
                   this_fiber::park();
                 }));
               }
               while (parked.load(std::memory_order_acquire) != kChildren) this_fiber::yield();
               seen = listed();  // the parent (id 1) and its 50 children (ids 2..51)
               for (auto* child : children) rt::sched::unpark(*child);
               for (auto& handle : handles) handle.join();
             })
      .join();
  std::vector<std::uint64_t> expected(kChildren + 1);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(seen, expected);
  runtime.wait_until_idle();
  EXPECT_TRUE(listed().empty());
}

TEST(DebuggerLists, ADestroyedRuntimeLeavesTheListOfRuntimes) {
  auto listed = [](const rt::sched::detail::RuntimeImpl* impl) {
    std::lock_guard guard(rt::sched::detail::runtimes_lock);
    for (auto* r = rt::sched::detail::runtimes; r != nullptr; r = r->next_runtime) {
      if (r == impl) return true;
    }
    return false;
  };
  const rt::sched::detail::RuntimeImpl* first = nullptr;
  {
    Runtime outer({.workers = 1});
    first = &outer.impl();
    {
      Runtime inner({.workers = 1});
      EXPECT_TRUE(listed(first));
      EXPECT_TRUE(listed(&inner.impl()));
    }
    EXPECT_TRUE(listed(first));  // the inner one's removal unlinked only itself
  }
  EXPECT_FALSE(listed(first));
}

}  // namespace
