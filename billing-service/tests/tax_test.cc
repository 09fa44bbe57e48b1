// Tax and totals arithmetic: the per-unit half-up rounding and what it guarantees.
#include "billing-service/src/tax.h"

#include <algorithm>

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

// `quantity` units at `unit_price` less `unit_discount` each, the first `extra` one more.
v1::BillableLine Discounted(const std::string& sku, long long quantity, long long unit_price,
                            long long unit_discount, long long extra) {
  v1::BillableLine line = Line(sku, quantity, unit_price);
  line.set_unit_discount_minor(unit_discount);
  line.set_extra_discount_units(extra);
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

// The worked example of the two classes: 5 x 9.99 with 0.33 off each and 0.01 more off the
// first 2 (a discount of 1.67 over 5 units), at 19 %.
//   extra units:  net 999 - 33 - 1 = 965, UnitTax(965) = 183.35 -> 183
//   other units:  net 999 - 33     = 966, UnitTax(966) = 183.54 -> 184
//   discount 33 * 5 + 2 = 167; net 4995 - 167 = 4828 (= 2 * 965 + 3 * 966)
//   tax 2 * 183 + 3 * 184 = 366 + 552 = 918; total 4828 + 918 = 5746
TEST(TaxTest, DiscountedUnitsAreTaxedPerClass) {
  EXPECT_EQ(UnitTax(965, 1900), 183);
  EXPECT_EQ(UnitTax(966, 1900), 184);
  auto invoice = PriceLines(Lines({Discounted("A", 5, 999, 33, 2)}), "EUR", 1900);
  ASSERT_TRUE(invoice.ok()) << invoice.status();
  const auto& a = invoice->lines(0);
  EXPECT_EQ(a.unit_price().amount_minor(), 999);
  EXPECT_EQ(a.unit_discount_minor(), 33);
  EXPECT_EQ(a.extra_discount_units(), 2);
  EXPECT_EQ(a.discount().amount_minor(), 167);
  EXPECT_EQ(a.discount().currency(), "EUR");
  EXPECT_EQ(a.unit_tax().amount_minor(), 184);  // the p - d class
  EXPECT_EQ(a.net().amount_minor(), 4828);
  EXPECT_EQ(a.tax().amount_minor(), 918);
  EXPECT_EQ(a.total().amount_minor(), 5746);
  EXPECT_EQ(invoice->subtotal().amount_minor(), 4828);
  EXPECT_EQ(invoice->tax().amount_minor(), 918);
  EXPECT_EQ(invoice->total().amount_minor(), 5746);
  EXPECT_EQ(invoice->shipping().amount_minor(), 0);
  EXPECT_EQ(invoice->shipping_tax().amount_minor(), 0);

  // A whole unit discounted to nothing, one extra unit only: p = 1, d = 0, e = 1 of 3.
  //   extra: net 0, tax 0; others: net 1, UnitTax(1) at 50 % = 0.5 -> 1. net 2, tax 2.
  auto edge = PriceLines(Lines({Discounted("B", 3, 1, 0, 1)}), "EUR", 5000);
  ASSERT_TRUE(edge.ok()) << edge.status();
  EXPECT_EQ(edge->lines(0).net().amount_minor(), 2);
  EXPECT_EQ(edge->lines(0).tax().amount_minor(), 2);
  EXPECT_EQ(edge->lines(0).discount().amount_minor(), 1);
  // Fully discounted: d = p.
  auto free = PriceLines(Lines({Discounted("C", 4, 250, 250, 0)}), "EUR", 1900);
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_EQ(free->lines(0).net().amount_minor(), 0);
  EXPECT_EQ(free->lines(0).tax().amount_minor(), 0);
  EXPECT_EQ(free->lines(0).discount().amount_minor(), 1000);
}

TEST(TaxTest, WithoutADiscountEveryAmountIsAsBefore) {
  auto plain = PriceLines(Lines({Line("A", 3, 1999)}), "EUR", 1900);
  auto zero = PriceLines(Lines({Discounted("A", 3, 1999, 0, 0)}), "EUR", 1900);
  ASSERT_TRUE(plain.ok() && zero.ok());
  EXPECT_EQ(plain->SerializeAsString(), zero->SerializeAsString());
  EXPECT_EQ(plain->lines(0).net().amount_minor(), 5997);
  EXPECT_EQ(plain->lines(0).tax().amount_minor(), 1140);
  EXPECT_EQ(plain->lines(0).discount().amount_minor(), 0);
}

// The line of the worked example shipped as units [0, 3) and [3, 5): the first shipment has
// both extra units, the second none.
//   first:  q 3, e 2: net 2 * 965 + 966 = 2896, tax 2 * 183 + 184 = 550, total 3446
//   second: q 2, e 0: net 2 * 966 = 1932, tax 2 * 184 = 368, total 2300
//   3446 + 2300 = 5746, the whole line.
TEST(TaxTest, ADiscountedLineSplitOverTwoInvoicesSumsToTheWhole) {
  auto first = PriceLines(Lines({Discounted("A", 3, 999, 33, 2)}), "EUR", 1900);
  auto second = PriceLines(Lines({Discounted("A", 2, 999, 33, 0)}), "EUR", 1900);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->lines(0).net().amount_minor(), 2896);
  EXPECT_EQ(first->lines(0).tax().amount_minor(), 550);
  EXPECT_EQ(first->lines(0).discount().amount_minor(), 101);
  EXPECT_EQ(first->total().amount_minor(), 3446);
  EXPECT_EQ(second->lines(0).net().amount_minor(), 1932);
  EXPECT_EQ(second->lines(0).tax().amount_minor(), 368);
  EXPECT_EQ(second->lines(0).discount().amount_minor(), 66);
  EXPECT_EQ(second->total().amount_minor(), 2300);
  EXPECT_EQ(first->total().amount_minor() + second->total().amount_minor(), 5746);

  // Every split point of every such line, at several rates: the shipment of units [0, s) takes
  // min(e, s) extra units, the one of [s, q) the rest.
  for (long long price : {1LL, 2LL, 49LL, 50LL, 999LL, 1999LL}) {
    for (int rate : {0, 700, 1900, 2150, 5000}) {
      const long long q = 7;
      for (long long d : {0LL, price / 3, price - 1}) {
        for (long long e = 0; e <= q; ++e) {
          auto whole = PriceLines(Lines({Discounted("A", q, price, d, e)}), "EUR", rate);
          ASSERT_TRUE(whole.ok()) << whole.status();
          for (long long s = 1; s < q; ++s) {
            const long long e1 = std::min(e, s);
            auto part1 = PriceLines(Lines({Discounted("A", s, price, d, e1)}), "EUR", rate);
            auto part2 = PriceLines(Lines({Discounted("A", q - s, price, d, e - e1)}), "EUR", rate);
            ASSERT_TRUE(part1.ok() && part2.ok());
            EXPECT_EQ(part1->subtotal().amount_minor() + part2->subtotal().amount_minor(),
                      whole->subtotal().amount_minor());
            EXPECT_EQ(part1->tax().amount_minor() + part2->tax().amount_minor(),
                      whole->tax().amount_minor())
                << price << " less " << d << ", " << e << " extra, at " << rate << " split " << s;
          }
        }
      }
    }
  }
}

// Returns of the worked example's line (units 0, 1 at 965 and tax 183; units 2, 3, 4 at 966
// and tax 184) take its last units first:
//   1 unit,  none credited: unit [4, 5), no extra:    net 966,  tax 184, total 1150
//   3 units, 1 credited:    units [1, 4), 1 extra:     net 965 + 2 * 966 = 2897,
//                                                      tax 183 + 2 * 184 = 551, total 3448
//   1 unit,  4 credited:    unit [0, 1), 1 extra:      net 965,  tax 183, total 1148
//   together: net 4828, tax 918, total 5746: the invoice line to the minor unit.
TEST(TaxTest, CreditNotesOfDiscountedUnitsTakeTheLastUnitsFirstAndSumToTheInvoice) {
  auto invoice = PriceLines(Lines({Discounted("A", 5, 999, 33, 2)}), "EUR", 1900);
  ASSERT_TRUE(invoice.ok());
  invoice->set_number("INV-2026-000001");
  auto last = CreditLines(*invoice, {}, Returned("A", 1));
  ASSERT_TRUE(last.ok()) << last.status();
  const auto& l = last->lines(0);
  EXPECT_EQ(l.extra_discount_units(), 0);
  EXPECT_EQ(l.unit_discount_minor(), 33);
  EXPECT_EQ(l.discount().amount_minor(), 33);
  EXPECT_EQ(l.net().amount_minor(), 966);
  EXPECT_EQ(l.tax().amount_minor(), 184);
  EXPECT_EQ(last->total().amount_minor(), 1150);

  auto middle = CreditLines(*invoice, {{"A", 1}}, Returned("A", 3));
  ASSERT_TRUE(middle.ok()) << middle.status();
  const auto& m = middle->lines(0);
  EXPECT_EQ(m.extra_discount_units(), 1);
  EXPECT_EQ(m.discount().amount_minor(), 100);
  EXPECT_EQ(m.net().amount_minor(), 2897);
  EXPECT_EQ(m.tax().amount_minor(), 551);
  EXPECT_EQ(m.unit_tax().amount_minor(), 184);
  EXPECT_EQ(middle->total().amount_minor(), 3448);

  auto first = CreditLines(*invoice, {{"A", 4}}, Returned("A", 1));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->lines(0).extra_discount_units(), 1);
  EXPECT_EQ(first->lines(0).net().amount_minor(), 965);
  EXPECT_EQ(first->lines(0).tax().amount_minor(), 183);
  EXPECT_EQ(first->total().amount_minor(), 1148);

  EXPECT_EQ(last->subtotal().amount_minor() + middle->subtotal().amount_minor() +
                first->subtotal().amount_minor(),
            invoice->subtotal().amount_minor());  // 4828
  EXPECT_EQ(last->tax().amount_minor() + middle->tax().amount_minor() + first->tax().amount_minor(),
            invoice->tax().amount_minor());  // 918
  EXPECT_EQ(
      last->total().amount_minor() + middle->total().amount_minor() + first->total().amount_minor(),
      5746);
  EXPECT_EQ(ReasonOf(CreditLines(*invoice, {{"A", 5}}, Returned("A", 1)).status()),
            "REFUND_EXCEEDS_CAPTURE");

  // All at once is the same as one by one, for every way of returning the line in two parts.
  for (long long k = 1; k < 5; ++k) {
    auto head = CreditLines(*invoice, {}, Returned("A", k));
    auto tail = CreditLines(*invoice, {{"A", k}}, Returned("A", 5 - k));
    ASSERT_TRUE(head.ok() && tail.ok());
    EXPECT_EQ(head->total().amount_minor() + tail->total().amount_minor(), 5746) << k;
    EXPECT_EQ(head->tax().amount_minor() + tail->tax().amount_minor(), 918) << k;
  }
}

// An invoice of the worked example's line plus 4.95 shipping and 0.94 shipping tax: a credit
// note of every unit gives back the goods (4828 + 918 = 5746), not the shipping; the invoice
// total is 5746 + 495 + 94 = 6335.
TEST(TaxTest, ShippingIsInTheInvoiceTotalButNotCreditedWithTheLines) {
  auto invoice = PriceLines(Lines({Discounted("A", 5, 999, 33, 2)}), "EUR", 1900);
  ASSERT_TRUE(invoice.ok());
  ASSERT_TRUE(AddShipping(495, 94, &*invoice).ok());
  EXPECT_EQ(invoice->shipping().amount_minor(), 495);
  EXPECT_EQ(invoice->shipping().currency(), "EUR");
  EXPECT_EQ(invoice->shipping_tax().amount_minor(), 94);
  EXPECT_EQ(invoice->subtotal().amount_minor(), 4828);  // the goods only
  EXPECT_EQ(invoice->tax().amount_minor(), 918);
  EXPECT_EQ(invoice->total().amount_minor(), 6335);
  auto all = CreditLines(*invoice, {}, Returned("A", 5));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->subtotal().amount_minor(), invoice->subtotal().amount_minor());
  EXPECT_EQ(all->tax().amount_minor(), invoice->tax().amount_minor());
  EXPECT_EQ(all->total().amount_minor(), 5746);
  EXPECT_EQ(all->shipping().amount_minor(), 0);
  EXPECT_EQ(all->shipping().currency(), "EUR");  // zero money, as an invoice without shipping
  EXPECT_EQ(all->shipping_tax().amount_minor(), 0);

  auto big = PriceLines(Lines({Line("A", 1, kMaxAmountMinor - 10)}), "EUR", 0);
  ASSERT_TRUE(big.ok());
  absl::Status over = AddShipping(10, 1, &*big);
  EXPECT_EQ(over.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(over.message().find("shipping"), std::string::npos) << over;
  EXPECT_EQ(big->total().amount_minor(), kMaxAmountMinor - 10);  // unchanged
  EXPECT_TRUE(AddShipping(9, 1, &*big).ok());
  EXPECT_EQ(big->total().amount_minor(), kMaxAmountMinor);
}

// A parcel that never reached the customer: every unit and the shipping, 5746 + 495 + 94, is
// the invoice's total to the minor unit; on a note of some units, the shipping comes whole.
TEST(TaxTest, CreditingTheShippingGivesBackTheWholeInvoice) {
  auto invoice = PriceLines(Lines({Discounted("A", 5, 999, 33, 2)}), "EUR", 1900);
  ASSERT_TRUE(invoice.ok());
  ASSERT_TRUE(AddShipping(495, 94, &*invoice).ok());
  auto all = CreditLines(*invoice, {}, Returned("A", 5));
  ASSERT_TRUE(all.ok());
  CreditShipping(*invoice, &*all);
  EXPECT_EQ(all->shipping().amount_minor(), 495);
  EXPECT_EQ(all->shipping().currency(), "EUR");
  EXPECT_EQ(all->shipping_tax().amount_minor(), 94);
  EXPECT_EQ(all->subtotal().amount_minor(), 4828);  // still the goods only
  EXPECT_EQ(all->tax().amount_minor(), 918);
  EXPECT_EQ(all->total().amount_minor(), invoice->total().amount_minor());

  auto last = CreditLines(*invoice, {{"A", 3}}, Returned("A", 2));
  ASSERT_TRUE(last.ok());
  const long long goods = last->total().amount_minor();
  CreditShipping(*invoice, &*last);
  EXPECT_EQ(last->total().amount_minor(), goods + 495 + 94);

  auto free = PriceLines(Lines({Line("A", 1, 1000)}), "EUR", 1900);
  ASSERT_TRUE(free.ok());  // no shipping: 0 of it credited
  auto note = CreditLines(*free, {}, Returned("A", 1));
  ASSERT_TRUE(note.ok());
  CreditShipping(*free, &*note);
  EXPECT_EQ(note->shipping().amount_minor(), 0);
  EXPECT_EQ(note->shipping_tax().amount_minor(), 0);
  EXPECT_EQ(note->total().amount_minor(), 1190);
}

}  // namespace
}  // namespace oms::billing
