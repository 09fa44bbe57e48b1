// Tax and totals arithmetic: the per-unit half-up rounding and what it guarantees.
#include "billing-service/src/tax.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::billing {
namespace {

v1::BillableLine Line(const std::string& sku, long long quantity, long long unit_price) {
  v1::BillableLine line;
  line.set_sku(sku);
  line.set_description("Item " + sku);
  line.set_quantity(quantity);
  line.mutable_unit_price()->set_currency("EUR");
  line.mutable_unit_price()->set_amount_minor(unit_price);
  return line;
}

google::protobuf::RepeatedPtrField<v1::BillableLine> Lines(
    std::initializer_list<v1::BillableLine> lines) {
  google::protobuf::RepeatedPtrField<v1::BillableLine> out;
  for (const auto& line : lines) *out.Add() = line;
  return out;
}

google::protobuf::RepeatedPtrField<v1::RefundLine> Returned(const std::string& sku,
                                                            long long quantity) {
  google::protobuf::RepeatedPtrField<v1::RefundLine> out;
  v1::RefundLine* line = out.Add();
  line->set_sku(sku);
  line->set_quantity(quantity);
  return out;
}

TEST(TaxTest, UnitTaxRoundsHalfUp) {
  EXPECT_EQ(UnitTax(1000, 1900), 190);  // exact
  EXPECT_EQ(UnitTax(50, 1900), 10);     // 9.5 -> 10 (half goes up)
  EXPECT_EQ(UnitTax(49, 1900), 9);      // 9.31 -> 9
  EXPECT_EQ(UnitTax(1, 4999), 0);       // 0.4999 -> 0
  EXPECT_EQ(UnitTax(1, 5000), 1);       // 0.5 -> 1
  EXPECT_EQ(UnitTax(999, 0), 0);
  EXPECT_EQ(UnitTax(kMaxAmountMinor, kMaxTaxRateBp), kMaxAmountMinor);
}

TEST(TaxTest, LinesAndTotals) {
  auto invoice = PriceLines(Lines({Line("A", 3, 1999), Line("B", 1, 50)}), "EUR", 1900);
  ASSERT_TRUE(invoice.ok()) << invoice.status();
  ASSERT_EQ(invoice->lines_size(), 2);
  const auto& a = invoice->lines(0);
  EXPECT_EQ(a.unit_tax().amount_minor(), 380);  // 379.81 -> 380
  EXPECT_EQ(a.net().amount_minor(), 5997);
  EXPECT_EQ(a.tax().amount_minor(), 1140);
  EXPECT_EQ(a.total().amount_minor(), 7137);
  EXPECT_EQ(a.tax_rate_bp(), 1900);
  EXPECT_EQ(a.total().currency(), "EUR");
  const auto& b = invoice->lines(1);
  EXPECT_EQ(b.tax().amount_minor(), 10);
  EXPECT_EQ(b.total().amount_minor(), 60);
  EXPECT_EQ(invoice->subtotal().amount_minor(), 6047);
  EXPECT_EQ(invoice->tax().amount_minor(), 1150);
  EXPECT_EQ(invoice->total().amount_minor(), 7197);
}

TEST(TaxTest, SplittingALineOverShipmentsNeverChangesTheSum) {
  // Rounding per line would break this: 2 units of 0.50 at 19 % are 0.19 as one line, but
  // 0.095 -> 0.10 twice when shipped one by one. Rounding per unit makes every split exact.
  for (long long price : {1LL, 5LL, 49LL, 50LL, 333LL, 1999LL}) {
    for (int rate : {0, 700, 1900, 2000, 2150}) {
      auto whole = PriceLines(Lines({Line("A", 7, price)}), "EUR", rate);
      auto part1 = PriceLines(Lines({Line("A", 3, price)}), "EUR", rate);
      auto part2 = PriceLines(Lines({Line("A", 4, price)}), "EUR", rate);
      ASSERT_TRUE(whole.ok() && part1.ok() && part2.ok());
      EXPECT_EQ(part1->total().amount_minor() + part2->total().amount_minor(),
                whole->total().amount_minor())
          << price << " at " << rate;
    }
  }
}

TEST(TaxTest, PerUnitRoundingIsTheStatedRule) {
  auto whole = PriceLines(Lines({Line("A", 2, 50)}), "EUR", 1900);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->tax().amount_minor(), 20);  // 2 * round(9.5), not round(19.0) = 19
}

TEST(TaxTest, TotalsAboveTheBoundAreRefused) {
  auto line = PriceLines(Lines({Line("A", 1'000'000, 1'000'000'000)}), "EUR", 0);
  EXPECT_EQ(line.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(line.status().message().find("lines[0]"), std::string::npos);
  auto sum = PriceLines(Lines({Line("A", 1, kMaxAmountMinor), Line("B", 1, 1)}), "EUR", 0);
  EXPECT_EQ(sum.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TaxTest, CreditNotesReverseInvoicedUnitsExactly) {
  auto invoice = PriceLines(Lines({Line("A", 3, 1999), Line("B", 1, 50)}), "EUR", 1900);
  ASSERT_TRUE(invoice.ok());
  invoice->set_number("INV-2026-000001");
  auto first = CreditLines(*invoice, {}, Returned("A", 1));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->lines(0).total().amount_minor(), 1999 + 380);
  auto rest = CreditLines(*invoice, {{"A", 1}}, Returned("A", 2));
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(first->total().amount_minor() + rest->total().amount_minor(),
            invoice->lines(0).total().amount_minor());
  EXPECT_EQ(rest->tax().amount_minor(), 760);
  EXPECT_EQ(rest->lines(0).description(), "Item A");
}

TEST(TaxTest, CreditNotesAreBoundedByTheInvoice) {
  auto invoice = PriceLines(Lines({Line("A", 3, 1999)}), "EUR", 1900);
  ASSERT_TRUE(invoice.ok());
  auto unknown = CreditLines(*invoice, {}, Returned("Z", 1));
  EXPECT_EQ(ReasonOf(unknown.status()), "SKU_NOT_INVOICED");
  auto too_many = CreditLines(*invoice, {{"A", 2}}, Returned("A", 2));
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(too_many.status()), "REFUND_EXCEEDS_CAPTURE");
}

}  // namespace
}  // namespace oms::billing
