#include "inventory-service/src/stock_moves.h"

#include <set>

#include <gtest/gtest.h>

namespace oms::inventory {
namespace {

TEST(StockMovesTest, EveryKindHasItsOwnStoredText) {
  std::set<std::string> texts;
  for (int i = 0; i < kMovementKinds; ++i) {
    texts.insert(MovementKindText(static_cast<MovementKind>(i)));
  }
  EXPECT_EQ(texts, (std::set<std::string>{"RECEIPT", "CORRECTION", "RESERVE", "RELEASE", "EXPIRE",
                                          "COMMIT", "RESTOCK", "DAMAGED"}));
}

TEST(StockMovesTest, AnAdjustmentIsAReceiptOrACorrection) {
  EXPECT_EQ(AdjustmentKind(v1::ADJUSTMENT_REASON_RECEIPT), MovementKind::kReceipt);
  EXPECT_EQ(AdjustmentKind(v1::ADJUSTMENT_REASON_CORRECTION), MovementKind::kCorrection);
  EXPECT_EQ(AdjustmentKind(v1::ADJUSTMENT_REASON_UNSPECIFIED), MovementKind::kCorrection);
}

// RELIABILITY.md I1: each kind moves only its own quantity.
TEST(StockMovesTest, EachKindMovesOnlyItsOwnQuantity) {
  auto move = [](MovementKind kind, int64_t quantity) {
    return MoveOf(kind, "SKU-1", "warehouse-1", quantity);
  };
  EXPECT_EQ(move(MovementKind::kReceipt, 5), (Move{"SKU-1", "warehouse-1", 5, 0}));
  EXPECT_EQ(move(MovementKind::kCorrection, -2), (Move{"SKU-1", "warehouse-1", -2, 0}));
  EXPECT_EQ(move(MovementKind::kRestock, 1), (Move{"SKU-1", "warehouse-1", 1, 0}));
  EXPECT_EQ(move(MovementKind::kReserve, 3), (Move{"SKU-1", "warehouse-1", 0, 3}));
  EXPECT_EQ(move(MovementKind::kRelease, 3), (Move{"SKU-1", "warehouse-1", 0, -3}));
  EXPECT_EQ(move(MovementKind::kExpire, 3), (Move{"SKU-1", "warehouse-1", 0, -3}));
  EXPECT_EQ(move(MovementKind::kCommit, 2), (Move{"SKU-1", "warehouse-1", -2, -2}));
  EXPECT_EQ(move(MovementKind::kDamaged, 4), (Move{"SKU-1", "warehouse-1", 0, 0}));
}

}  // namespace
}  // namespace oms::inventory
