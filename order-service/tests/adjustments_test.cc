// Discounts and proration to the minor unit: exact amounts worked out by hand, then the
// invariants (sums exact, nothing negative, each share within a minor unit of its proportion)
// over seeded random inputs.
#include "order-service/src/adjustments.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

namespace oms::order {
namespace {

__extension__ typedef __int128 Int128;

Adjustment Percent(int64_t percent_bp, std::string code = "PCT") {
  Adjustment adjustment;
  adjustment.kind = Adjustment::Kind::kPercent;
  adjustment.percent_bp = percent_bp;
  adjustment.code = std::move(code);
  return adjustment;
}

Adjustment Fixed(int64_t amount_minor, std::string code = "FIX") {
  Adjustment adjustment;
  adjustment.kind = Adjustment::Kind::kFixed;
  adjustment.amount_minor = amount_minor;
  adjustment.code = std::move(code);
  return adjustment;
}

PricedLine Line(int64_t unit_price_minor, int64_t quantity,
                std::vector<Adjustment> adjustments = {}) {
  return PricedLine{unit_price_minor, quantity, std::move(adjustments)};
}

std::string FieldOf(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  std::string message(status.message());
  return message.substr(0, message.find(':'));
}

int64_t Sum(const std::vector<int64_t>& values) {
  return std::accumulate(values.begin(), values.end(), int64_t{0});
}

// |share - total * weight / weight_sum| < 1, in exact integer arithmetic.
bool WithinOneOfProportion(int64_t share, int64_t total, int64_t weight, Int128 weight_sum) {
  const Int128 difference = Int128{share} * weight_sum - Int128{total} * weight;
  return difference < weight_sum && -difference < weight_sum;
}

std::vector<Adjustment> Good() {
  std::vector<Adjustment> adjustments = {Percent(10'000, "SUMMER_sale-2024"),
                                         Fixed(kMaxAdjustmentMinor, std::string(64, 'Z'))};
  adjustments[1].reason = std::string(200, 'r');
  return adjustments;
}

TEST(AdjustmentsTest, ValidationAcceptsTheBounds) {
  EXPECT_TRUE(ValidateAdjustments(Good(), "adjustments").ok());
  EXPECT_TRUE(ValidateAdjustments({}, "adjustments").ok());
  EXPECT_TRUE(ValidateAdjustments(std::vector<Adjustment>(10, Percent(1)), "adjustments").ok());
  // The field kFixed does not use is not looked at, and the other way round.
  Adjustment fixed = Fixed(1);
  fixed.percent_bp = -3;
  Adjustment percent = Percent(1);
  percent.amount_minor = -3;
  EXPECT_TRUE(ValidateAdjustments({fixed, percent}, "adjustments").ok());
}

TEST(AdjustmentsTest, ValidationNamesTheField) {
  struct Case {
    void (*spoil)(std::vector<Adjustment>&);
    const char* field;
  };
  const Case cases[] = {
      {[](std::vector<Adjustment>& a) { a.resize(11, Percent(1)); }, "lines[2].adjustments"},
      {[](std::vector<Adjustment>& a) { a[0].percent_bp = 0; },
       "lines[2].adjustments[0].percent_bp"},
      {[](std::vector<Adjustment>& a) { a[0].percent_bp = 10'001; },
       "lines[2].adjustments[0].percent_bp"},
      {[](std::vector<Adjustment>& a) { a[1].amount_minor = 0; }, "lines[2].adjustments[1].amount"},
      {[](std::vector<Adjustment>& a) { a[1].amount_minor = -5; },
       "lines[2].adjustments[1].amount"},
      {[](std::vector<Adjustment>& a) { a[1].amount_minor = kMaxAdjustmentMinor + 1; },
       "lines[2].adjustments[1].amount"},
      {[](std::vector<Adjustment>& a) { a[1].code.clear(); }, "lines[2].adjustments[1].code"},
      {[](std::vector<Adjustment>& a) { a[1].code += "Z"; }, "lines[2].adjustments[1].code"},
      {[](std::vector<Adjustment>& a) { a[1].code = "SAVE 10"; }, "lines[2].adjustments[1].code"},
      {[](std::vector<Adjustment>& a) { a[1].code = "SAVE.10"; }, "lines[2].adjustments[1].code"},
      {[](std::vector<Adjustment>& a) { a[1].code = "S\xC3\x84VE"; },
       "lines[2].adjustments[1].code"},
      {[](std::vector<Adjustment>& a) { a[1].reason += "r"; }, "lines[2].adjustments[1].reason"},
      {[](std::vector<Adjustment>& a) { a[1].kind = static_cast<Adjustment::Kind>(7); },
       "lines[2].adjustments[1].kind"},
  };
  for (const auto& c : cases) {
    std::vector<Adjustment> adjustments = Good();
    c.spoil(adjustments);
    EXPECT_EQ(FieldOf(ValidateAdjustments(adjustments, "lines[2].adjustments")), c.field);
  }
  // The first bad adjustment is the one named.
  std::vector<Adjustment> adjustments = {Percent(5), Percent(0), Fixed(0)};
  EXPECT_EQ(FieldOf(ValidateAdjustments(adjustments, "adjustments")), "adjustments[1].percent_bp");
}

TEST(AdjustmentsTest, ComputeDiscountsValidatesLinesAndAdjustments) {
  EXPECT_EQ(FieldOf(ComputeDiscounts({Line(100, 1), Line(100, 1, {Percent(0)})}, {}).status()),
            "lines[1].adjustments[0].percent_bp");
  EXPECT_EQ(FieldOf(ComputeDiscounts({Line(100, 1)}, {Fixed(10, "")}).status()),
            "adjustments[0].code");
  EXPECT_EQ(FieldOf(ComputeDiscounts({Line(-1, 1)}, {}).status()), "lines[0].unit_price_minor");
  EXPECT_EQ(FieldOf(ComputeDiscounts({Line(100, 0)}, {}).status()), "lines[0].quantity");
  const int64_t max = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(FieldOf(ComputeDiscounts({Line(max / 2 + 1, 2)}, {}).status()), "lines[0]");
  EXPECT_EQ(FieldOf(ComputeDiscounts({Line(max / 2, 2), Line(2, 1)}, {}).status()), "lines");
  // A malformed adjustment further on is reported before a fixed discount that does not fit.
  EXPECT_EQ(FieldOf(ComputeDiscounts({Line(100, 1, {Fixed(101)})}, {Percent(0)}).status()),
            "adjustments[0].percent_bp");
}

TEST(AdjustmentsTest, PercentsRoundHalfUpToTheMinorUnit) {
  // 5% of 10 = 0.5 -> 1; 4.99% of 10 = 0.499 -> 0; 15% of 333 = 49.95 -> 50;
  // 12.5% of 4 = 0.5 -> 1 (the 1 is not rounded again on the order).
  auto discounts = ComputeDiscounts(
      {Line(10, 1, {Percent(500)}), Line(10, 1, {Percent(499)}), Line(333, 1, {Percent(1500)})},
      {});
  ASSERT_TRUE(discounts.ok()) << discounts.status();
  EXPECT_EQ(discounts->lines[0].discount_minor, 1);
  EXPECT_EQ(discounts->lines[1].discount_minor, 0);
  EXPECT_EQ(discounts->lines[2].discount_minor, 50);
  // On the order: 12.5% of 4 (2 + 2) = 0.5 -> 1, rounded once, not 0.25 -> 0 per line.
  discounts = ComputeDiscounts({Line(2, 1), Line(2, 1)}, {Percent(1250)});
  ASSERT_TRUE(discounts.ok()) << discounts.status();
  EXPECT_EQ(discounts->order_adjustments_minor, std::vector<int64_t>{1});
  // The tie goes to the lower line.
  EXPECT_EQ(discounts->lines[0].order_adjustment_shares_minor, std::vector<int64_t>{1});
  EXPECT_EQ(discounts->lines[1].order_adjustment_shares_minor, std::vector<int64_t>{0});
}

TEST(AdjustmentsTest, LineAdjustmentsApplyInOrderOnWhatIsLeft) {
  // 3 x 999 = 2997. 10% -> 299.7 -> 300, leaving 2697; 500 fixed leaves 2197; 10% of 2197 =
  // 219.7 -> 220. In the other order: 500 leaves 2497, 10% = 249.7 -> 250, leaving 2247,
  // 10% = 224.7 -> 225.
  auto discounts = ComputeDiscounts({Line(999, 3, {Percent(1000), Fixed(500), Percent(1000)}),
                                     Line(999, 3, {Fixed(500), Percent(1000), Percent(1000)})},
                                    {});
  ASSERT_TRUE(discounts.ok()) << discounts.status();
  EXPECT_EQ(discounts->lines[0].amount_minor, 2997);
  EXPECT_EQ(discounts->lines[0].line_adjustments_minor, (std::vector<int64_t>{300, 500, 220}));
  EXPECT_EQ(discounts->lines[0].discount_minor, 1020);
  EXPECT_EQ(discounts->lines[1].line_adjustments_minor, (std::vector<int64_t>{500, 250, 225}));
  EXPECT_EQ(discounts->lines[1].discount_minor, 975);
  EXPECT_TRUE(discounts->order_adjustments_minor.empty());
  EXPECT_TRUE(discounts->lines[0].order_adjustment_shares_minor.empty());
}

TEST(AdjustmentsTest, AFullDiscountLeavesNothingAndNeverLess) {
  // 2 x 1999 = 3998, all of it off; after it a percent takes 0 and the order coupon falls
  // wholly on the other line (1000): 100% of what is left of the order.
  auto discounts = ComputeDiscounts({Line(1999, 2, {Percent(10'000), Percent(5000)}), Line(500, 2)},
                                    {Percent(10'000)});
  ASSERT_TRUE(discounts.ok()) << discounts.status();
  EXPECT_EQ(discounts->lines[0].line_adjustments_minor, (std::vector<int64_t>{3998, 0}));
  EXPECT_EQ(discounts->lines[0].order_adjustment_shares_minor, std::vector<int64_t>{0});
  EXPECT_EQ(discounts->lines[0].discount_minor, 3998);
  EXPECT_EQ(discounts->lines[1].order_adjustment_shares_minor, std::vector<int64_t>{1000});
  EXPECT_EQ(discounts->lines[1].discount_minor, 1000);
  EXPECT_EQ(discounts->order_adjustments_minor, std::vector<int64_t>{1000});
  // A fixed amount equal to what is left is allowed, and leaves 0.
  discounts = ComputeDiscounts({Line(500, 2, {Percent(5000), Fixed(500)})}, {});
  ASSERT_TRUE(discounts.ok()) << discounts.status();
  EXPECT_EQ(discounts->lines[0].discount_minor, 1000);
}

TEST(AdjustmentsTest, AFixedDiscountOverWhatIsLeftIsRefused) {
  // 2 x 500 = 1000: 1001 off it is refused; after 50% (500) so is 501.
  auto discounts = ComputeDiscounts({Line(500, 2, {Fixed(1001)})}, {});
  EXPECT_EQ(FieldOf(discounts.status()), "lines[0].adjustments[0].amount");
  EXPECT_NE(discounts.status().message().find("exceeds the amount it applies to"),
            absl::string_view::npos)
      << discounts.status();
  discounts = ComputeDiscounts({Line(1, 1), Line(500, 2, {Percent(5000), Fixed(501)})}, {});
  EXPECT_EQ(FieldOf(discounts.status()), "lines[1].adjustments[1].amount");
  // On the order: 1000 + 1 = 1001 less a 100 coupon leaves 901; 902 more is refused.
  discounts = ComputeDiscounts({Line(500, 2), Line(1, 1)}, {Fixed(100), Fixed(902)});
  EXPECT_EQ(FieldOf(discounts.status()), "adjustments[1].amount");
  discounts = ComputeDiscounts({}, {Fixed(1)});
  EXPECT_EQ(FieldOf(discounts.status()), "adjustments[0].amount");
}

TEST(AdjustmentsTest, AnOrderCouponIsSpreadOverThreeLinesTiesToTheLowerLine) {
  // Lines: 2 x 1250 = 2500 less 10% (250) = 2250; 1 x 4500 = 4500; 4 x 750 = 3000 less 750 = 2250.
  // Order left: 9000.
  // Coupon 10 fixed: 10 x 2250/9000 = 2.5, 10 x 4500/9000 = 5, 2.5 -> 2 + 5 + 2 = 9; the one
  //   left over goes to the largest remainder, 0.5 on lines 0 and 2: a tie, line 0 -> 3, 5, 2.
  //   Left: 2247, 4495, 2248 = 8990.
  // Coupon 5%: 449.5 -> 450. 450 x 2247/8990 = 112.475, 450 x 4495/8990 = 225,
  //   450 x 2248/8990 = 112.525 -> 112 + 225 + 112 = 449; the one left over to line 2 -> 113.
  //   Left: 2135, 4270, 2135 = 8540.
  auto discounts =
      ComputeDiscounts({Line(1250, 2, {Percent(1000)}), Line(4500, 1), Line(750, 4, {Fixed(750)})},
                       {Fixed(10, "TEN"), Percent(500, "FIVE_PERCENT")});
  ASSERT_TRUE(discounts.ok()) << discounts.status();
  EXPECT_EQ(discounts->order_adjustments_minor, (std::vector<int64_t>{10, 450}));
  EXPECT_EQ(discounts->lines[0].order_adjustment_shares_minor, (std::vector<int64_t>{3, 112}));
  EXPECT_EQ(discounts->lines[1].order_adjustment_shares_minor, (std::vector<int64_t>{5, 225}));
  EXPECT_EQ(discounts->lines[2].order_adjustment_shares_minor, (std::vector<int64_t>{2, 113}));
  EXPECT_EQ(discounts->lines[0].discount_minor, 250 + 3 + 112);
  EXPECT_EQ(discounts->lines[1].discount_minor, 0 + 5 + 225);
  EXPECT_EQ(discounts->lines[2].discount_minor, 750 + 2 + 113);

  // The shipping charge, 499, over shipments carrying those lines' goods after discounts (2135,
  // 4270, 2135 = 8540): 124.75, 249.5, 124.75 -> 124 + 249 + 124 = 497; the 2 left over to the
  // remainders 0.75 -> 125, 249, 125.
  std::vector<int64_t> goods;
  for (const auto& line : discounts->lines)
    goods.push_back(line.amount_minor - line.discount_minor);
  EXPECT_EQ(goods, (std::vector<int64_t>{2135, 4270, 2135}));
  EXPECT_EQ(LargestRemainder(499, goods), (std::vector<int64_t>{125, 249, 125}));
}

TEST(AdjustmentsTest, DiscountPropertiesHoldOverRandomOrders) {
  std::mt19937_64 random(20240611);
  auto uniform = [&](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random);
  };
  auto adjustment = [&](int64_t scale) {
    return uniform(0, 1) ? Percent(uniform(1, 10'000)) : Fixed(uniform(1, scale));
  };
  int computed = 0;
  for (int round = 0; round < 2000; ++round) {
    std::vector<PricedLine> lines(uniform(1, 6));
    for (auto& line : lines) {
      line = Line(uniform(0, 100'000), uniform(1, 50));
      line.adjustments.resize(uniform(0, 3));
      for (auto& a : line.adjustments)
        a = adjustment(line.unit_price_minor * line.quantity / 2 + 1);
    }
    std::vector<Adjustment> order_adjustments(uniform(0, 4));
    for (auto& a : order_adjustments) a = adjustment(100'000);
    auto discounts = ComputeDiscounts(lines, order_adjustments);
    if (!discounts.ok()) {
      // The only refusal random valid input can meet.
      EXPECT_NE(discounts.status().message().find("exceeds the amount it applies to"),
                absl::string_view::npos)
          << discounts.status();
      continue;
    }
    ++computed;
    std::vector<int64_t> left;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const LineDiscount& line = discounts->lines[i];
      ASSERT_EQ(line.amount_minor, lines[i].unit_price_minor * lines[i].quantity);
      ASSERT_EQ(line.line_adjustments_minor.size(), lines[i].adjustments.size());
      int64_t line_left = line.amount_minor;
      for (std::size_t k = 0; k < lines[i].adjustments.size(); ++k) {
        const Adjustment& a = lines[i].adjustments[k];
        const int64_t taken = line.line_adjustments_minor[k];
        ASSERT_GE(taken, 0);
        ASSERT_LE(taken, line_left);
        if (a.kind == Adjustment::Kind::kFixed) {
          ASSERT_EQ(taken, a.amount_minor);
        } else {  // half up: taken - exact in (-0.5, 0.5]
          const Int128 off = Int128{taken} * 10'000 - Int128{line_left} * a.percent_bp;
          ASSERT_TRUE(off > -5000 && off <= 5000) << round;
        }
        line_left -= taken;
      }
      left.push_back(line_left);
    }
    ASSERT_EQ(discounts->order_adjustments_minor.size(), order_adjustments.size());
    for (std::size_t k = 0; k < order_adjustments.size(); ++k) {
      const int64_t taken = discounts->order_adjustments_minor[k];
      const Int128 order_left = Sum(left);
      int64_t shared = 0;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        const int64_t share = discounts->lines[i].order_adjustment_shares_minor[k];
        ASSERT_GE(share, 0);
        ASSERT_LE(share, left[i]);
        if (order_left == 0) {
          ASSERT_EQ(share, 0);
        } else {
          ASSERT_TRUE(WithinOneOfProportion(share, taken, left[i], order_left)) << round;
        }
        shared += share;
      }
      ASSERT_EQ(shared, taken);
      for (std::size_t i = 0; i < lines.size(); ++i) {
        left[i] -= discounts->lines[i].order_adjustment_shares_minor[k];
      }
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const LineDiscount& line = discounts->lines[i];
      ASSERT_EQ(line.discount_minor, line.amount_minor - left[i]);
      ASSERT_EQ(line.discount_minor,
                Sum(line.line_adjustments_minor) + Sum(line.order_adjustment_shares_minor));
      ASSERT_GE(left[i], 0);
    }
  }
  EXPECT_GT(computed, 1000);
}

TEST(UnitRangeShareTest, TwoShipmentsSumToTheLineDiscount) {
  // 100 over 7 units: 14 each, units 0 and 1 one more (15). Shipment a takes units 0-2
  // (15 + 15 + 14 = 44), shipment b units 3-6 (4 x 14 = 56).
  EXPECT_EQ(*UnitRangeShare(100, 7, 0, 3), 44);
  EXPECT_EQ(*UnitRangeShare(100, 7, 3, 4), 56);
  EXPECT_EQ(*UnitRangeShare(100, 7, 0, 7), 100);
  EXPECT_EQ(*UnitRangeShare(100, 7, 7, 0), 0);
}

TEST(UnitRangeShareTest, ThreeShipmentsSumWhateverOrderTheyRunIn) {
  // 100 over 7 units as above; shipments by id take units 0 (15), 1-3 (15 + 14 + 14 = 43) and
  // 4-6 (42). Captured last to first, each still claims its own range.
  const int64_t third = *UnitRangeShare(100, 7, 4, 3);
  const int64_t second = *UnitRangeShare(100, 7, 1, 3);
  const int64_t first = *UnitRangeShare(100, 7, 0, 1);
  EXPECT_EQ(first, 15);
  EXPECT_EQ(second, 43);
  EXPECT_EQ(third, 42);
  EXPECT_EQ(first + second + third, 100);
  // Fewer minor units than units: 2 over 5 units go to units 0 and 1.
  EXPECT_EQ(*UnitRangeShare(2, 5, 0, 1), 1);
  EXPECT_EQ(*UnitRangeShare(2, 5, 1, 3), 1);
  EXPECT_EQ(*UnitRangeShare(2, 5, 4, 1), 0);
}

TEST(UnitRangeShareTest, RangesOutsideTheLineAreRefused) {
  EXPECT_EQ(UnitRangeShare(100, 7, 5, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UnitRangeShare(100, 7, -1, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UnitRangeShare(100, 7, 0, -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UnitRangeShare(100, 0, 0, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UnitRangeShare(-1, 7, 0, 1).status().code(), absl::StatusCode::kInvalidArgument);
  const int64_t max = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(UnitRangeShare(100, 7, max, max).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*UnitRangeShare(max, max, max - 1, 1), 1);
}

TEST(UnitRangeShareTest, RandomSplitsSumExactly) {
  std::mt19937_64 random(7);
  auto uniform = [&](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random);
  };
  for (int round = 0; round < 2000; ++round) {
    const int64_t units = uniform(1, 40);
    const int64_t amount = uniform(0, 1) ? uniform(0, 3 * units) : uniform(0, 10'000'000);
    // Consecutive ranges, like shipments in id order, computed in a shuffled order.
    std::vector<std::pair<int64_t, int64_t>> ranges;
    for (int64_t first = 0; first < units;) {
      const int64_t count = uniform(1, units - first);
      ranges.emplace_back(first, count);
      first += count;
    }
    std::shuffle(ranges.begin(), ranges.end(), random);
    int64_t sum = 0;
    for (const auto& [first, count] : ranges) {
      const int64_t share = *UnitRangeShare(amount, units, first, count);
      // Each unit takes floor(amount / units) or one more.
      ASSERT_GE(share, amount / units * count);
      ASSERT_LE(share, (amount / units + 1) * count);
      sum += share;
    }
    ASSERT_EQ(sum, amount) << round;
  }
}

TEST(LargestRemainderTest, EdgeCases) {
  EXPECT_EQ(LargestRemainder(0, {3, 5, 0}), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(LargestRemainder(0, {0, 0}), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(LargestRemainder(499, {1}), std::vector<int64_t>{499});
  EXPECT_EQ(LargestRemainder(499, {0}), std::vector<int64_t>{499});
  EXPECT_TRUE(LargestRemainder(499, {}).empty());
  // All-zero weights split by count: 10 / 3 = 3.33 each, the one left over to the first.
  EXPECT_EQ(LargestRemainder(10, {0, 0, 0}), (std::vector<int64_t>{4, 3, 3}));
  // Zero weights among others take nothing: 1 x 5/5 on the last; 10 x 1/2 twice.
  EXPECT_EQ(LargestRemainder(1, {0, 0, 5}), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(LargestRemainder(10, {0, 1, 1}), (std::vector<int64_t>{0, 5, 5}));
  // 7 x 1/2 = 3.5 twice: the tie to the lower index.
  EXPECT_EQ(LargestRemainder(7, {1, 1}), (std::vector<int64_t>{4, 3}));
  // 100 x 1/6, 2/6, 3/6 = 16.67, 33.33, 50: 16 + 33 + 50 = 99, the one left over to 0.67.
  EXPECT_EQ(LargestRemainder(100, {1, 2, 3}), (std::vector<int64_t>{17, 33, 50}));
  // A negative weight counts as 0; a negative total splits as its magnitude, negated.
  EXPECT_EQ(LargestRemainder(10, {-4, 1}), (std::vector<int64_t>{0, 10}));
  EXPECT_EQ(LargestRemainder(-7, {1, 1}), (std::vector<int64_t>{-4, -3}));
}

TEST(LargestRemainderTest, ExtremesDoNotOverflow) {
  const int64_t max = std::numeric_limits<int64_t>::max();  // 9223372036854775807, odd
  EXPECT_EQ(LargestRemainder(max, {max, max}),
            (std::vector<int64_t>{4611686018427387904, 4611686018427387903}));
  EXPECT_EQ(LargestRemainder(max, {max, 1}), (std::vector<int64_t>{max - 1, 1}));
  const int64_t min = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(LargestRemainder(min, {1, 1}),
            (std::vector<int64_t>{-4611686018427387904, -4611686018427387904}));
}

TEST(LargestRemainderTest, PropertiesHoldOverRandomSplits) {
  std::mt19937_64 random(42);
  auto uniform = [&](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random);
  };
  for (int round = 0; round < 5000; ++round) {
    std::vector<int64_t> weights(uniform(1, 12));
    const int64_t weight_scale = uniform(0, 2) == 0 ? 3
                                 : uniform(0, 1)    ? 100'000
                                                    : 1'000'000'000'000;
    for (auto& w : weights) w = uniform(0, 3) == 0 ? 0 : uniform(0, weight_scale);
    const int64_t total = uniform(0, 1) ? uniform(0, 50) : uniform(0, 1'000'000'000'000'000);
    const std::vector<int64_t> shares = LargestRemainder(total, weights);
    ASSERT_EQ(shares.size(), weights.size());
    ASSERT_EQ(Sum(shares), total) << round;
    Int128 weight_sum = 0;
    for (int64_t w : weights) weight_sum += w;
    for (std::size_t i = 0; i < shares.size(); ++i) {
      ASSERT_GE(shares[i], 0);
      if (weight_sum == 0) {
        ASSERT_TRUE(WithinOneOfProportion(shares[i], total, 1, weights.size())) << round;
      } else {
        ASSERT_TRUE(WithinOneOfProportion(shares[i], total, weights[i], weight_sum)) << round;
        if (weights[i] == 0) {
          ASSERT_EQ(shares[i], 0);
        }
      }
    }
  }
}

}  // namespace
}  // namespace oms::order
