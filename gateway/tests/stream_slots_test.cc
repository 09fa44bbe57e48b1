// The caps on open streams: in all and per credential, each refusal naming its cap, slots given
// back when the last copy goes, and shutdown waiting for them.
#include "gateway/src/stream_slots.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace oms::gateway {
namespace {

TEST(StreamSlotsTest, CapsOpenStreamsAndWaitsForThemToEnd) {
  std::vector<std::size_t> gauge;
  StreamSlots slots(2, 2, [&gauge](std::size_t open) { gauge.push_back(open); });
  auto first = slots.TryAcquire("a").slot;
  auto second = slots.TryAcquire("b").slot;
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  StreamSlots::Acquired refused = slots.TryAcquire("c");
  EXPECT_EQ(refused.slot, nullptr);
  EXPECT_EQ(refused.refused_by, StreamSlots::Cap::kGateway);
  EXPECT_EQ(slots.open(), 2u);
  auto copy = first;  // a slot is held by every copy
  first.reset();
  EXPECT_EQ(slots.open(), 2u);
  copy.reset();
  EXPECT_EQ(slots.open(), 1u);
  auto third = slots.TryAcquire("c").slot;
  ASSERT_NE(third, nullptr);
  third.reset();
  EXPECT_FALSE(slots.WaitUntilNone(std::chrono::milliseconds(10)));
  std::thread ender([&second] { second.reset(); });
  EXPECT_TRUE(slots.WaitUntilNone(std::chrono::seconds(10)));
  ender.join();
  EXPECT_EQ(gauge, (std::vector<std::size_t>{1, 2, 1, 2, 1, 0}));
}

TEST(StreamSlotsTest, OneCredentialHoldsAtMostItsCapWhileOthersStillOpen) {
  StreamSlots slots(5, 2);
  std::vector<std::shared_ptr<void>> held;
  for (int i = 0; i < 2; ++i) {
    StreamSlots::Acquired acquired = slots.TryAcquire("key:a");
    ASSERT_NE(acquired.slot, nullptr);
    EXPECT_EQ(acquired.refused_by, StreamSlots::Cap::kNone);
    held.push_back(std::move(acquired.slot));
  }
  StreamSlots::Acquired over = slots.TryAcquire("key:a");
  EXPECT_EQ(over.slot, nullptr);
  EXPECT_EQ(over.refused_by, StreamSlots::Cap::kCredential);
  EXPECT_EQ(slots.open("key:a"), 2u);
  // Another credential is not held back by the first one's cap.
  StreamSlots::Acquired other = slots.TryAcquire("key:b");
  ASSERT_NE(other.slot, nullptr);
  EXPECT_EQ(slots.open("key:b"), 1u);
  EXPECT_EQ(slots.open(), 3u);
  // A stream of the first that ends makes room for another of it.
  held.pop_back();
  EXPECT_EQ(slots.open("key:a"), 1u);
  EXPECT_NE(slots.TryAcquire("key:a").slot, nullptr);
  // Gone entirely once its last slot is: nothing is kept for credentials without streams.
  held.clear();
  other.slot.reset();
  EXPECT_EQ(slots.open("key:a"), 0u);
  EXPECT_EQ(slots.open("key:b"), 0u);
  EXPECT_EQ(slots.open(), 0u);
}

TEST(StreamSlotsTest, ACredentialAtItsCapIsToldSoEvenWhenTheGatewayIsFull) {
  StreamSlots slots(3, 2);
  auto a1 = slots.TryAcquire("key:a").slot;
  auto a2 = slots.TryAcquire("key:a").slot;
  auto b1 = slots.TryAcquire("key:b").slot;
  ASSERT_NE(b1, nullptr);
  // Both caps are reached for a; only the gateway's for b.
  EXPECT_EQ(slots.TryAcquire("key:a").refused_by, StreamSlots::Cap::kCredential);
  EXPECT_EQ(slots.TryAcquire("key:b").refused_by, StreamSlots::Cap::kGateway);
  EXPECT_EQ(slots.open(), 3u);
  // Refusals took nothing.
  b1.reset();
  EXPECT_EQ(slots.open("key:b"), 0u);
  EXPECT_NE(slots.TryAcquire("key:b").slot, nullptr);
}

}  // namespace
}  // namespace oms::gateway
