// ChargeOfShipment: each warehouse's shipment billed its own units of each line with their share
// of the discount, and its share of the shipping charge and its tax, so that the captures of all
// shipments add up exactly to the order's total.
#include "order-service/src/shipment_charges.h"

#include <map>
#include <random>
#include <string>

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

// The shipment of a warehouse's group of the allocation, as planned.
v1::ShipmentSummary Planned(const char* warehouse) {
  v1::ShipmentSummary shipment;
  shipment.set_shipment_id(std::string("shipment-") + warehouse);
  shipment.set_warehouse_id(warehouse);
  return shipment;
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
  auto a = ChargeOfShipment(order, Planned("wh-a"), {{"MUG", 2}, {"TEA", 2}});
  auto b = ChargeOfShipment(order, Planned("wh-b"), {{"MUG", 1}});
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
  auto charge = ChargeOfShipment(order, Planned("wh-a"), {{"MUG", 3}});
  ASSERT_TRUE(charge.ok()) << charge.status();
  EXPECT_EQ(charge->lines[0].unit_discount_minor(), 0);
  EXPECT_EQ(charge->lines[0].extra_discount_units(), 0);
  EXPECT_EQ(charge->shipping, 0);
  EXPECT_EQ(charge->total, 3 * (1299 + 247));
}

TEST(ShipmentChargesTest, UnitsTheOrderDoesNotHaveAreRefused) {
  const v1::Order order = DiscountedOrder();
  EXPECT_EQ(ChargeOfShipment(order, Planned("wh-a"), {{"COFFEE", 1}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // wh-b's MUG starts at unit 2 of 3: two more are not the line's.
  EXPECT_EQ(ChargeOfShipment(order, Planned("wh-b"), {{"MUG", 2}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

void AddUnits(google::protobuf::RepeatedPtrField<inventory::v1::OrderLine>* lines, const char* sku,
              int64_t quantity) {
  auto* line = lines->Add();
  line->set_sku(sku);
  line->set_quantity(quantity);
}

v1::ShipmentSummary* List(v1::Order* order, const char* id, const char* warehouse,
                          const char* resourced_from = "") {
  auto* shipment = order->add_shipments();
  shipment->set_shipment_id(id);
  shipment->set_warehouse_id(warehouse);
  shipment->set_resourced_from_shipment_id(resourced_from);
  return shipment;
}

int64_t SumOfCaptures(const v1::Order& order) {
  int64_t sum = 0;
  for (const auto& shipment : order.shipments()) {
    auto charge = FullChargeOfShipment(order, shipment);
    EXPECT_TRUE(charge.ok()) << shipment.shipment_id() << ": " << charge.status();
    if (charge.ok()) sum += charge->total;
  }
  return sum;
}

// wh-a short-picks its second MUG and both TEA; wh-c takes the MUG over and wh-0 the TEA.
v1::Order ResourcedOrder() {
  v1::Order order = DiscountedOrder();
  auto* a = List(&order, "a", "wh-a");
  AddUnits(a->mutable_short_picked(), "MUG", 1);
  AddUnits(a->mutable_short_picked(), "TEA", 2);
  List(&order, "b", "wh-b");
  AddUnits(List(&order, "c", "wh-c", "a")->mutable_lines(), "MUG", 1);
  AddUnits(List(&order, "d", "wh-0", "a")->mutable_lines(), "TEA", 2);
  return order;
}

TEST(ShipmentChargesTest, ShortPickedUnitsAreBilledByTheShipmentsMadeForThemAndAllAddUpToTheTotal) {
  const v1::Order order = ResourcedOrder();
  // wh-a keeps MUG unit 0; wh-c bills MUG unit 1 (both of the cent-cheaper kind); wh-0 TEA
  // units 0-1; wh-b MUG unit 2 as planned.
  auto a = FullChargeOfShipment(order, order.shipments(0));
  auto c = FullChargeOfShipment(order, order.shipments(2));
  auto d = FullChargeOfShipment(order, order.shipments(3));
  ASSERT_TRUE(a.ok() && c.ok() && d.ok()) << a.status() << c.status() << d.status();
  ASSERT_EQ(a->lines.size(), 1u);
  EXPECT_EQ(a->lines[0].quantity(), 1);
  EXPECT_EQ(a->lines[0].extra_discount_units(), 1);
  ASSERT_EQ(c->lines.size(), 1u);
  EXPECT_EQ(c->lines[0].extra_discount_units(), 1);
  ASSERT_EQ(d->lines.size(), 1u);
  EXPECT_EQ(d->lines[0].sku(), "TEA");
  EXPECT_EQ(d->lines[0].extra_discount_units(), 1);
  // wh-a's planned shipping share (3.67, tax 0.70) is split by goods kept and moved,
  // 10.39 : 10.39 + 8.89 -> 128.52 : 238.48, the cent left over to the kept part.
  EXPECT_EQ(a->shipping + c->shipping + d->shipping, 367);
  EXPECT_EQ(a->shipping_tax + c->shipping_tax + d->shipping_tax, 70);
  EXPECT_EQ(a->shipping, 129);
  EXPECT_EQ(SumOfCaptures(order), order.total().amount_minor());
  // What a shipment carries now, for returns.
  auto units = UnitsOfShipment(order, order.shipments(0));
  ASSERT_TRUE(units.ok());
  EXPECT_EQ(*units, (std::map<std::string, int64_t>{{"MUG", 1}}));
}

TEST(ShipmentChargesTest, AShipmentMadeForAShortPickIsBilledOnceAllOfThemAreListedWithTheirLines) {
  v1::Order order = ResourcedOrder();
  order.mutable_shipments(3)->clear_lines();  // wh-0's: an event listed it, its saga did not yet
  EXPECT_EQ(FullChargeOfShipment(order, order.shipments(2)).status().code(),
            absl::StatusCode::kUnavailable);
  v1::ShipmentSummary unlisted;
  unlisted.set_shipment_id("e");
  unlisted.set_warehouse_id("wh-e");
  unlisted.set_resourced_from_shipment_id("a");
  EXPECT_EQ(ChargeOfShipment(order, unlisted, {{"MUG", 1}}).status().code(),
            absl::StatusCode::kUnavailable);
  // More than was short-picked is not the order's.
  order = ResourcedOrder();
  order.mutable_shipments(2)->mutable_lines(0)->set_quantity(2);
  EXPECT_EQ(FullChargeOfShipment(order, order.shipments(2)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ShipmentChargesTest, EveryUnitShortPickedAndShortPickedAgainStillAddsUpToTheTotal) {
  v1::Order order = DiscountedOrder();
  auto* a = List(&order, "a", "wh-a");
  AddUnits(a->mutable_short_picked(), "MUG", 2);
  AddUnits(a->mutable_short_picked(), "TEA", 2);
  List(&order, "b", "wh-b");
  auto* c = List(&order, "c", "wh-c", "a");
  AddUnits(c->mutable_lines(), "MUG", 2);
  AddUnits(c->mutable_lines(), "TEA", 2);
  AddUnits(c->mutable_short_picked(), "TEA", 1);
  AddUnits(List(&order, "d", "wh-d", "c")->mutable_lines(), "TEA", 1);
  auto nothing_left = FullChargeOfShipment(order, order.shipments(0));
  ASSERT_TRUE(nothing_left.ok()) << nothing_left.status();
  EXPECT_TRUE(nothing_left->lines.empty());
  EXPECT_EQ(nothing_left->total, 0);
  EXPECT_EQ(SumOfCaptures(order), order.total().amount_minor());
}

TEST(ShipmentChargesTest, UnitsNoWarehouseHadAreVoidedAndEverythingStillAddsUpToTheTotal) {
  v1::Order order = ResourcedOrder();
  order.mutable_shipments()->RemoveLast();  // wh-0 had no TEA: both are cancelled
  AddUnits(order.mutable_shipments(0)->mutable_short_pick_cancelled(), "TEA", 2);
  auto voided = CancelledValueOfShortPick(order, "a");
  ASSERT_TRUE(voided.ok()) << voided.status();
  // TEA units 0-1 (8.89 and their tax 1.69) and their share of wh-a's shipping shares.
  EXPECT_GT(*voided, 889 + 169);
  EXPECT_EQ(SumOfCaptures(order) + *voided, order.total().amount_minor());
  // Until every short-picked unit has its shipment or is cancelled, it cannot be told.
  order.mutable_shipments(0)->clear_short_pick_cancelled();
  EXPECT_EQ(CancelledValueOfShortPick(order, "a").status().code(), absl::StatusCode::kUnavailable);
}

TEST(ShipmentChargesTest, UnitsTheOrderDoesWithoutAreTheLastOfTheirLinesAndVoided) {
  v1::Order order = DiscountedOrder();
  // No warehouse had the TEA (SHIP_AVAILABLE): wh-a ships MUG 2 only.
  order.mutable_allocation()->mutable_groups(1)->mutable_lines()->RemoveLast();
  auto* unfilled = order.mutable_allocation()->add_unfilled();
  unfilled->set_sku("TEA");
  unfilled->set_quantity(2);
  List(&order, "a", "wh-a");
  List(&order, "b", "wh-b");
  const int64_t voided = UnfilledValue(order);
  // TEA units 0-1 (8.89 and their tax 1.69) and their share of the shipping charge and its tax.
  EXPECT_GT(voided, 889 + 169);
  EXPECT_EQ(SumOfCaptures(order) + voided, order.total().amount_minor());
  EXPECT_EQ(UnfilledValue(DiscountedOrder()), 0);
}

// Seeded: random discounted orders over three warehouses, random short picks re-sourced to
// random warehouses or cancelled, twice over; captures and voids always add up to the total.
TEST(ShipmentChargesTest, RandomShortPicksResourcedOrCancelledAlwaysAddUpToTheTotal) {
  std::mt19937_64 random(20261207);
  const char* skus[] = {"A", "B", "C"};
  const char* warehouses[] = {"w1", "w2", "w3", "w4"};
  for (int round = 0; round < 500; ++round) {
    v1::Order order;
    order.set_currency("EUR");
    int64_t total = 0;
    std::map<std::string, int64_t> left;
    for (const char* sku : skus) {
      const int64_t quantity = 1 + static_cast<int64_t>(random() % 6);
      const int64_t price = 1 + static_cast<int64_t>(random() % 5000);
      const int64_t discount = static_cast<int64_t>(random() % (price * quantity + 1));
      const int64_t unit_tax = static_cast<int64_t>(random() % 300);
      const int64_t extra_tax = unit_tax > 0 ? unit_tax - 1 : 0;
      AddLine(&order, sku, quantity, price, discount, unit_tax, extra_tax);
      const int64_t extra = discount % quantity;
      total += price * quantity - discount + (quantity - extra) * unit_tax + extra * extra_tax;
      left[sku] = quantity;
    }
    Set(order.mutable_shipping_charge(), static_cast<int64_t>(random() % 1000));
    Set(order.mutable_shipping_tax(), static_cast<int64_t>(random() % 200));
    total += order.shipping_charge().amount_minor() + order.shipping_tax().amount_minor();
    Set(order.mutable_total(), total);
    // Each SKU's units split over the first three warehouses.
    std::map<std::string, std::map<std::string, int64_t>> groups;
    for (const char* sku : skus) {
      for (int w = 0; w < 3 && left[sku] > 0; ++w) {
        const int64_t take = w == 2 ? left[sku] : static_cast<int64_t>(random() % (left[sku] + 1));
        if (take > 0) groups[warehouses[w]][sku] = take;
        left[sku] -= take;
      }
    }
    for (const auto& [warehouse, lines] : groups) {
      AddGroup(&order, warehouse.c_str(), {lines.begin(), lines.end()});
      List(&order, ("s-" + warehouse).c_str(), warehouse.c_str());
    }
    // Two generations of short picks: each shipment may lose some units, moved to one or two
    // shipments of other warehouses.
    for (int generation = 0; generation < 2; ++generation) {
      const int listed = order.shipments_size();
      for (int i = 0; i < listed; ++i) {
        // A shipment is short-picked once at most (shipping refuses a second report).
        if (random() % 2 == 0 || !order.shipments(i).short_picked().empty()) continue;
        auto units = UnitsOfShipment(order, order.shipments(i));
        ASSERT_TRUE(units.ok()) << units.status();
        std::vector<std::pair<std::string, int64_t>> moved;
        for (const auto& [sku, count] : *units) {
          const int64_t missing = static_cast<int64_t>(random() % (count + 1));
          if (missing > 0) moved.emplace_back(sku, missing);
        }
        if (moved.empty()) continue;
        const std::string from = order.shipments(i).shipment_id();
        for (const auto& [sku, missing] : moved) {
          AddUnits(order.mutable_shipments(i)->mutable_short_picked(), sku.c_str(), missing);
        }
        // Now and then no warehouse has the last units of a SKU: they are cancelled. One
        // shipment takes the rest over, or two each take whole SKUs.
        std::vector<std::pair<std::string, int64_t>> held;
        for (const auto& [sku, missing] : moved) {
          const int64_t cancelled =
              random() % 3 == 0 ? static_cast<int64_t>(random() % (missing + 1)) : 0;
          if (cancelled > 0) {
            AddUnits(order.mutable_shipments(i)->mutable_short_pick_cancelled(), sku.c_str(),
                     cancelled);
          }
          if (missing > cancelled) held.emplace_back(sku, missing - cancelled);
        }
        if (held.empty()) continue;
        const int takers = held.size() >= 2 && random() % 2 == 0 ? 2 : 1;
        std::vector<v1::ShipmentSummary*> made;
        for (int t = 0; t < takers; ++t) {
          const std::string id = from + "/" + std::to_string(t);
          made.push_back(List(&order, id.c_str(), warehouses[random() % 4], from.c_str()));
        }
        for (std::size_t k = 0; k < held.size(); ++k) {
          AddUnits(made[k % made.size()]->mutable_lines(), held[k].first.c_str(), held[k].second);
        }
      }
    }
    int64_t voided = 0;
    for (const auto& shipment : order.shipments()) {
      if (shipment.short_picked().empty()) continue;
      auto value = CancelledValueOfShortPick(order, shipment.shipment_id());
      ASSERT_TRUE(value.ok()) << value.status();
      voided += *value;
    }
    ASSERT_EQ(SumOfCaptures(order) + voided, total) << "round " << round;
  }
}

}  // namespace
}  // namespace oms::order

namespace oms::order {
namespace {

inventory::v1::BackorderFill* AddFill(v1::Order* order, int64_t sequence, const char* warehouse,
                                      std::vector<std::pair<std::string, int64_t>> lines) {
  auto* fill = order->add_backorder_fills();
  fill->set_sequence(sequence);
  fill->set_warehouse_id(warehouse);
  for (const auto& [sku, quantity] : lines) AddUnits(fill->mutable_lines(), sku.c_str(), quantity);
  return fill;
}

v1::ShipmentSummary* ListFill(v1::Order* order, const inventory::v1::BackorderFill& fill) {
  auto* shipment =
      List(order, ("fill-" + std::to_string(fill.sequence())).c_str(), fill.warehouse_id().c_str());
  shipment->set_backorder_fill_sequence(fill.sequence());
  *shipment->mutable_lines() = fill.lines();
  return shipment;
}

// DiscountedOrder with the last MUG and both TEA queued for stock (BACKORDER): wh-a ships MUG 2.
v1::Order BackorderedOrder() {
  v1::Order order = DiscountedOrder();
  order.clear_allocation();
  AddGroup(&order, "wh-a", {{"MUG", 2}});
  AddUnits(order.mutable_allocation()->mutable_backordered(), "MUG", 1);
  AddUnits(order.mutable_allocation()->mutable_backordered(), "TEA", 2);
  List(&order, "a", "wh-a");
  return order;
}

TEST(ShipmentChargesTest, QueuedUnitsAreBilledByTheirFillsInTurnAndAddUpToTheTotal) {
  v1::Order order = BackorderedOrder();
  ListFill(&order, *AddFill(&order, 7, "wh-c", {{"TEA", 1}}));
  const auto first = FullChargeOfShipment(order, order.shipments(1));
  ASSERT_TRUE(first.ok()) << first.status();
  // One TEA: 5.00 less 0.56 (the first unit of the line's discount takes the extra cent).
  ASSERT_EQ(first->lines.size(), 1u);
  EXPECT_EQ(first->lines[0].sku(), "TEA");
  EXPECT_EQ(first->lines[0].extra_discount_units(), 1);
  EXPECT_GT(first->shipping, 0);

  ListFill(&order, *AddFill(&order, 9, "wh-a", {{"MUG", 1}, {"TEA", 1}}));
  const auto again = FullChargeOfShipment(order, order.shipments(1));
  ASSERT_TRUE(again.ok()) << again.status();
  // A fill's charge is fixed once it is taken in, whatever fills come after it.
  EXPECT_EQ(again->total, first->total);
  EXPECT_EQ(SumOfCaptures(order), order.total().amount_minor());
  auto left = QueuedValue(order);
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(*left, 0);
}

TEST(ShipmentChargesTest, WhatStaysQueuedIsVoidedByACancellationAndEverythingAddsUpToTheTotal) {
  v1::Order order = BackorderedOrder();
  auto queued = QueuedValue(order);
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_EQ(SumOfCaptures(order) + *queued, order.total().amount_minor());
  ListFill(&order, *AddFill(&order, 3, "wh-c", {{"MUG", 1}, {"TEA", 1}}));
  queued = QueuedValue(order);
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_GT(*queued, 444);  // the last TEA, its tax and its share of the shipping
  EXPECT_EQ(SumOfCaptures(order) + *queued, order.total().amount_minor());
}

TEST(ShipmentChargesTest, AFillOfUnitsNotQueuedIsRefusedAndAnUnknownFillIsNotTakenInYet) {
  v1::Order order = BackorderedOrder();
  AddFill(&order, 4, "wh-c", {{"TEA", 3}});
  v1::ShipmentSummary fill;
  fill.set_shipment_id("fill-4");
  fill.set_warehouse_id("wh-c");
  fill.set_backorder_fill_sequence(4);
  EXPECT_EQ(FullChargeOfShipment(order, fill).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(QueuedValue(order).status().code(), absl::StatusCode::kInvalidArgument);

  v1::Order waiting = BackorderedOrder();
  fill.set_backorder_fill_sequence(5);
  EXPECT_EQ(ChargeOfShipment(waiting, fill, {{"TEA", 1}}).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(ShipmentChargesTest, AFillShipmentListedFromItsEventsAloneIsBilledAsItsEventSays) {
  v1::Order order = BackorderedOrder();
  const auto& fill = *AddFill(&order, 2, "wh-c", {{"TEA", 2}});
  // Its SHIPPED event came before the BACKORDER saga listed it: the row knows no fill.
  List(&order, "fill-2", "wh-c");
  v1::ShipmentSummary from_event;
  from_event.set_shipment_id("fill-2");
  from_event.set_warehouse_id("wh-c");
  from_event.set_backorder_fill_sequence(fill.sequence());
  const auto charge = ChargeOfShipment(order, from_event, {{"TEA", 2}});
  ASSERT_TRUE(charge.ok()) << charge.status();
  ASSERT_EQ(charge->lines.size(), 1u);
  EXPECT_EQ(charge->lines[0].quantity(), 2);
}

// Seeded: random orders with random units queued, filled in random pieces at random warehouses,
// and now and then the rest cancelled; each fill's charge never changes as more come, and the
// captures (and the void of what stays queued) always add up to the total.
TEST(ShipmentChargesTest, RandomFillsOfQueuedUnitsAlwaysAddUpToTheTotal) {
  std::mt19937_64 random(20261208);
  const char* skus[] = {"A", "B", "C"};
  const char* warehouses[] = {"w1", "w2", "w3"};
  for (int round = 0; round < 500; ++round) {
    v1::Order order;
    order.set_currency("EUR");
    int64_t total = 0;
    std::map<std::string, int64_t> queued;
    std::map<std::string, int64_t> held;
    for (const char* sku : skus) {
      const int64_t quantity = 1 + static_cast<int64_t>(random() % 6);
      const int64_t price = 1 + static_cast<int64_t>(random() % 5000);
      const int64_t discount = static_cast<int64_t>(random() % (price * quantity + 1));
      const int64_t unit_tax = static_cast<int64_t>(random() % 300);
      const int64_t extra_tax = unit_tax > 0 ? unit_tax - 1 : 0;
      AddLine(&order, sku, quantity, price, discount, unit_tax, extra_tax);
      const int64_t extra = discount % quantity;
      total += price * quantity - discount + (quantity - extra) * unit_tax + extra * extra_tax;
      queued[sku] = static_cast<int64_t>(random() % (quantity + 1));
      held[sku] = quantity - queued[sku];
    }
    Set(order.mutable_shipping_charge(), static_cast<int64_t>(random() % 1000));
    Set(order.mutable_shipping_tax(), static_cast<int64_t>(random() % 200));
    total += order.shipping_charge().amount_minor() + order.shipping_tax().amount_minor();
    Set(order.mutable_total(), total);
    std::vector<std::pair<std::string, int64_t>> group;
    for (const auto& [sku, count] : held) {
      if (count > 0) group.emplace_back(sku, count);
    }
    if (!group.empty()) {
      AddGroup(&order, "w1", group);
      List(&order, "s-w1", "w1");
    }
    for (const auto& [sku, count] : queued) {
      if (count > 0)
        AddUnits(order.mutable_allocation()->mutable_backordered(), sku.c_str(), count);
    }
    std::map<std::string, int64_t> charged;  // shipment id -> its charge when first seen
    int64_t sequence = 0;
    const bool cancel_rest = random() % 3 == 0;
    for (;;) {
      std::vector<std::pair<std::string, int64_t>> lines;
      for (auto& [sku, count] : queued) {
        if (count == 0) continue;
        const int64_t take = static_cast<int64_t>(random() % (count + 1));
        if (take > 0) lines.emplace_back(sku, take);
        count -= take;
      }
      if (lines.empty()) {
        bool left = false;
        for (const auto& [sku, count] : queued) left |= count > 0;
        if (!left || cancel_rest) break;
        continue;
      }
      sequence += 1 + static_cast<int64_t>(random() % 3);  // other orders' fills in between
      ListFill(&order, *AddFill(&order, sequence, warehouses[random() % 3], lines));
      for (const auto& shipment : order.shipments()) {
        auto charge = FullChargeOfShipment(order, shipment);
        ASSERT_TRUE(charge.ok()) << shipment.shipment_id() << ": " << charge.status();
        auto [known, first] = charged.emplace(shipment.shipment_id(), charge->total);
        EXPECT_EQ(known->second, charge->total) << "round " << round << " " << known->first;
      }
    }
    auto rest = QueuedValue(order);
    ASSERT_TRUE(rest.ok()) << rest.status();
    EXPECT_EQ(SumOfCaptures(order) + *rest, total) << "round " << round;
  }
}

}  // namespace
}  // namespace oms::order
