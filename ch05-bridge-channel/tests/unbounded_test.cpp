// The unbounded channel's storage on its own (unbounded.hpp): blocks linked in and freed as
// senders and receivers cross them, exactly once under several of each, close.
#include "rt/chan/unbounded.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using rt::chan::PutResult;
using rt::chan::TakeResult;
using rt::chan::UnboundedQueue;

TEST(Unbounded, KeepsOrderAcrossManyBlocksAndFreesThem) {
  UnboundedQueue<std::string> queue(0);
  // 1,000 values: 33 blocks of 31 linked in, then freed as the receiver passes them (ASan
  // reports a block left behind, or one freed twice).
  for (int i = 0; i < 1000; ++i) {
    std::string value = std::to_string(i);
    ASSERT_EQ(queue.try_put(value), PutResult::ok);
    EXPECT_TRUE(value.empty()) << "moved from";
  }
  for (int i = 0; i < 1000; ++i) {
    std::optional<std::string> out;
    ASSERT_EQ(queue.try_take(out), TakeResult::ok);
    EXPECT_EQ(*out, std::to_string(i));
  }
  std::optional<std::string> out;
  EXPECT_EQ(queue.try_take(out), TakeResult::empty);
}

TEST(Unbounded, AClosedQueueRefusesPutsAndReportsClosedOnlyOnceDrained) {
  UnboundedQueue<int> queue(0);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(queue.try_put(i), PutResult::ok);
  EXPECT_TRUE(queue.close());
  EXPECT_FALSE(queue.close()) << "a second close does nothing";
  int late = 99;
  EXPECT_EQ(queue.try_put(late), PutResult::closed);
  EXPECT_EQ(late, 99);
  std::optional<int> out;
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(queue.try_take(out), TakeResult::ok);
    EXPECT_EQ(*out, i);
  }
  EXPECT_EQ(queue.try_take(out), TakeResult::closed);
}

TEST(Unbounded, DestroysWhatWasNeverTaken) {
  auto counted = std::make_shared<int>(0);
  {
    UnboundedQueue<std::shared_ptr<int>> queue(0);
    for (int i = 0; i < 100; ++i) {
      auto copy = counted;
      ASSERT_EQ(queue.try_put(copy), PutResult::ok);
    }
    std::optional<std::shared_ptr<int>> out;
    for (int i = 0; i < 45; ++i) ASSERT_EQ(queue.try_take(out), TakeResult::ok);
    out.reset();
    EXPECT_EQ(counted.use_count(), 56);  // 55 in the queue, and ours
  }
  EXPECT_EQ(counted.use_count(), 1);
}

// Four senders and four receivers on threads, 200,000 values through blocks of 31: every
// value is taken exactly once, and a close after the last put ends every receiver.
TEST(Unbounded, SeveralSendersAndReceiversTakeEveryValueExactlyOnce) {
  constexpr int kSenders = 4, kReceivers = 4, kEach = 50'000;
  UnboundedQueue<std::uint32_t> queue(0);
  std::vector<std::atomic<std::uint8_t>> seen(kSenders * kEach);
  std::atomic<int> senders_left{kSenders};
  std::vector<std::thread> threads;
  for (int s = 0; s < kSenders; ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < kEach; ++i) {
        auto value = static_cast<std::uint32_t>(s * kEach + i);
        ASSERT_EQ(queue.try_put(value), PutResult::ok);
      }
      if (senders_left.fetch_sub(1) == 1) queue.close();
    });
  }
  std::atomic<long> taken{0};
  for (int r = 0; r < kReceivers; ++r) {
    threads.emplace_back([&] {
      std::optional<std::uint32_t> out;
      for (;;) {
        const TakeResult result = queue.try_take(out);
        if (result == TakeResult::closed) return;
        if (result == TakeResult::empty) {
          std::this_thread::yield();
          continue;
        }
        seen[*out].fetch_add(1, std::memory_order_relaxed);
        taken.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(taken.load(), long{kSenders} * kEach);
  int wrong = 0;
  for (auto& count : seen) wrong += count.load() != 1;
  EXPECT_EQ(wrong, 0) << "values taken other than exactly once";
}

}  // namespace
