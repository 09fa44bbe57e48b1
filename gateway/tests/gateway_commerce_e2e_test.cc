// What real orders need (docs/commerce.md), through the gateway in front of the four real
// services: a trusted channel's order with a line discount, a coupon and a shipping charge split
// over two warehouses, whose captures and invoices add up to the discounted total to the cent
// (other credentials may not set those figures, and bad ones are refused naming the field); a
// parcel returned to sender shipped again without a new charge, or restocked and refunded
// whole; a short pick re-sourced from the other warehouse, or cancelled and voided when no
// warehouse has the units; an order that takes what there is; an order that waits for what
// there is not (backordered): shipped in two parts, the second after a receipt, or its queued
// units cancelled and voided; an order edited after confirmation (a line cancelled, then a
// quantity raised) with the reservation and payment moving by the difference, and an edit racing
// a shipment leaving the order as it was. The cross-service invariant check is clean after each.
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"
#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/http_client.h"
#include "gateway/tests/order_json.h"
#include "gateway/tests/seeded_suite.h"
#include "tools/check/suite_audit.h"

namespace oms::gateway {
namespace {

using google::protobuf::util::TimeUtil;
using nlohmann::json;
using testing::Admin;
using testing::Bearer;
using testing::Body;
using testing::Call;
using testing::HttpAnswer;
using testing::Reason;

constexpr char kAdminKey[] = "commerce-e2e-bootstrap-admin-key-012345";

long long Minor(const json& money) {
  return std::stoll(money.value("amountMinor", std::string("0")));
}

void PostEvent(const std::string& shipment_id, const std::string& type) {
  HttpAnswer posted = Admin("POST", "/v1/shipments/" + shipment_id + "/events",
                            json{{"type", type},
                                 {"occurredAt", TimeUtil::ToString(TimeUtil::GetCurrentTime())},
                                 {"location", "Hamburg"}}
                                .dump());
  ASSERT_EQ(posted.status, 200) << posted.body;
}

// Polls GET `path` (admin) until `done` holds for its body, for at most 30 s; the last body.
json WaitFor(const std::string& path, const std::function<bool(const json&)>& done) {
  json last = testing::PollAdmin(path, done, std::chrono::seconds(30));
  if (last.is_null() || !done(last))
    ADD_FAILURE() << "timed out on " << path << "; last: " << last.dump();
  return last;
}

class GatewayCommerceE2eTest : public testing::SeededSuite<GatewayCommerceE2eTest> {
 public:
  // Two German warehouses with 6 PACK (79.99) and 20 MUG (12.99) each.
  static testing::SeededOptions Options() { return {"commerce-e2e-key", kAdminKey, 6, 20}; }

 protected:
  // A new API key with `scopes` (admin), as its bearer header.
  static std::string KeyWith(const json& scopes) {
    HttpAnswer created =
        Admin("POST", "/v1/apiKeys", json{{"name", "channel"}, {"scopes", scopes}}.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    return Bearer(Body(created).value("secret", ""));
  }

  // A new product `sku` of `price_minor` EUR and `grams`, of which only the first warehouse has
  // `units`; with `backorder_policy` (a BackorderPolicy name) when not empty.
  static void StockedInOneWarehouse(const std::string& sku, const std::string& name,
                                    int price_minor, int grams, int units,
                                    const std::string& backorder_policy = "") {
    json product = {
        {"sku", sku},
        {"name", name},
        {"unitPrice", {{"currency", "EUR"}, {"amountMinor", std::to_string(price_minor)}}},
        {"weightGrams", std::to_string(grams)}};
    if (!backorder_policy.empty()) product["backorderPolicy"] = backorder_policy;
    HttpAnswer created = Admin("POST", "/v1/products", product.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    HttpAnswer stocked = Admin("POST", "/v1/stock:adjust",
                               json{{"warehouseId", env->warehouses.begin()->second},
                                    {"sku", sku},
                                    {"delta", std::to_string(units)},
                                    {"reason", "ADJUSTMENT_REASON_RECEIPT"}}
                                   .dump(),
                               {"Idempotency-Key: stock-" + sku});
    ASSERT_EQ(stocked.status, 200) << stocked.body;
  }

  // An order of `quantity` `sku` for Erika, placed by the admin; every one of these fits in one
  // warehouse, so it has one parcel.
  struct Placed {
    std::string order_id;
    long long total = 0;
    std::string parcel;     // its shipment
    std::string warehouse;  // the parcel's
  };
  static Placed PlaceOneParcel(const std::string& sku, int quantity, const std::string& key) {
    HttpAnswer placed =
        Admin("POST", "/v1/orders", testing::HamburgOrderJson(env->erika, sku, quantity).dump(),
              {"Idempotency-Key: " + key});
    EXPECT_EQ(placed.status, 201) << placed.body;
    const json order = Body(placed);
    EXPECT_EQ(order.value("shipments", json::array()).size(), 1u) << placed.body;
    if (order.value("shipments", json::array()).size() != 1) return {};
    return {order.value("id", ""), Minor(order["total"]),
            order["shipments"][0].value("shipmentId", ""),
            order["shipments"][0].value("warehouseId", "")};
  }

  // Units of `sku` on hand at `warehouse`.
  static long long OnHand(const std::string& sku, const std::string& warehouse) {
    HttpAnswer answer = Admin("GET", "/v1/products/" + sku + "/availability");
    const json body = Body(answer);
    for (const auto& level : body.value("levels", json::array())) {
      if (level.value("warehouseId", "") == warehouse) {
        return std::stoll(level.value("onHand", std::string("0")));
      }
    }
    ADD_FAILURE() << "no level of warehouse " << warehouse << ": " << answer.status << " "
                  << answer.body;
    return -1;
  }

  // `placed`'s parcel shipped and captured, then given up by the carrier as lost: the order asks
  // for a decision.
  static void ShipAndLose(const Placed& placed) {
    PostEvent(placed.parcel, "SHIPPED");
    WaitFor("/v1/payments?orderId=" + placed.order_id, [&placed](const json& body) {
      const json payments = body.value("payments", json::array());
      return payments.size() == 1 &&
             Minor(payments[0].value("captured", json::object())) == placed.total;
    });
    PostEvent(placed.parcel, "LOST");
    const json waiting = WaitFor("/v1/orders/" + placed.order_id, [](const json& order) {
      return order.value("needsAttention", false);
    });
    EXPECT_EQ(waiting["shipments"][0].value("status", ""), "SHIPMENT_STATUS_LOST");
  }

  // 8 PACK with 10 % off the line and 3 MUG, a 5.00 coupon and 4.95 shipping.
  // The cross-service invariants (tools/check), at rest: every order of the suite is final or
  // waits for nothing.
  static void ExpectInvariantsClean() {
    auto report = check::CheckSuite({env->stack.order->channel(), env->stack.inventory->channel(),
                                     env->stack.billing->channel(), env->stack.shipping->channel()},
                                    {/*at_rest=*/true, 0});
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_TRUE(report->violations.empty()) << absl::StrJoin(report->violations, "\n");
    EXPECT_GT(report->orders, 0);
  }

  static json DiscountedOrder() {
    json body = testing::HamburgOrderJson(env->erika, "PACK", 8);
    body["channel"] = "marketplace";
    body["lines"][0]["adjustments"] = {
        {{"kind", "PERCENT"}, {"percentBp", 1000}, {"code", "PACK10"}, {"reason", "10 % off"}}};
    body["lines"].push_back({{"sku", "MUG"}, {"quantity", "3"}});
    body["adjustments"] = {{{"kind", "ADJUSTMENT_KIND_FIXED"},
                            {"amount", {{"currency", "EUR"}, {"amountMinor", "500"}}},
                            {"code", "WELCOME5"},
                            {"reason", "first order"}}};
    body["shippingCharge"] = {{"currency", "EUR"}, {"amountMinor", "495"}};
    return body;
  }
};

// The figures, by hand (adjustments.h, billing's per-unit tax at 19 %):
//   PACK 8 x 79.99 = 639.92, 10 % = 63.992 -> 63.99, leaving 575.93; MUG 3 x 12.99 = 38.97.
//   The coupon over 575.93 : 38.97 is 4.6831 : 0.3169 -> 4.68 : 0.32 (the cent to the larger
//   remainder). Discounts: PACK 68.67, MUG 0.32; 68.99 in all.
//   PACK: 68.67 over 8 units is 8.58 each, 3 units a cent more: units of 71.41 and 71.40, each
//   taxed 13.57 -> 108.56. MUG: 0.10 each, 2 a cent more: 12.89 and 12.88, each taxed 2.45 ->
//   7.35. Shipping 4.95, its tax 0.94.
//   Total: 678.89 - 68.99 + 4.95 + (108.56 + 7.35 + 0.94) = 731.70.
TEST_F(GatewayCommerceE2eTest, ACouponAndAShippingChargeAreCapturedAndInvoicedToTheCent) {
  ASSERT_NE(env, nullptr);
  const std::string channel = KeyWith({"orders:write", "orders:read", "channel:import"});
  HttpAnswer placed = Call("POST", "/v1/orders", {channel, "Idempotency-Key: commerce-1"},
                           DiscountedOrder().dump());
  ASSERT_EQ(placed.status, 201) << placed.body;
  const json order = Body(placed);
  ASSERT_EQ(order.value("status", ""), "ORDER_STATUS_CONFIRMED") << placed.body;
  EXPECT_EQ(Minor(order["subtotal"]), 67889);
  EXPECT_EQ(Minor(order["discount"]), 6899);
  EXPECT_EQ(Minor(order["shippingCharge"]), 495);
  EXPECT_EQ(Minor(order["shippingTax"]), 94);
  EXPECT_EQ(Minor(order["tax"]), 10856 + 735 + 94);
  EXPECT_EQ(Minor(order["total"]), 73170);
  EXPECT_EQ(Minor(order["lines"][0]["discount"]), 6867);
  EXPECT_EQ(Minor(order["lines"][0]["adjustments"][0]["applied"]), 6399);
  EXPECT_EQ(Minor(order["adjustments"][0]["applied"]), 500);
  ASSERT_EQ(order["shipments"].size(), 2u) << placed.body;  // 8 PACK: 6 + 2

  const std::string order_id = order.value("id", "");
  for (const auto& shipment : order["shipments"]) {
    PostEvent(shipment.value("shipmentId", ""), "SHIPPED");
  }

  // Both captures: together exactly what was authorized, the order's total.
  json payment;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpAnswer payments = Admin("GET", "/v1/payments?orderId=" + order_id);
    ASSERT_EQ(payments.status, 200) << payments.body;
    const json listed = Body(payments).value("payments", json::array());
    if (listed.size() == 1 && Minor(listed[0].value("captured", json::object())) ==
                                  Minor(listed[0].value("authorized", json::object()))) {
      payment = listed[0];
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(payment.is_null()) << Admin("GET", "/v1/payments?orderId=" + order_id).body;
  EXPECT_EQ(Minor(payment["authorized"]), 73170);
  EXPECT_EQ(Minor(payment["captured"]), 73170);

  HttpAnswer documents = Admin("GET", "/v1/invoices?orderId=" + order_id);
  ASSERT_EQ(documents.status, 200) << documents.body;
  const json invoices = Body(documents).value("invoices", json::array());
  ASSERT_EQ(invoices.size(), 2u) << documents.body;
  long long invoiced = 0, shipping = 0, shipping_tax = 0, discount = 0;
  for (const auto& invoice : invoices) {
    invoiced += Minor(invoice["total"]);
    shipping += Minor(invoice.value("shipping", json::object()));
    shipping_tax += Minor(invoice.value("shippingTax", json::object()));
    for (const auto& line : invoice["lines"])
      discount += Minor(line.value("discount", json::object()));
  }
  EXPECT_EQ(invoiced, 73170);
  EXPECT_EQ(shipping, 495);
  EXPECT_EQ(shipping_tax, 94);
  EXPECT_EQ(discount, 6899);
  ExpectInvariantsClean();
}

TEST_F(GatewayCommerceE2eTest, OnlyATrustedChannelSetsItsFiguresAndBadOnesAreRefused) {
  ASSERT_NE(env, nullptr);
  const std::string storefront = KeyWith({"orders:write", "orders:read"});
  HttpAnswer refused = Call("POST", "/v1/orders", {storefront, "Idempotency-Key: commerce-scope"},
                            DiscountedOrder().dump());
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(Reason(refused), "MISSING_SCOPE");
  EXPECT_NE(refused.body.find("channel:import"), std::string::npos) << refused.body;

  const std::string channel = KeyWith({"orders:write", "channel:import"});
  const struct {
    const char* name;
    void (*spoil)(json&);
    const char* field;
  } cases[] = {
      {"over 100 %", [](json& b) { b["lines"][0]["adjustments"][0]["percentBp"] = 10001; },
       "lines[0].adjustments[0].percent_bp"},
      {"another currency", [](json& b) { b["adjustments"][0]["amount"]["currency"] = "USD"; },
       "adjustments[0].amount"},
      {"more than the order",
       [](json& b) { b["adjustments"][0]["amount"]["amountMinor"] = "99999999"; },
       "adjustments[0].amount"},
      {"a negative shipping charge", [](json& b) { b["shippingCharge"]["amountMinor"] = "-1"; },
       "shipping_charge.amount_minor"},
      {"a total that does not add up",
       [](json& b) {
         b["expectedTotal"] = {{"currency", "EUR"}, {"amountMinor", "73171"}};
       },
       "expected_total"},
  };
  int n = 0;
  for (const auto& c : cases) {
    json body = DiscountedOrder();
    c.spoil(body);
    HttpAnswer answer =
        Call("POST", "/v1/orders",
             {channel, "Idempotency-Key: commerce-bad-" + std::to_string(n++)}, body.dump());
    EXPECT_EQ(answer.status, 400) << c.name << ": " << answer.body;
    EXPECT_NE(answer.body.find(c.field), std::string::npos) << c.name << ": " << answer.body;
  }
  // None of them stored an order.
  HttpAnswer listed = Admin("GET", "/v1/orders?channel=marketplace&pageSize=100");
  ASSERT_EQ(listed.status, 200) << listed.body;
  for (const auto& order : Body(listed).value("orders", json::array())) {
    EXPECT_NE(Minor(order["total"]), 73171) << order.dump();
  }
  EXPECT_LE(Body(listed).value("orders", json::array()).size(), 1u) << listed.body;
}

// A parcel the carrier brought back is no dead end: the operator reships it. The replacement
// carries the same goods, so nothing more is committed or captured, and the order follows it to
// COMPLETED. Only a parcel returned to sender is reshipped, once.
TEST_F(GatewayCommerceE2eTest, AParcelReturnedToSenderIsReshippedWithoutANewCharge) {
  ASSERT_NE(env, nullptr);
  const Placed placed = PlaceOneParcel("MUG", 2, "commerce-reship");
  ASSERT_FALSE(placed.parcel.empty());
  const std::string& order_id = placed.order_id;
  const long long total = placed.total;
  const std::string& parcel = placed.parcel;
  const std::string reship = "/v1/shipments/" + parcel + ":reship";

  PostEvent(parcel, "SHIPPED");
  HttpAnswer too_early = Admin("POST", reship, "{}");
  EXPECT_EQ(too_early.status, 409) << too_early.body;
  EXPECT_EQ(Reason(too_early), "SHIPMENT_NOT_RETURNED_TO_SENDER");
  PostEvent(parcel, "RETURNED_TO_SENDER");
  // The parcel waits for an operator's decision: the order says so.
  const json waiting = WaitFor("/v1/orders/" + order_id, [&](const json& order) {
    return order.value("needsAttention", false);
  });
  EXPECT_EQ(waiting["shipments"][0].value("status", ""), "SHIPMENT_STATUS_RETURNED_TO_SENDER");

  HttpAnswer decided = Admin("POST", reship, json{{"note", "address corrected"}}.dump());
  ASSERT_EQ(decided.status, 200) << decided.body;
  EXPECT_EQ(Admin("POST", reship, "{}").status, 200);  // a repeat starts nothing new
  const json order = WaitFor("/v1/orders/" + order_id, [&](const json& o) {
    return o.value("shipments", json::array()).size() == 2;
  });
  std::string replacement;
  for (const auto& shipment : order["shipments"]) {
    if (shipment.value("replacesShipmentId", "") == parcel) {
      replacement = shipment.value("shipmentId", "");
    }
  }
  ASSERT_FALSE(replacement.empty()) << order.dump();
  EXPECT_EQ(order.value("status", ""), "ORDER_STATUS_SHIPPED") << order.dump();
  EXPECT_FALSE(order.value("needsAttention", false)) << order.dump();

  PostEvent(replacement, "SHIPPED");
  PostEvent(replacement, "DELIVERED");
  const json completed = WaitFor("/v1/orders/" + order_id, [](const json& o) {
    return o.value("status", "") == "ORDER_STATUS_COMPLETED";
  });
  EXPECT_EQ(completed.value("status", ""), "ORDER_STATUS_COMPLETED") << completed.dump();
  EXPECT_EQ(completed["shipments"].size(), 2u) << completed.dump();

  // Charged once, when the parcel first shipped.
  const json payments = Body(Admin("GET", "/v1/payments?orderId=" + order_id));
  ASSERT_EQ(payments.value("payments", json::array()).size(), 1u) << payments.dump();
  EXPECT_EQ(Minor(payments["payments"][0]["captured"]), total);
  EXPECT_EQ(Body(Admin("GET", "/v1/invoices?orderId=" + order_id))
                .value("invoices", json::array())
                .size(),
            1u);
  ExpectInvariantsClean();
}

// A warehouse finds 2 of 5 MUG missing while picking: the 2 are written off there and held at
// the other warehouse, which ships them in a shipment of its own; the two captures (3 and 2
// units) add up to the total, each with its invoice.
TEST_F(GatewayCommerceE2eTest, AShortPickIsReSourcedFromASecondWarehouse) {
  ASSERT_NE(env, nullptr);
  const Placed placed = PlaceOneParcel("MUG", 5, "commerce-short-pick");
  ASSERT_FALSE(placed.parcel.empty());
  const std::string& order_id = placed.order_id;
  const long long total = placed.total;
  const std::string& first = placed.parcel;
  const std::string& first_warehouse = placed.warehouse;

  PostEvent(first, "PICKED");
  HttpAnswer reported =
      Admin("POST", "/v1/shipments/" + first + ":shortPick",
            json{{"missing", {{{"sku", "MUG"}, {"quantity", 2}}}}, {"note", "bin empty"}}.dump());
  ASSERT_EQ(reported.status, 200) << reported.body;
  // The new shipment can show (from shipping's feed) a moment before the re-sourcing saga lists
  // it with its lines and origin: wait for the listing.
  const json order = WaitFor("/v1/orders/" + order_id, [&first](const json& o) {
    for (const auto& shipment : o.value("shipments", json::array())) {
      if (shipment.value("resourcedFromShipmentId", "") == first) return true;
    }
    return false;
  });
  ASSERT_EQ(order["shipments"].size(), 2u) << order.dump();
  std::string second;
  for (const auto& shipment : order["shipments"]) {
    if (shipment.value("resourcedFromShipmentId", "") != first) continue;
    second = shipment.value("shipmentId", "");
    EXPECT_NE(shipment.value("warehouseId", ""), first_warehouse) << order.dump();
    ASSERT_EQ(shipment["lines"].size(), 1u) << order.dump();
    EXPECT_EQ(shipment["lines"][0].value("quantity", ""), "2") << order.dump();
  }
  ASSERT_FALSE(second.empty()) << order.dump();
  EXPECT_EQ(order["shipments"][0]["shortPicked"][0].value("quantity", ""), "2") << order.dump();
  EXPECT_EQ(order.value("status", ""), "ORDER_STATUS_CONFIRMED") << order.dump();

  for (const std::string& shipment : {first, second}) {
    PostEvent(shipment, "SHIPPED");
    PostEvent(shipment, "DELIVERED");
  }
  const json completed = WaitFor("/v1/orders/" + order_id, [](const json& o) {
    return o.value("status", "") == "ORDER_STATUS_COMPLETED";
  });
  EXPECT_EQ(completed.value("status", ""), "ORDER_STATUS_COMPLETED") << completed.dump();

  const json payments = Body(Admin("GET", "/v1/payments?orderId=" + order_id));
  ASSERT_EQ(payments.value("payments", json::array()).size(), 1u) << payments.dump();
  EXPECT_EQ(Minor(payments["payments"][0]["captured"]), total) << payments.dump();
  const json invoices = Body(Admin("GET", "/v1/invoices?orderId=" + order_id));
  ASSERT_EQ(invoices.value("invoices", json::array()).size(), 2u) << invoices.dump();
  long long invoiced = 0;
  std::map<std::string, std::string> units;  // shipment -> MUG invoiced
  for (const auto& invoice : invoices["invoices"]) {
    invoiced += Minor(invoice["total"]);
    units[invoice.value("shipmentId", "")] = invoice["lines"][0].value("quantity", "");
  }
  EXPECT_EQ(invoiced, total);
  EXPECT_EQ(units, (std::map<std::string, std::string>{{first, "3"}, {second, "2"}}));
  ExpectInvariantsClean();
}

// The other decision on a parcel returned to sender: its goods go back on hand and its invoice
// is refunded whole, shipping included; the order, with nothing left to deliver, completes. A
// reship after it is refused.
TEST_F(GatewayCommerceE2eTest, AParcelReturnedToSenderIsRestockedAndRefundedWhole) {
  ASSERT_NE(env, nullptr);
  const Placed placed = PlaceOneParcel("MUG", 2, "commerce-refund");
  ASSERT_FALSE(placed.parcel.empty());
  const std::string& order_id = placed.order_id;
  const long long total = placed.total;
  const std::string& parcel = placed.parcel;
  auto on_hand = [&placed] { return OnHand("MUG", placed.warehouse); };

  PostEvent(parcel, "SHIPPED");
  WaitFor("/v1/payments?orderId=" + order_id, [total](const json& body) {
    const json payments = body.value("payments", json::array());
    return payments.size() == 1 && Minor(payments[0].value("captured", json::object())) == total;
  });
  PostEvent(parcel, "RETURNED_TO_SENDER");
  WaitFor("/v1/orders/" + order_id,
          [](const json& order) { return order.value("needsAttention", false); });
  const long long shelf = on_hand();

  const std::string refund = "/v1/shipments/" + parcel + ":refund";
  HttpAnswer decided = Admin("POST", refund, json{{"note", "customer moved away"}}.dump());
  ASSERT_EQ(decided.status, 200) << decided.body;
  HttpAnswer reship = Admin("POST", "/v1/shipments/" + parcel + ":reship", "{}");
  EXPECT_EQ(reship.status, 409) << reship.body;
  EXPECT_EQ(Reason(reship), "SHIPMENT_ALREADY_DECIDED");
  const json completed = WaitFor("/v1/orders/" + order_id, [](const json& o) {
    return o.value("status", "") == "ORDER_STATUS_COMPLETED";
  });
  EXPECT_TRUE(completed["shipments"][0].value("refunded", false)) << completed.dump();
  EXPECT_FALSE(completed.value("needsAttention", false)) << completed.dump();
  EXPECT_EQ(on_hand(), shelf + 2);

  const json payments = Body(Admin("GET", "/v1/payments?orderId=" + order_id));
  EXPECT_EQ(Minor(payments["payments"][0]["captured"]), total) << payments.dump();
  EXPECT_EQ(Minor(payments["payments"][0]["refunded"]), total) << payments.dump();
  const json documents = Body(Admin("GET", "/v1/invoices?orderId=" + order_id));
  ASSERT_EQ(documents.value("invoices", json::array()).size(), 1u) << documents.dump();
  ASSERT_EQ(documents.value("creditNotes", json::array()).size(), 1u) << documents.dump();
  const json& invoice = documents["invoices"][0];
  const json& credit = documents["creditNotes"][0];
  EXPECT_EQ(Minor(credit["total"]), Minor(invoice["total"])) << documents.dump();
  EXPECT_EQ(Minor(credit.value("shipping", json::object())),
            Minor(invoice.value("shipping", json::object())));
  ExpectInvariantsClean();
}

// A short pick of units no other warehouse has: they are written off and cancelled, their share
// of the payment voided; the unit left ships and is captured, and capture and void add up to
// the total.
TEST_F(GatewayCommerceE2eTest, AShortPickNoWarehouseCanFillIsCancelledAndVoided) {
  ASSERT_NE(env, nullptr);
  ASSERT_NO_FATAL_FAILURE(StockedInOneWarehouse("LAMP", "Lamp", 4999, 900, 3));
  const Placed placed = PlaceOneParcel("LAMP", 3, "commerce-short-pick-cancelled");
  ASSERT_FALSE(placed.parcel.empty());
  const std::string& order_id = placed.order_id;
  const long long total = placed.total;
  const std::string& parcel = placed.parcel;

  HttpAnswer reported = Admin("POST", "/v1/shipments/" + parcel + ":shortPick",
                              json{{"missing", {{{"sku", "LAMP"}, {"quantity", 2}}}}}.dump());
  ASSERT_EQ(reported.status, 200) << reported.body;
  const json voided = WaitFor("/v1/payments?orderId=" + order_id, [](const json& body) {
    const json payments = body.value("payments", json::array());
    return payments.size() == 1 && Minor(payments[0].value("voided", json::object())) > 0;
  });
  const long long void_amount = Minor(voided["payments"][0]["voided"]);
  const json order = Body(Admin("GET", "/v1/orders/" + order_id));
  ASSERT_EQ(order["shipments"].size(), 1u) << order.dump();
  EXPECT_EQ(order["shipments"][0]["shortPickCancelled"][0].value("quantity", ""), "2")
      << order.dump();

  PostEvent(parcel, "SHIPPED");
  PostEvent(parcel, "DELIVERED");
  const json completed = WaitFor("/v1/orders/" + order_id, [](const json& o) {
    return o.value("status", "") == "ORDER_STATUS_COMPLETED";
  });
  EXPECT_EQ(completed.value("status", ""), "ORDER_STATUS_COMPLETED") << completed.dump();
  const json payments = Body(Admin("GET", "/v1/payments?orderId=" + order_id));
  EXPECT_EQ(Minor(payments["payments"][0]["captured"]) + void_amount, total) << payments.dump();
  const json invoices = Body(Admin("GET", "/v1/invoices?orderId=" + order_id));
  ASSERT_EQ(invoices.value("invoices", json::array()).size(), 1u) << invoices.dump();
  EXPECT_EQ(invoices["invoices"][0]["lines"][0].value("quantity", ""), "1") << invoices.dump();
  ExpectInvariantsClean();
}

// An order that takes what there is (SHIP_AVAILABLE): 3 of 5 DESK exist, so 3 ship and the share
// of the other 2 is voided at once; captures and void add up to the total. The default refuses
// the same order, and an unknown policy is refused naming the field.
TEST_F(GatewayCommerceE2eTest, AnOrderTakingWhatThereIsShipsItAndVoidsTheRest) {
  ASSERT_NE(env, nullptr);
  ASSERT_NO_FATAL_FAILURE(StockedInOneWarehouse("DESK", "Desk", 19900, 15000, 3));

  json body = testing::HamburgOrderJson(env->erika, "DESK", 5);
  HttpAnswer refused = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: desk-reject"});
  ASSERT_EQ(refused.status, 201) << refused.body;
  EXPECT_EQ(Body(refused).value("status", ""), "ORDER_STATUS_REJECTED") << refused.body;
  body["backorderPolicy"] = 7;
  HttpAnswer unknown = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: desk-bo"});
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_NE(unknown.body.find("backorder"), std::string::npos) << unknown.body;

  body["backorderPolicy"] = "BACKORDER_POLICY_SHIP_AVAILABLE";
  HttpAnswer placed = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: desk-partly"});
  ASSERT_EQ(placed.status, 201) << placed.body;
  const json order = Body(placed);
  ASSERT_EQ(order.value("status", ""), "ORDER_STATUS_CONFIRMED") << placed.body;
  EXPECT_EQ(order["allocation"]["unfilled"][0].value("quantity", ""), "2") << placed.body;
  ASSERT_EQ(order["shipments"].size(), 1u) << placed.body;
  const std::string order_id = order.value("id", "");
  const std::string parcel = order["shipments"][0].value("shipmentId", "");
  const long long total = Minor(order["total"]);

  PostEvent(parcel, "SHIPPED");
  PostEvent(parcel, "DELIVERED");
  const json completed = WaitFor("/v1/orders/" + order_id, [](const json& o) {
    return o.value("status", "") == "ORDER_STATUS_COMPLETED";
  });
  EXPECT_EQ(completed.value("status", ""), "ORDER_STATUS_COMPLETED") << completed.dump();
  const json payments = Body(Admin("GET", "/v1/payments?orderId=" + order_id));
  const json& payment = payments["payments"][0];
  EXPECT_GT(Minor(payment["voided"]), 2 * 19900) << payments.dump();
  EXPECT_EQ(Minor(payment["captured"]) + Minor(payment["voided"]), total) << payments.dump();
  const json invoices = Body(Admin("GET", "/v1/invoices?orderId=" + order_id));
  ASSERT_EQ(invoices.value("invoices", json::array()).size(), 1u) << invoices.dump();
  EXPECT_EQ(invoices["invoices"][0]["lines"][0].value("quantity", ""), "3") << invoices.dump();
  ExpectInvariantsClean();
}

// Backordered (BACKORDER): 5 of 8 CHAIR exist, so 5 ship at once and 3 wait, first come first
// served; a receipt of 3 at the other warehouse fills them, and they ship as a second parcel.
// Two captures and two invoices (5 and 3) add up to the order's total.
TEST_F(GatewayCommerceE2eTest, ABackorderShipsFiveAtOnceAndThreeAfterAReceipt) {
  ASSERT_NE(env, nullptr);
  ASSERT_NO_FATAL_FAILURE(StockedInOneWarehouse("CHAIR", "Chair", 8900, 7000, 5));

  json body = testing::HamburgOrderJson(env->erika, "CHAIR", 8);
  body["backorderPolicy"] = "BACKORDER_POLICY_BACKORDER";
  HttpAnswer placed = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: chair-bo"});
  ASSERT_EQ(placed.status, 201) << placed.body;
  const json order = Body(placed);
  ASSERT_EQ(order.value("status", ""), "ORDER_STATUS_PARTIALLY_BACKORDERED") << placed.body;
  EXPECT_EQ(order["allocation"]["backordered"][0].value("quantity", ""), "3") << placed.body;
  EXPECT_EQ(order.value("backorderedUnits", ""), "3") << placed.body;
  ASSERT_EQ(order["shipments"].size(), 1u) << placed.body;
  const std::string order_id = order.value("id", "");
  const std::string first = order["shipments"][0].value("shipmentId", "");
  const long long total = Minor(order["total"]);
  const json waiting = Body(Admin("GET", "/v1/products/CHAIR/availability"));
  EXPECT_EQ(waiting.value("totalBackordered", ""), "3") << waiting.dump();
  EXPECT_EQ(waiting.value("totalAvailable", "0"), "0") << waiting.dump();

  // What is held ships without waiting; the order still waits for the rest.
  PostEvent(first, "SHIPPED");
  PostEvent(first, "DELIVERED");
  const std::string payments = "/v1/payments?orderId=" + order_id;
  const json part = WaitFor(payments, [](const json& p) {
    return !p.value("payments", json::array()).empty() && Minor(p["payments"][0]["captured"]) > 0;
  });
  const long long first_capture = Minor(part["payments"][0]["captured"]);
  EXPECT_LT(first_capture, total) << part.dump();
  EXPECT_EQ(Body(Admin("GET", "/v1/orders/" + order_id)).value("status", ""),
            "ORDER_STATUS_PARTIALLY_BACKORDERED");

  // The receipt fills the queue in the same transaction; order-service ships the fill.
  std::string other;
  for (const auto& [code, id] : env->warehouses) {
    if (id != order["shipments"][0].value("warehouseId", "")) other = id;
  }
  ASSERT_FALSE(other.empty());
  HttpAnswer received = Admin("POST", "/v1/stock:adjust",
                              json{{"warehouseId", other},
                                   {"sku", "CHAIR"},
                                   {"delta", "3"},
                                   {"reason", "ADJUSTMENT_REASON_RECEIPT"}}
                                  .dump(),
                              {"Idempotency-Key: chair-receipt"});
  ASSERT_EQ(received.status, 200) << received.body;
  // Waits for the fill's saga to list its shipment (shipping's feed can show it a moment before,
  // without its lines).
  const json filled = WaitFor("/v1/orders/" + order_id, [](const json& o) {
    const json shipments = o.value("shipments", json::array());
    return shipments.size() == 2 && shipments[1].value("backorderFillSequence", "0") != "0";
  });
  ASSERT_EQ(filled.value("shipments", json::array()).size(), 2u) << filled.dump();
  const json& second = filled["shipments"][1];
  EXPECT_EQ(second.value("warehouseId", ""), other) << filled.dump();
  EXPECT_NE(second.value("backorderFillSequence", "0"), "0") << filled.dump();
  EXPECT_EQ(second["lines"][0].value("quantity", ""), "3") << filled.dump();
  EXPECT_EQ(filled.value("backorderedUnits", "0"), "0") << filled.dump();
  EXPECT_NE(filled.value("status", ""), "ORDER_STATUS_PARTIALLY_BACKORDERED") << filled.dump();
  const json stock = Body(Admin("GET", "/v1/products/CHAIR/availability"));
  EXPECT_EQ(stock.value("totalBackordered", "0"), "0") << stock.dump();
  EXPECT_EQ(stock.value("totalAvailable", "0"), "0") << stock.dump();

  PostEvent(second.value("shipmentId", ""), "SHIPPED");
  PostEvent(second.value("shipmentId", ""), "DELIVERED");
  const json completed = WaitFor("/v1/orders/" + order_id, [](const json& o) {
    return o.value("status", "") == "ORDER_STATUS_COMPLETED";
  });
  EXPECT_EQ(completed.value("status", ""), "ORDER_STATUS_COMPLETED") << completed.dump();
  const json settled = Body(Admin("GET", payments));
  ASSERT_EQ(settled.value("payments", json::array()).size(), 1u) << settled.dump();
  EXPECT_EQ(Minor(settled["payments"][0]["captured"]), total) << settled.dump();
  EXPECT_EQ(Minor(settled["payments"][0].value("voided", json::object())), 0) << settled.dump();
  const json invoices = Body(Admin("GET", "/v1/invoices?orderId=" + order_id));
  ASSERT_EQ(invoices.value("invoices", json::array()).size(), 2u) << invoices.dump();
  std::multiset<std::string> quantities;
  long long invoiced = 0;
  for (const auto& invoice : invoices["invoices"]) {
    quantities.insert(invoice["lines"][0].value("quantity", ""));
    invoiced += Minor(invoice["total"]);
  }
  EXPECT_EQ(quantities, (std::multiset<std::string>{"3", "5"})) << invoices.dump();
  EXPECT_EQ(invoiced, total) << invoices.dump();
  ExpectInvariantsClean();
}

// Nothing of it in stock and a destination no carrier serves: a BACKORDER order is refused at
// its ship step (shipping is asked about the destination even with nothing to ship yet), and
// its queued units leave the queue with the compensation.
TEST_F(GatewayCommerceE2eTest, ABackorderNobodyCanDeliverIsRejectedAndLeavesNothingQueued) {
  ASSERT_NE(env, nullptr);
  HttpAnswer created = Admin("POST", "/v1/products",
                             json{{"sku", "SOFA"},
                                  {"name", "Sofa"},
                                  {"unitPrice", {{"currency", "EUR"}, {"amountMinor", "49900"}}},
                                  {"weightGrams", "30000"}}
                                 .dump());
  ASSERT_EQ(created.status, 201) << created.body;

  json body = testing::HamburgOrderJson(env->erika, "SOFA", 2);
  body["backorderPolicy"] = "BACKORDER_POLICY_BACKORDER";
  body["shippingAddress"]["country"] = "BR";
  HttpAnswer placed = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: sofa-br"});
  ASSERT_EQ(placed.status, 201) << placed.body;
  const json order = Body(placed);
  EXPECT_EQ(order.value("status", ""), "ORDER_STATUS_REJECTED") << placed.body;
  EXPECT_NE(order.value("rejectionReason", "").find("DESTINATION_NOT_SERVED"), std::string::npos)
      << placed.body;
  EXPECT_TRUE(order.value("shipments", json::array()).empty()) << placed.body;
  const json stock = Body(Admin("GET", "/v1/products/SOFA/availability"));
  EXPECT_EQ(stock.value("totalBackordered", "0"), "0") << stock.dump();
  ExpectInvariantsClean();
}

// A backorder cancelled while it waits: what shipped is captured, the queued units' share is
// voided (capture + void = total), they leave the queue, and a later receipt stays on the shelf.
TEST_F(GatewayCommerceE2eTest, AQueuedBackorderIsCancelledAndItsShareVoided) {
  ASSERT_NE(env, nullptr);
  ASSERT_NO_FATAL_FAILURE(StockedInOneWarehouse("STOOL", "Stool", 3900, 3000, 2));

  json body = testing::HamburgOrderJson(env->erika, "STOOL", 5);
  body["backorderPolicy"] = "BACKORDER_POLICY_BACKORDER";
  HttpAnswer placed = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: stool-bo"});
  ASSERT_EQ(placed.status, 201) << placed.body;
  const json order = Body(placed);
  ASSERT_EQ(order.value("status", ""), "ORDER_STATUS_PARTIALLY_BACKORDERED") << placed.body;
  ASSERT_EQ(order["shipments"].size(), 1u) << placed.body;
  const std::string order_id = order.value("id", "");
  const std::string parcel = order["shipments"][0].value("shipmentId", "");
  const long long total = Minor(order["total"]);
  PostEvent(parcel, "SHIPPED");

  HttpAnswer cancelled =
      Admin("POST", "/v1/orders/" + order_id + ":cancel", json{{"reason", "will not wait"}}.dump());
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  const std::string payments = "/v1/payments?orderId=" + order_id;
  const json settled = WaitFor(payments, [total](const json& p) {
    if (p.value("payments", json::array()).empty()) return false;
    const json& payment = p["payments"][0];
    return Minor(payment["captured"]) + Minor(payment.value("voided", json::object())) == total &&
           Minor(payment["captured"]) > 0;
  });
  const json& payment = settled["payments"][0];
  EXPECT_GT(Minor(payment.value("voided", json::object())), 3 * 3900) << settled.dump();
  const json after = WaitFor("/v1/orders/" + order_id, [](const json& o) {
    return o.value("status", "") == "ORDER_STATUS_SHIPPED";
  });
  EXPECT_EQ(after.value("backorderedUnits", "0"), "0") << after.dump();
  const json stock = Body(Admin("GET", "/v1/products/STOOL/availability"));
  EXPECT_EQ(stock.value("totalBackordered", "0"), "0") << stock.dump();

  HttpAnswer received = Admin("POST", "/v1/stock:adjust",
                              json{{"warehouseId", order["shipments"][0].value("warehouseId", "")},
                                   {"sku", "STOOL"},
                                   {"delta", "3"},
                                   {"reason", "ADJUSTMENT_REASON_RECEIPT"}}
                                  .dump(),
                              {"Idempotency-Key: stool-receipt"});
  ASSERT_EQ(received.status, 200) << received.body;
  const json shelf = Body(Admin("GET", "/v1/products/STOOL/availability"));
  EXPECT_EQ(shelf.value("totalAvailable", ""), "3") << shelf.dump();
  PostEvent(parcel, "DELIVERED");
  const json completed = WaitFor("/v1/orders/" + order_id, [](const json& o) {
    return o.value("status", "") == "ORDER_STATUS_COMPLETED";
  });
  EXPECT_EQ(completed.value("shipments", json::array()).size(), 1u) << completed.dump();
  ExpectInvariantsClean();
}

// Units of `sku` available now, over every warehouse.
long long Available(const std::string& sku) {
  const json stock = Body(Admin("GET", "/v1/products/" + sku + "/availability"));
  return std::stoll(stock.value("totalAvailable", std::string("0")));
}

// The order's one payment: authorized, captured and voided, minor units.
struct PaymentFigures {
  long long authorized = 0, captured = 0, voided = 0;
};
PaymentFigures PaymentOf(const std::string& order_id) {
  const json payments = Body(Admin("GET", "/v1/payments?orderId=" + order_id));
  EXPECT_EQ(payments.value("payments", json::array()).size(), 1u) << payments.dump();
  if (payments.value("payments", json::array()).size() != 1) return {};
  const json& payment = payments["payments"][0];
  return {Minor(payment["authorized"]), Minor(payment["captured"]), Minor(payment["voided"])};
}

// Edits `order_id` at `version` to `lines`; the answer.
HttpAnswer Modify(const std::string& order_id, int version, const json& lines,
                  const std::string& key) {
  return Admin("POST", "/v1/orders/" + order_id + ":modify",
               json{{"version", std::to_string(version)}, {"lines", lines}}.dump(),
               {"Idempotency-Key: " + key});
}

// The order once it is at `version`, with that version's shipments made.
json WaitForVersion(const std::string& order_id, int version) {
  return WaitFor("/v1/orders/" + order_id, [version](const json& o) {
    if (o.value("version", "") != std::to_string(version)) return false;
    for (const auto& shipment : o.value("shipments", json::array())) {
      if (shipment.value("orderVersion", "") == std::to_string(version)) return true;
    }
    return false;
  });
}

// The Done-when's edit: 2 EDIT-A and 3 EDIT-B confirmed; the EDIT-B line is cancelled (its 3
// units go back on the shelf, its share is voided), then EDIT-A raised to 5 (3 more units held,
// their amount authorized on the same payment). The version that ships is billed exactly:
// captured = the last total, and authorized = captured + voided.
TEST_F(GatewayCommerceE2eTest, AnEditCancelsALineAndRaisesAQuantityWithTheRightDeltas) {
  ASSERT_NE(env, nullptr);
  StockedInOneWarehouse("EDIT-A", "Edited A", 1000, 300, 10);
  StockedInOneWarehouse("EDIT-B", "Edited B", 500, 200, 10);
  json body = testing::HamburgOrderJson(env->erika, "EDIT-A", 2);
  body["lines"].push_back({{"sku", "EDIT-B"}, {"quantity", "3"}});
  HttpAnswer placed = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: commerce-edit"});
  ASSERT_EQ(placed.status, 201) << placed.body;
  const json v1_order = Body(placed);
  const std::string order_id = v1_order.value("id", "");
  ASSERT_EQ(v1_order.value("status", ""), "ORDER_STATUS_CONFIRMED") << placed.body;
  EXPECT_EQ(v1_order.value("version", ""), "1") << placed.body;
  const long long total_v1 = Minor(v1_order["total"]);
  long long line_b = 0;
  for (const auto& line : v1_order["lines"]) {
    if (line.value("sku", "") == "EDIT-B") line_b = Minor(line["total"]);
  }
  ASSERT_GT(line_b, 0) << placed.body;
  EXPECT_EQ(Available("EDIT-A"), 8);
  EXPECT_EQ(Available("EDIT-B"), 7);

  // Bad edits change nothing: another version, a quantity out of bounds.
  HttpAnswer stale = Modify(order_id, 7, json::array({{{"sku", "EDIT-A"}, {"quantity", "2"}}}),
                            "commerce-edit-stale");
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(Reason(stale), "VERSION_CONFLICT") << stale.body;
  HttpAnswer zero = Modify(order_id, 1, json::array({{{"sku", "EDIT-A"}, {"quantity", "0"}}}),
                           "commerce-edit-zero");
  EXPECT_EQ(zero.status, 400) << zero.body;
  EXPECT_NE(zero.body.find("lines[0].quantity"), std::string::npos) << zero.body;

  // 1 -> 2: the EDIT-B line is cancelled.
  HttpAnswer cancelled =
      Modify(order_id, 1, json::array({{{"sku", "EDIT-A"}, {"quantity", "2"}}}), "commerce-edit-1");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(Body(cancelled).value("version", ""), "1") << cancelled.body;
  const json v2_order = WaitForVersion(order_id, 2);
  EXPECT_EQ(Minor(v2_order["total"]), total_v1 - line_b) << v2_order.dump();
  ASSERT_EQ(v2_order["lines"].size(), 1u) << v2_order.dump();
  EXPECT_EQ(Available("EDIT-B"), 10);
  EXPECT_EQ(Available("EDIT-A"), 8);
  WaitFor("/v1/payments?orderId=" + order_id, [&](const json& p) {
    return !p.value("payments", json::array()).empty() &&
           Minor(p["payments"][0]["voided"]) == line_b;
  });
  EXPECT_EQ(PaymentOf(order_id).authorized, total_v1);

  // 2 -> 3: EDIT-A raised from 2 to 5.
  HttpAnswer raised =
      Modify(order_id, 2, json::array({{{"sku", "EDIT-A"}, {"quantity", "5"}}}), "commerce-edit-2");
  ASSERT_EQ(raised.status, 200) << raised.body;
  const json v3_order = WaitForVersion(order_id, 3);
  const long long total_v3 = Minor(v3_order["total"]);
  EXPECT_EQ(total_v3, (total_v1 - line_b) * 5 / 2) << v3_order.dump();
  EXPECT_EQ(Available("EDIT-A"), 5);
  const PaymentFigures edited = PaymentOf(order_id);
  EXPECT_EQ(edited.authorized, total_v1 + (total_v3 - (total_v1 - line_b)));
  EXPECT_EQ(edited.voided, line_b);
  EXPECT_EQ(edited.captured, 0);
  // A repeat of an edit's key answers the order and starts nothing.
  HttpAnswer repeat =
      Modify(order_id, 2, json::array({{{"sku", "EDIT-A"}, {"quantity", "5"}}}), "commerce-edit-2");
  EXPECT_EQ(repeat.status, 200) << repeat.body;

  std::string parcel;
  int live = 0;
  for (const auto& shipment : v3_order["shipments"]) {
    if (shipment.value("status", "") == "SHIPMENT_STATUS_CANCELLED") continue;
    ++live;
    parcel = shipment.value("shipmentId", "");
    EXPECT_EQ(shipment.value("orderVersion", ""), "3") << v3_order.dump();
  }
  ASSERT_EQ(live, 1) << v3_order.dump();
  PostEvent(parcel, "SHIPPED");
  PostEvent(parcel, "DELIVERED");
  WaitFor("/v1/orders/" + order_id,
          [](const json& o) { return o.value("status", "") == "ORDER_STATUS_COMPLETED"; });
  const PaymentFigures done = PaymentOf(order_id);
  EXPECT_EQ(done.captured, total_v3);
  EXPECT_EQ(done.captured + done.voided, done.authorized);
  const json invoices = Body(Admin("GET", "/v1/invoices?orderId=" + order_id));
  ASSERT_EQ(invoices.value("invoices", json::array()).size(), 1u) << invoices.dump();
  EXPECT_EQ(Minor(invoices["invoices"][0]["total"]), total_v3) << invoices.dump();
  EXPECT_EQ(invoices["invoices"][0]["lines"][0].value("quantity", ""), "5") << invoices.dump();
  ExpectInvariantsClean();
}

// An edit racing a SHIPPED event ends consistent either way: refused at once when order-service
// saw the shipment ship first, or compensated when shipping refuses to cancel the shipped
// parcel (the units it held and the amount it authorized are given back). The order stays at
// version 1 and is billed as placed.
TEST_F(GatewayCommerceE2eTest, AnEditRacingAShipmentLeavesTheOrderAsItWas) {
  ASSERT_NE(env, nullptr);
  StockedInOneWarehouse("EDIT-C", "Edited C", 700, 100, 10);
  const Placed placed = PlaceOneParcel("EDIT-C", 2, "commerce-edit-race");
  ASSERT_FALSE(placed.parcel.empty());
  PostEvent(placed.parcel, "SHIPPED");
  HttpAnswer raced =
      Modify(placed.order_id, 1, json::array({{{"sku", "EDIT-C"}, {"quantity", "4"}}}),
             "commerce-edit-race-1");
  if (raced.status == 409) {
    EXPECT_EQ(Reason(raced), "LINE_ALREADY_SHIPPED") << raced.body;
  } else {
    ASSERT_EQ(raced.status, 200) << raced.body;
  }
  PostEvent(placed.parcel, "DELIVERED");
  const json order = WaitFor("/v1/orders/" + placed.order_id, [](const json& o) {
    return o.value("status", "") == "ORDER_STATUS_COMPLETED";
  });
  EXPECT_EQ(order.value("version", ""), "1") << order.dump();
  EXPECT_EQ(Minor(order["total"]), placed.total) << order.dump();
  EXPECT_EQ(Available("EDIT-C"), 8);
  const PaymentFigures payment = PaymentOf(placed.order_id);
  EXPECT_EQ(payment.captured, placed.total);
  EXPECT_EQ(payment.captured + payment.voided, payment.authorized);
  ExpectInvariantsClean();
}

// A parcel the carrier lost is no dead end either. Reshipped: its goods are gone, so the
// replacement takes its units off the shelf at the parcel's warehouse, and is charged nothing; the
// order completes with it. Refunded: the invoice is refunded whole and nothing is restocked.
TEST_F(GatewayCommerceE2eTest, ALostParcelIsReshippedFromTheShelfOrRefundedWithoutARestock) {
  ASSERT_NE(env, nullptr);
  ASSERT_NO_FATAL_FAILURE(StockedInOneWarehouse("LOST-A", "Fragile vase", 2500, 800, 10));
  const Placed reshipped = PlaceOneParcel("LOST-A", 2, "commerce-lost-reship");
  ASSERT_FALSE(reshipped.parcel.empty());
  ASSERT_NO_FATAL_FAILURE(ShipAndLose(reshipped));
  EXPECT_EQ(OnHand("LOST-A", reshipped.warehouse), 8);  // the two that left with the parcel

  HttpAnswer reship = Admin("POST", "/v1/shipments/" + reshipped.parcel + ":reship",
                            json{{"note", "carrier lost it"}}.dump());
  ASSERT_EQ(reship.status, 200) << reship.body;
  const json order = WaitFor("/v1/orders/" + reshipped.order_id, [](const json& o) {
    return o.value("shipments", json::array()).size() == 2;
  });
  std::string replacement;
  for (const auto& shipment : order["shipments"]) {
    if (shipment.value("replacesShipmentId", "") == reshipped.parcel) {
      replacement = shipment.value("shipmentId", "");
    }
  }
  ASSERT_FALSE(replacement.empty()) << order.dump();
  EXPECT_FALSE(order.value("needsAttention", false)) << order.dump();
  EXPECT_EQ(OnHand("LOST-A", reshipped.warehouse), 6);  // and two more for the replacement
  PostEvent(replacement, "SHIPPED");
  PostEvent(replacement, "DELIVERED");
  WaitFor("/v1/orders/" + reshipped.order_id,
          [](const json& o) { return o.value("status", "") == "ORDER_STATUS_COMPLETED"; });
  const json paid = Body(Admin("GET", "/v1/payments?orderId=" + reshipped.order_id));
  EXPECT_EQ(Minor(paid["payments"][0]["captured"]), reshipped.total) << paid.dump();
  EXPECT_EQ(Body(Admin("GET", "/v1/invoices?orderId=" + reshipped.order_id))
                .value("invoices", json::array())
                .size(),
            1u);

  const Placed refunded = PlaceOneParcel("LOST-A", 1, "commerce-lost-refund");
  ASSERT_FALSE(refunded.parcel.empty());
  ASSERT_NO_FATAL_FAILURE(ShipAndLose(refunded));
  const long long shelf = OnHand("LOST-A", refunded.warehouse);
  HttpAnswer refund = Admin("POST", "/v1/shipments/" + refunded.parcel + ":refund", "{}");
  ASSERT_EQ(refund.status, 200) << refund.body;
  const json completed = WaitFor("/v1/orders/" + refunded.order_id, [](const json& o) {
    return o.value("status", "") == "ORDER_STATUS_COMPLETED";
  });
  EXPECT_TRUE(completed["shipments"][0].value("refunded", false)) << completed.dump();
  EXPECT_EQ(OnHand("LOST-A", refunded.warehouse), shelf);  // lost goods are not restocked
  const json payments = Body(Admin("GET", "/v1/payments?orderId=" + refunded.order_id));
  EXPECT_EQ(Minor(payments["payments"][0]["refunded"]), refunded.total) << payments.dump();
  ExpectInvariantsClean();
}

// Each product's own policy decides when the order names none: one SKU queued for stock and
// another done without in one order; an order naming REJECT overrides both.
TEST_F(GatewayCommerceE2eTest, AProductsOwnPolicyDecidesUnlessTheOrderNamesOne) {
  ASSERT_NE(env, nullptr);
  ASSERT_NO_FATAL_FAILURE(
      StockedInOneWarehouse("POL-BO", "Made to order", 1500, 500, 2, "BACKORDER_POLICY_BACKORDER"));
  ASSERT_NO_FATAL_FAILURE(StockedInOneWarehouse("POL-SA", "Last of the season", 900, 300, 1,
                                                "BACKORDER_POLICY_SHIP_AVAILABLE"));
  const json product = Body(Admin("GET", "/v1/products/POL-BO"));
  EXPECT_EQ(product.value("backorderPolicy", ""), "BACKORDER_POLICY_BACKORDER") << product.dump();

  json body = testing::HamburgOrderJson(env->erika, "POL-BO", 3);
  body["lines"].push_back({{"sku", "POL-SA"}, {"quantity", "2"}});
  HttpAnswer placed = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: policy-mixed"});
  ASSERT_EQ(placed.status, 201) << placed.body;
  const json order = Body(placed);
  EXPECT_EQ(order.value("status", ""), "ORDER_STATUS_PARTIALLY_BACKORDERED") << placed.body;
  EXPECT_EQ(order.value("backorderedUnits", ""), "1") << placed.body;
  ASSERT_EQ(order["allocation"]["backordered"].size(), 1u) << placed.body;
  EXPECT_EQ(order["allocation"]["backordered"][0].value("sku", ""), "POL-BO");
  ASSERT_EQ(order["allocation"]["unfilled"].size(), 1u) << placed.body;
  EXPECT_EQ(order["allocation"]["unfilled"][0].value("sku", ""), "POL-SA");
  EXPECT_EQ(order["allocation"]["unfilled"][0].value("quantity", ""), "1");

  json rejecting = testing::HamburgOrderJson(env->erika, "POL-BO", 5);
  rejecting["backorderPolicy"] = "BACKORDER_POLICY_REJECT";
  HttpAnswer refused =
      Admin("POST", "/v1/orders", rejecting.dump(), {"Idempotency-Key: policy-overridden"});
  ASSERT_EQ(refused.status, 201) << refused.body;
  EXPECT_EQ(Body(refused).value("status", ""), "ORDER_STATUS_REJECTED") << refused.body;
  EXPECT_EQ(Body(refused).value("rejectionReason", ""), "INSUFFICIENT_STOCK") << refused.body;

  // The queued unit is not waited for: cancelled, nothing is left open.
  const std::string order_id = order.value("id", "");
  HttpAnswer cancelled = Admin("POST", "/v1/orders/" + order_id + ":cancel", "{}");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  WaitFor("/v1/orders/" + order_id,
          [](const json& o) { return o.value("status", "") == "ORDER_STATUS_CANCELLED"; });
  const json stock = Body(Admin("GET", "/v1/products/POL-BO/availability"));
  EXPECT_EQ(stock.value("totalBackordered", "0"), "0") << stock.dump();
  EXPECT_EQ(stock.value("totalAvailable", ""), "2") << stock.dump();
  ExpectInvariantsClean();
}

}  // namespace
}  // namespace oms::gateway
