// ChargeOfShipment: each warehouse's shipment billed its own units of each line with their share
// of the discount, and its share of the shipping charge and its tax, so that the captures of all
// shipments add up exactly to the order's total.
#include "order-service/src/shipment_charges.h"

#include <gtest/gtest.h>

namespace oms::order {
namespace {

void Set(common::v1::Money* money, int64_t minor) {
  money->set_currency("EUR");
  money->set_amount_minor(minor);
}

void AddLine(v1::Order* order, const char* sku, int64_t quantity, int64_t unit_price,
             int64_t discount, int64_t unit_tax, int64_t extra_unit_tax) {
  auto* line = order->add_lines();
  line->set_sku(sku);
  line->set_name(sku);
  line->set_quantity(quantity);
  line->set_tax_rate_bp(1900);
  Set(line->mutable_unit_price(), unit_price);
  Set(line->mutable_discount(), discount);
  Set(line->mutable_unit_tax(), unit_tax);
  Set(line->mutable_extra_unit_tax(), extra_unit_tax);
}

void AddGroup(v1::Order* order, const char* warehouse,
              std::vector<std::pair<std::string, int64_t>> lines) {
  auto* group = order->mutable_allocation()->add_groups();
  group->set_warehouse_id(warehouse);
  for (const auto& [sku, quantity] : lines) {
    auto* line = group->add_lines();
    line->set_sku(sku);
    line->set_quantity(quantity);
  }
}

// The order of PricingTest.DiscountsAndShippingAddUpToTheTotal: MUG 3 x 12.99 with 7.79 off
// (2.59 a unit, the first two units one cent more), TEA 2 x 5.00 with 1.11 off; 4.95 shipping
// and its 0.94 tax; total 53.57. Tax per unit at 19 %: 12.99 - 2.59 = 10.40 -> 1.98, 10.39 ->
// 1.97; 5.00 - 0.55 = 4.45 -> 0.85, 4.44 -> 0.84.
v1::Order DiscountedOrder() {
  v1::Order order;
  order.set_currency("EUR");
  AddLine(&order, "MUG", 3, 1299, 779, 198, 197);
  AddLine(&order, "TEA", 2, 500, 111, 85, 84);
  Set(order.mutable_shipping_charge(), 495);
  Set(order.mutable_shipping_tax(), 94);
  Set(order.mutable_total(), 5357);
  // Listed out of order: units go to warehouses by id.
  AddGroup(&order, "wh-b", {{"MUG", 1}});
  AddGroup(&order, "wh-a", {{"MUG", 2}, {"TEA", 2}});
  return order;
}

TEST(ShipmentChargesTest, EachWarehouseTakesItsUnitsAndShareAndTheCapturesAddUpToTheTotal) {
  const v1::Order order = DiscountedOrder();
  auto a = ChargeOfShipment(order, "wh-a", {{"MUG", 2}, {"TEA", 2}});
  auto b = ChargeOfShipment(order, "wh-b", {{"MUG", 1}});
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();

  // wh-a: MUG units 0-1, both of the cent-cheaper kind: 25.98 - 5.20 = 20.78, tax 2 x 1.97;
  // TEA units 0-1, the first cheaper: 10.00 - 1.11 = 8.89, tax 0.85 + 0.84.
  ASSERT_EQ(a->lines.size(), 2u);
  EXPECT_EQ(a->lines[0].sku(), "MUG");
  EXPECT_EQ(a->lines[0].quantity(), 2);
  EXPECT_EQ(a->lines[0].unit_discount_minor(), 259);
  EXPECT_EQ(a->lines[0].extra_discount_units(), 2);
  EXPECT_EQ(a->lines[0].tax_rate_bp(), 1900);
  EXPECT_EQ(a->lines[1].unit_discount_minor(), 55);
  EXPECT_EQ(a->lines[1].extra_discount_units(), 1);
  // wh-b: MUG unit 2: 12.99 - 2.59 = 10.40, tax 1.98.
  ASSERT_EQ(b->lines.size(), 1u);
  EXPECT_EQ(b->lines[0].unit_discount_minor(), 259);
  EXPECT_EQ(b->lines[0].extra_discount_units(), 0);

  // Shipping 4.95 over goods 29.67 : 10.40 -> 3.6652 : 1.2848, the cent left over to wh-a;
  // its tax 0.94 -> 0.6960 : 0.2440, likewise.
  EXPECT_EQ(a->shipping, 367);
  EXPECT_EQ(b->shipping, 128);
  EXPECT_EQ(a->shipping_tax, 70);
  EXPECT_EQ(b->shipping_tax, 24);
  EXPECT_EQ(a->total, 2078 + 394 + 889 + 169 + 367 + 70);
  EXPECT_EQ(b->total, 1040 + 198 + 128 + 24);
  EXPECT_EQ(a->total + b->total, order.total().amount_minor());
}

TEST(ShipmentChargesTest, AnOrderWithoutDiscountsOrShippingBillsCatalogPricesOnly) {
  v1::Order order;
  order.set_currency("EUR");
  AddLine(&order, "MUG", 3, 1299, 0, 247, 0);
  AddGroup(&order, "wh-a", {{"MUG", 3}});
  auto charge = ChargeOfShipment(order, "wh-a", {{"MUG", 3}});
  ASSERT_TRUE(charge.ok()) << charge.status();
  EXPECT_EQ(charge->lines[0].unit_discount_minor(), 0);
  EXPECT_EQ(charge->lines[0].extra_discount_units(), 0);
  EXPECT_EQ(charge->shipping, 0);
  EXPECT_EQ(charge->total, 3 * (1299 + 247));
}

TEST(ShipmentChargesTest, UnitsTheOrderDoesNotHaveAreRefused) {
  const v1::Order order = DiscountedOrder();
  EXPECT_EQ(ChargeOfShipment(order, "wh-a", {{"COFFEE", 1}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // wh-b's MUG starts at unit 2 of 3: two more are not the line's.
  EXPECT_EQ(ChargeOfShipment(order, "wh-b", {{"MUG", 2}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace oms::order
