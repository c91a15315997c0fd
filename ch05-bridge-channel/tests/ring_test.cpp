// The ring alone (ring.hpp): capacity, order, the closed bit, and values that are not ints.
#include "rt/chan/ring.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

namespace {

using rt::chan::PutResult;
using rt::chan::Ring;
using rt::chan::TakeResult;

TEST(Ring, HoldsExactlyItsCapacityEvenWhenNotAPowerOfTwo) {
  for (std::size_t capacity : {1u, 2u, 3u, 5u, 1024u}) {
    Ring<int> ring(capacity);
    for (std::size_t lap = 0; lap < 3; ++lap) {
      for (std::size_t i = 0; i < capacity; ++i) {
        int value = static_cast<int>(i);
        ASSERT_EQ(ring.try_put(value), PutResult::ok);
      }
      int extra = -1;
      EXPECT_EQ(ring.try_put(extra), PutResult::full) << "capacity " << capacity;
      std::optional<int> out;
      for (std::size_t i = 0; i < capacity; ++i) {
        ASSERT_EQ(ring.try_take(out), TakeResult::ok);
        EXPECT_EQ(*out, static_cast<int>(i));
      }
      EXPECT_EQ(ring.try_take(out), TakeResult::empty);
    }
  }
}

TEST(Ring, AClosedRingRefusesPutsAndReportsClosedOnlyOnceDrained) {
  Ring<int> ring(4);
  int value = 1;
  ASSERT_EQ(ring.try_put(value), PutResult::ok);
  EXPECT_TRUE(ring.close());
  EXPECT_FALSE(ring.close());
  value = 2;
  EXPECT_EQ(ring.try_put(value), PutResult::closed);
  std::optional<int> out;
  EXPECT_EQ(ring.try_take(out), TakeResult::ok);
  EXPECT_EQ(ring.try_take(out), TakeResult::closed);
}

// What a waiter re-checks: an empty open ring has no value, and once closed it has "a value
// or a close" at once (the flag's copy of the bit), drained or not; room likewise.
TEST(Ring, TheWaitersPredicatesSeeAClose) {
  Ring<int> ring(1);
  EXPECT_FALSE(ring.has_value_or_closed());
  int value = 1;
  ASSERT_EQ(ring.try_put(value), PutResult::ok);
  EXPECT_TRUE(ring.has_value_or_closed());
  EXPECT_FALSE(ring.has_room_or_closed());
  std::optional<int> out;
  ASSERT_EQ(ring.try_take(out), TakeResult::ok);
  EXPECT_FALSE(ring.has_value_or_closed());
  EXPECT_TRUE(ring.close());
  EXPECT_TRUE(ring.has_value_or_closed());
  EXPECT_TRUE(ring.has_room_or_closed());
  EXPECT_EQ(ring.try_take(out), TakeResult::closed);
}

TEST(Ring, MovesValuesAndDestroysWhatIsLeft) {
  auto shared = std::make_shared<int>(5);
  {
    Ring<std::shared_ptr<int>> ring(2);
    auto copy = shared;
    ASSERT_EQ(ring.try_put(copy), PutResult::ok);
    EXPECT_EQ(copy, nullptr) << "moved in";
    EXPECT_EQ(shared.use_count(), 2);
  }
  EXPECT_EQ(shared.use_count(), 1) << "the ring's destructor destroyed the value left in it";
}

TEST(Ring, APutThatFailsLeavesTheValueWithTheCaller) {
  Ring<std::string> ring(1);
  std::string first = "first", second = "second";
  ASSERT_EQ(ring.try_put(first), PutResult::ok);
  EXPECT_EQ(ring.try_put(second), PutResult::full);
  EXPECT_EQ(second, "second");
}

}  // namespace
