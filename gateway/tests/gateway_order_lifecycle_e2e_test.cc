// What follows a placed order, through the gateway in front of all four real services, over
// HTTP: cancelling after one of two shipments shipped (the unshipped share voided, the shipped
// part delivered and the order completed), cancelling a final order (409), the timeline of a
// delivered order, a return of delivered units received by the warehouse and credited, the
// ownership rule for customer-bound credentials on all of these; and API keys (created, used,
// bound to a customer, scoped, revoked).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/http_client.h"
#include "gateway/tests/order_json.h"
#include "gateway/tests/test_keys.h"
#include "tests/support/order_fixtures.h"
#include "tests/support/process.h"
#include "tests/support/service_under_test.h"

namespace oms::gateway {
namespace {

using google::protobuf::util::TimeUtil;
using nlohmann::json;
using testing::Admin;
using testing::Bearer;
using testing::Body;
using testing::Call;
using testing::CreateCustomer;
using testing::GatewayLog;
using testing::HttpAnswer;
using testing::Reason;
using testing::Token;

constexpr char kAdminKey[] = "lifecycle-e2e-bootstrap-admin-key-0123";
constexpr char kMissingId[] = "00000000-0000-4000-8000-000000000000";
// PACK costs 79.99 net; German VAT (19 %) makes 95.19 a unit.
constexpr long long kPackUnitTotal = 7999 + 1520;

struct Env {
  testing::GatewayStack stack;
  testing::TestKey key;
  std::string erika, max;
};
Env* env = nullptr;

// Places an order of `quantity` × `sku` for `customer_id` (admin); the order as answered.
json PlaceOrder(const std::string& customer_id, const std::string& sku, int quantity,
                const std::string& key, const std::string& token = "tok_visa") {
  const json body = testing::HamburgOrderJson(customer_id, sku, quantity, token);
  HttpAnswer placed = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: " + key});
  EXPECT_EQ(placed.status, 201) << placed.body << env->stack.order->log();
  return Body(placed);
}

// A warehouse event for a shipment, as a warehouse posts it: the type as API.md writes it,
// without its SHIPMENT_EVENT_TYPE_ prefix (gateway_e2e_test.cc posts full names).
void PostEvent(const std::string& shipment_id, const std::string& type) {
  HttpAnswer event = Call("POST", "/v1/shipments/" + shipment_id + "/events",
                          {Bearer(Token("", "shipments:write"))},
                          json{{"type", type},
                               {"occurredAt", TimeUtil::ToString(TimeUtil::GetCurrentTime())},
                               {"location", "Hamburg"}}
                              .dump());
  ASSERT_EQ(event.status, 200) << event.body;
}

// Polls GET `path` (admin) until `done` holds for its body, for at most 20 s; the last body.
json WaitFor(const std::string& path, const std::function<bool(const json&)>& done,
             const std::string& what) {
  json last = testing::PollAdmin(path, done, std::chrono::seconds(20));
  if (!last.is_null() && done(last)) return last;
  ADD_FAILURE() << "timed out waiting for " << what << "; last: " << last.dump()
                << "\norder-service log:\n"
                << env->stack.order->log();
  return last;
}

json WaitForStatus(const std::string& order_id, const std::string& status) {
  return WaitFor(
      "/v1/orders/" + order_id,
      [&](const json& order) { return order.value("status", "") == "ORDER_STATUS_" + status; },
      "order status " + status);
}

// An order of `quantity` MUG, shipped and delivered: COMPLETED.
json CompletedOrder(const std::string& customer_id, int quantity, const std::string& key) {
  json order = PlaceOrder(customer_id, "MUG", quantity, key);
  EXPECT_EQ(order.value("status", ""), "ORDER_STATUS_CONFIRMED") << order.dump();
  for (const auto& shipment : order["shipments"]) {
    PostEvent(shipment["shipmentId"], "SHIPPED");
    PostEvent(shipment["shipmentId"], "DELIVERED");
  }
  return WaitForStatus(order.value("id", ""), "COMPLETED");
}

class GatewayOrderLifecycleE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->key = testing::MakeRsaKey("lifecycle-e2e-key");
    testing::UseGateway(env->stack, env->key, kAdminKey);
    absl::Status started =
        env->stack.Start(kAdminKey, {&env->key}, {{"OMS_GATEWAY_API_KEY_CACHE_SECONDS", "1"}});
    ASSERT_TRUE(started.ok()) << started;
    SeedCatalog();
    env->erika = CreateCustomer("Erika Mustermann", "erika@example.com");
    env->max = CreateCustomer("Max Mustermann", "max@example.com");
    ASSERT_FALSE(env->erika.empty());
    ASSERT_FALSE(env->max.empty());
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }

  // Two German warehouses with 6 PACK each (an order of 8 must split) and 20 MUG each.
  static void SeedCatalog() {
    auto seeded = oms::testing::SeedTwoWarehouses(env->stack.inventory->channel(), 6, 20);
    ASSERT_TRUE(seeded.ok()) << seeded.status();
  }
};

TEST_F(GatewayOrderLifecycleE2eTest, CancelAfterOneOfTwoShipmentsShippedKeepsTheShippedPart) {
  ASSERT_NE(env, nullptr);
  const json order = PlaceOrder(env->erika, "PACK", 8, "cancel-partly");
  ASSERT_EQ(order.value("status", ""), "ORDER_STATUS_CONFIRMED") << order.dump();
  ASSERT_EQ(order["shipments"].size(), 2u);
  const std::string order_id = order["id"];
  const json shipped = order["shipments"][0];
  long long shipped_units = 0;
  for (const auto& group : order["allocation"]["groups"]) {
    if (group["warehouseId"] == shipped["warehouseId"]) {
      shipped_units = std::stoll(group["lines"][0]["quantity"].get<std::string>());
    }
  }
  ASSERT_GT(shipped_units, 0);
  ASSERT_LT(shipped_units, 8);
  PostEvent(shipped["shipmentId"], "SHIPPED");
  WaitForStatus(order_id, "PARTIALLY_SHIPPED");

  HttpAnswer cancelled = Admin("POST", "/v1/orders/" + order_id + ":cancel",
                               json{{"reason", "customer changed their mind"}}.dump());
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(Body(cancelled)["id"], order_id);

  // The cancellation saga voids the unshipped share; the shipped part is captured.
  const std::string payments = "/v1/payments?orderId=" + order_id;
  const json settled = WaitFor(
      payments,
      [&](const json& body) {
        if (body["payments"].size() != 1) return false;
        const json& payment = body["payments"][0];
        return payment["voided"].value("amountMinor", "0") ==
                   std::to_string((8 - shipped_units) * kPackUnitTotal) &&
               payment["captured"].value("amountMinor", "0") ==
                   std::to_string(shipped_units * kPackUnitTotal);
      },
      "the void of the unshipped share");
  EXPECT_EQ(settled["payments"][0]["voided"]["amountMinor"],
            std::to_string((8 - shipped_units) * kPackUnitTotal));
  // The cancelled part's stock is free again.
  HttpAnswer availability = Admin("GET", "/v1/products/PACK/availability");
  EXPECT_EQ(Body(availability)["totalAvailable"], std::to_string(12 - shipped_units));
  // A repeat answers the order again, without a body too.
  HttpAnswer again = Admin("POST", "/v1/orders/" + order_id + ":cancel");
  EXPECT_EQ(again.status, 200) << again.body;

  PostEvent(shipped["shipmentId"], "DELIVERED");
  WaitForStatus(order_id, "COMPLETED");
  const json payment = Body(Admin("GET", payments))["payments"][0];
  EXPECT_EQ(std::stoll(payment["authorized"]["amountMinor"].get<std::string>()),
            std::stoll(payment["captured"]["amountMinor"].get<std::string>()) +
                std::stoll(payment["voided"]["amountMinor"].get<std::string>()));
}

TEST_F(GatewayOrderLifecycleE2eTest, CancellingAFinalOrderIsAConflict) {
  ASSERT_NE(env, nullptr);
  const json rejected = PlaceOrder(env->erika, "MUG", 1, "cancel-rejected", "tok_chargeDeclined");
  ASSERT_EQ(rejected.value("status", ""), "ORDER_STATUS_REJECTED") << rejected.dump();
  HttpAnswer refused = Admin("POST", "/v1/orders/" + rejected["id"].get<std::string>() + ":cancel");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(Reason(refused), "NOTHING_TO_CANCEL");

  const json completed = CompletedOrder(env->erika, 1, "cancel-completed");
  HttpAnswer too_late =
      Admin("POST", "/v1/orders/" + completed["id"].get<std::string>() + ":cancel",
            json{{"reason", "too late"}}.dump());
  EXPECT_EQ(too_late.status, 409) << too_late.body;
  EXPECT_EQ(Reason(too_late), "NOTHING_TO_CANCEL");
  EXPECT_EQ(WaitForStatus(completed["id"], "COMPLETED")["status"], "ORDER_STATUS_COMPLETED");

  HttpAnswer missing = Admin("POST", std::string("/v1/orders/") + kMissingId + ":cancel");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(Reason(missing), "ORDER_NOT_FOUND");
  HttpAnswer bad_body =
      Admin("POST", "/v1/orders/" + completed["id"].get<std::string>() + ":cancel",
            json{{"id", kMissingId}}.dump());
  EXPECT_EQ(bad_body.status, 400) << bad_body.body;
}

TEST_F(GatewayOrderLifecycleE2eTest, TheTimelineTellsTheStoryFromEveryServiceInTimeOrder) {
  ASSERT_NE(env, nullptr);
  const json order = CompletedOrder(env->erika, 2, "timeline-1");
  HttpAnswer answer = Call("GET", "/v1/orders/" + order["id"].get<std::string>() + "/timeline",
                           {Bearer(Token(env->erika, "orders:read"))});
  ASSERT_EQ(answer.status, 200) << answer.body;
  const json timeline = Body(answer);
  EXPECT_EQ(timeline["orderId"], order["id"]);
  std::map<std::string, int> by_source;
  std::vector<std::string> kinds;
  google::protobuf::Timestamp previous;
  for (const auto& event : timeline["events"]) {
    ++by_source[event["source"]];
    kinds.push_back(event["kind"]);
    google::protobuf::Timestamp time;
    ASSERT_TRUE(TimeUtil::FromString(event["time"].get<std::string>(), &time)) << event.dump();
    EXPECT_LE(previous, time) << event.dump();
    previous = time;
  }
  EXPECT_GE(by_source["order"], 4) << timeline.dump();  // PENDING, CONFIRMED, ..., COMPLETED
  EXPECT_GE(by_source["saga"], 1) << timeline.dump();
  EXPECT_EQ(by_source["billing"], 2) << timeline.dump();   // the authorization and the capture
  EXPECT_EQ(by_source["shipping"], 2) << timeline.dump();  // shipped, delivered
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "STATUS_COMPLETED"), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "CAPTURE APPROVED"), kinds.end());
}

// A new shipments:write key bound to `warehouse_id` (admin), as its bearer header.
std::string DockKey(const std::string& warehouse_id) {
  HttpAnswer created =
      Admin("POST", "/v1/apiKeys",
            json{{"name", "dock"}, {"scopes", {"shipments:write"}}, {"warehouseId", warehouse_id}}
                .dump());
  EXPECT_EQ(created.status, 201) << created.body;
  return Bearer(Body(created).value("secret", ""));
}

TEST_F(GatewayOrderLifecycleE2eTest, AReturnIsReceivedRefundedAndCredited) {
  ASSERT_NE(env, nullptr);
  const json order = CompletedOrder(env->erika, 2, "return-1");
  const std::string order_id = order["id"];
  const std::string returns = "/v1/orders/" + order_id + "/returns";
  const std::string erika = Bearer(Token(env->erika, "orders:read orders:write"));
  const json one_mug = {{"lines", {{{"sku", "MUG"}, {"quantity", "1"}}}}, {"reason", "chipped"}};

  HttpAnswer keyless = Call("POST", returns, {erika}, one_mug.dump());
  EXPECT_EQ(keyless.status, 400) << keyless.body;
  EXPECT_EQ(Reason(keyless), "IDEMPOTENCY_KEY_MISSING");
  HttpAnswer too_many = Call("POST", returns, {erika, "Idempotency-Key: rma-too-many"},
                             json{{"lines", {{{"sku", "MUG"}, {"quantity", "3"}}}}}.dump());
  EXPECT_EQ(too_many.status, 422) << too_many.body;
  EXPECT_EQ(Reason(too_many), "RETURN_EXCEEDS_DELIVERED");

  HttpAnswer created = Call("POST", returns, {erika, "Idempotency-Key: rma-1"}, one_mug.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const json ret = Body(created);
  EXPECT_EQ(ret["status"], "RETURN_STATUS_REQUESTED");
  EXPECT_EQ(ret["orderId"], order_id);
  HttpAnswer retried = Call("POST", returns, {erika, "Idempotency-Key: rma-1"}, one_mug.dump());
  EXPECT_EQ(Body(retried)["id"], ret["id"]) << retried.body;

  // Read back by its customer, by id and with the order's returns; to another customer it is as
  // good as missing.
  const std::string return_path = "/v1/returns/" + ret["id"].get<std::string>();
  HttpAnswer read = Call("GET", return_path, {erika});
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Body(read)["id"], ret["id"]);
  EXPECT_EQ(Body(read)["lines"][0]["sku"], "MUG");
  HttpAnswer listed = Call("GET", "/v1/returns?orderId=" + order_id, {erika});
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(Body(listed)["returns"].size(), 1u) << listed.body;
  EXPECT_EQ(Body(listed)["returns"][0]["id"], ret["id"]);
  const std::string max = Bearer(Token(env->max, "orders:read"));
  HttpAnswer foreign_read = Call("GET", return_path, {max});
  EXPECT_EQ(foreign_read.status, 404) << foreign_read.body;
  EXPECT_EQ(Reason(foreign_read), "RETURN_NOT_FOUND");
  HttpAnswer missing_read = Call("GET", std::string("/v1/returns/") + kMissingId, {max});
  EXPECT_EQ(missing_read.status, 404) << missing_read.body;
  EXPECT_EQ(Reason(missing_read), "RETURN_NOT_FOUND");
  EXPECT_EQ(Call("GET", "/v1/returns?orderId=" + order_id, {max}).status, 404);

  // The warehouse receives it; until the return shipment exists, 409 RETURN_SHIPMENT_PENDING.
  const std::string receive_path = "/v1/returns/" + ret["id"].get<std::string>() + ":receive";
  const std::string warehouse = Bearer(Token("", "shipments:write"));
  const json receipt = {{"warehouseId", ret["warehouseId"]},
                        {"lines", {{{"sku", "MUG"}, {"quantity", "1"}, {"resellable", true}}}}};
  HttpAnswer forbidden =
      Call("POST", receive_path, {erika, "Idempotency-Key: rma-1-receive"}, receipt.dump());
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  // A key bound to another warehouse: exactly what a missing return answers.
  const std::string elsewhere_id = "22222222-2222-4222-8222-222222222222";
  json elsewhere = receipt;
  elsewhere["warehouseId"] = elsewhere_id;
  const std::string other_dock = DockKey(elsewhere_id);
  const std::string rid = "X-Request-Id: same-request-id";
  HttpAnswer foreign =
      Call("POST", receive_path, {other_dock, rid, "Idempotency-Key: rma-x"}, elsewhere.dump());
  HttpAnswer unknown = Call("POST", std::string("/v1/returns/") + kMissingId + ":receive",
                            {other_dock, rid, "Idempotency-Key: rma-x-missing"}, elsewhere.dump());
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  std::string foreign_body = foreign.body;
  const std::string return_id = ret["id"];
  foreign_body.replace(foreign_body.find(return_id), return_id.size(), kMissingId);
  EXPECT_EQ(foreign_body, unknown.body);
  // Nor may it receive into another warehouse than its own.
  HttpAnswer misdirected =
      Call("POST", receive_path, {other_dock, "Idempotency-Key: rma-y"}, receipt.dump());
  EXPECT_EQ(misdirected.status, 400) << misdirected.body;
  // Receiving more than was returned is refused (once the return shipment exists).
  const json too_much = {{"warehouseId", ret["warehouseId"]},
                         {"lines", {{{"sku", "MUG"}, {"quantity", "2"}, {"resellable", true}}}}};
  HttpAnswer received;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    received = Call("POST", receive_path, {warehouse, "Idempotency-Key: rma-1-receive-too-much"},
                    too_much.dump());
    if (!(received.status == 409 && Reason(received) == "RETURN_SHIPMENT_PENDING")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(received.status, 422) << received.body;
  EXPECT_EQ(Reason(received), "RECEIPT_EXCEEDS_RETURN");
  // A key bound to the return's warehouse receives it.
  received = Call("POST", receive_path,
                  {DockKey(ret["warehouseId"]), "Idempotency-Key: rma-1-receive"}, receipt.dump());
  ASSERT_EQ(received.status, 200) << received.body;
  EXPECT_EQ(Body(received)["status"], "RETURN_STATUS_RECEIVED");
  HttpAnswer missing_return = Call("POST", std::string("/v1/returns/") + kMissingId + ":receive",
                                   {warehouse, "Idempotency-Key: rma-missing"}, receipt.dump());
  EXPECT_EQ(missing_return.status, 404) << missing_return.body;

  // One of two units returned: PARTIALLY_RETURNED; return the other and the order is RETURNED.
  WaitFor(
      "/v1/orders/" + order_id,
      [](const json& o) { return o.value("returnStatus", "") == "PARTIALLY_RETURNED"; },
      "the first unit refunded");
  HttpAnswer second = Call("POST", returns, {erika, "Idempotency-Key: rma-2"}, one_mug.dump());
  ASSERT_EQ(second.status, 201) << second.body;
  const std::string second_receive =
      "/v1/returns/" + Body(second)["id"].get<std::string>() + ":receive";
  do {
    received = Call("POST", second_receive, {warehouse, "Idempotency-Key: rma-2-receive"},
                    json{{"warehouseId", Body(second)["warehouseId"]},
                         {"lines", {{{"sku", "MUG"}, {"quantity", "1"}, {"resellable", false}}}}}
                        .dump());
    if (!(received.status == 409 && Reason(received) == "RETURN_SHIPMENT_PENDING")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline + std::chrono::seconds(20));
  ASSERT_EQ(received.status, 200) << received.body;
  const json returned = WaitFor(
      "/v1/orders/" + order_id,
      [](const json& o) { return o.value("returnStatus", "") == "RETURNED"; },
      "the return to be refunded");
  EXPECT_EQ(returned["status"], "ORDER_STATUS_COMPLETED");

  HttpAnswer documents = Call("GET", "/v1/invoices?orderId=" + order_id, {erika});
  ASSERT_EQ(documents.status, 200) << documents.body;
  const json credit_notes = Body(documents)["creditNotes"];
  ASSERT_GE(credit_notes.size(), 1u) << documents.body;
  long long credited = 0;
  for (const auto& note : credit_notes) {
    credited += std::stoll(note["total"]["amountMinor"].get<std::string>());
  }
  EXPECT_EQ(credited, std::stoll(order["total"]["amountMinor"].get<std::string>()));
  // Nothing delivered is left to return.
  HttpAnswer nothing_left =
      Call("POST", returns, {erika, "Idempotency-Key: rma-3"}, one_mug.dump());
  EXPECT_EQ(nothing_left.status, 422) << nothing_left.body;
}

TEST_F(GatewayOrderLifecycleE2eTest, ACustomerBoundCredentialCannotTouchAnotherCustomersOrder) {
  ASSERT_NE(env, nullptr);
  const json order = PlaceOrder(env->erika, "MUG", 1, "foreign-1");
  ASSERT_EQ(order.value("status", ""), "ORDER_STATUS_CONFIRMED") << order.dump();
  const std::string order_id = order["id"];
  const std::string max = Bearer(Token(env->max, "orders:read orders:write"));
  const std::string rid = "X-Request-Id: same-request-id";
  const json one_mug = {{"lines", {{{"sku", "MUG"}, {"quantity", "1"}}}}};
  struct Case {
    std::string method, suffix, body;
  };
  for (const Case& route : std::vector<Case>{{"POST", ":cancel", ""},
                                             {"GET", "/timeline", ""},
                                             {"POST", "/returns", one_mug.dump()}}) {
    // Two requests (another order in the path), so two keys: one key for both would be 422.
    HttpAnswer foreign = Call(route.method, "/v1/orders/" + order_id + route.suffix,
                              {max, rid, "Idempotency-Key: foreign"}, route.body);
    HttpAnswer missing = Call(route.method, std::string("/v1/orders/") + kMissingId + route.suffix,
                              {max, rid, "Idempotency-Key: missing"}, route.body);
    EXPECT_EQ(foreign.status, 404) << route.suffix << foreign.body;
    EXPECT_EQ(Reason(foreign), "ORDER_NOT_FOUND");
    std::string foreign_body = foreign.body;
    const std::size_t at = foreign_body.find(order_id);
    ASSERT_NE(at, std::string::npos) << foreign_body;
    foreign_body.replace(at, order_id.size(), kMissingId);
    EXPECT_EQ(foreign_body, missing.body) << route.suffix;
    // Wrong scope: 403; no credentials: 401.
    const std::string wrong = route.method == "GET" ? "orders:write" : "orders:read";
    HttpAnswer scopeless =
        Call(route.method, "/v1/orders/" + order_id + route.suffix,
             {Bearer(Token(env->erika, wrong)), "Idempotency-Key: s"}, route.body);
    EXPECT_EQ(scopeless.status, 403) << route.suffix << scopeless.body;
    EXPECT_EQ(Call(route.method, "/v1/orders/" + order_id + route.suffix, {"Idempotency-Key: a"},
                   route.body)
                  .status,
              401);
  }
  // Nothing was cancelled; its owner can.
  EXPECT_EQ(Body(Admin("GET", "/v1/orders/" + order_id))["status"], "ORDER_STATUS_CONFIRMED");
  HttpAnswer own = Call("POST", "/v1/orders/" + order_id + ":cancel",
                        {Bearer(Token(env->erika, "orders:write"))});
  ASSERT_EQ(own.status, 200) << own.body;
  WaitForStatus(order_id, "CANCELLED");
}

TEST_F(GatewayOrderLifecycleE2eTest, ApiKeysAreBoundScopedAndStopSoonAfterRevocation) {
  ASSERT_NE(env, nullptr);
  const json erika_order = PlaceOrder(env->erika, "MUG", 1, "key-erika");
  const json max_order = PlaceOrder(env->max, "MUG", 1, "key-max");
  HttpAnswer created =
      Admin("POST", "/v1/apiKeys",
            json{{"name", "erika's app"}, {"scopes", {"orders:read"}}, {"customerId", env->erika}}
                .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string secret = Body(created)["secret"];
  const std::string key_id = Body(created)["key"]["id"];
  EXPECT_EQ(secret.rfind("oms_", 0), 0u);
  EXPECT_EQ(secret.size(), 68u);
  EXPECT_EQ(Body(created)["key"]["customerId"], env->erika);
  const std::string key = Bearer(secret);

  // Its own customer's order it reads; another's is a missing one; lists are its own.
  const std::string own_path = "/v1/orders/" + erika_order["id"].get<std::string>();
  HttpAnswer own = Call("GET", own_path, {key});
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(Body(own)["id"], erika_order["id"]);
  HttpAnswer foreign = Call("GET", "/v1/orders/" + max_order["id"].get<std::string>(), {key});
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(Reason(foreign), "ORDER_NOT_FOUND");
  HttpAnswer listed = Call("GET", "/v1/orders?pageSize=100", {key});
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_FALSE(Body(listed)["orders"].empty());
  const nlohmann::json listed_orders = Body(listed).value("orders", nlohmann::json::array());
  for (const auto& order : listed_orders) EXPECT_EQ(order["customerId"], env->erika);
  // Scopes it does not hold: 403.
  HttpAnswer catalog = Call("POST", "/v1/products", {key},
                            json{{"sku", "KEYED"},
                                 {"name", "Keyed"},
                                 {"unitPrice", {{"currency", "EUR"}, {"amountMinor", "100"}}}}
                                .dump());
  EXPECT_EQ(catalog.status, 403) << catalog.body;
  EXPECT_EQ(Reason(catalog), "MISSING_SCOPE");
  EXPECT_EQ(Call("POST", own_path + ":cancel", {key}).status, 403);
  // Only admins manage keys.
  EXPECT_EQ(Call("POST", "/v1/apiKeys", {key}, json{{"name", "more"}, {"scopes", {"admin"}}}.dump())
                .status,
            403);
  HttpAnswer bad_scope =
      Admin("POST", "/v1/apiKeys", json{{"name", "x"}, {"scopes", {"orders:everything"}}}.dump());
  EXPECT_EQ(bad_scope.status, 400) << bad_scope.body;
  HttpAnswer no_customer =
      Admin("POST", "/v1/apiKeys",
            json{{"name", "x"}, {"scopes", {"orders:read"}}, {"customerId", kMissingId}}.dump());
  EXPECT_EQ(no_customer.status, 404) << no_customer.body;
  EXPECT_EQ(Reason(no_customer), "CUSTOMER_NOT_FOUND");
  // A key nobody issued.
  HttpAnswer unknown = Call("GET", own_path, {Bearer("oms_" + std::string(64, 'a'))});
  EXPECT_EQ(unknown.status, 401) << unknown.body;
  EXPECT_EQ(unknown.headers["www-authenticate"].rfind("Bearer", 0), 0u);

  // A key with catalog:write may write the catalog.
  HttpAnswer writer =
      Admin("POST", "/v1/apiKeys", json{{"name", "catalog"}, {"scopes", {"catalog:write"}}}.dump());
  ASSERT_EQ(writer.status, 201) << writer.body;
  HttpAnswer product = Call("POST", "/v1/products", {Bearer(Body(writer)["secret"])},
                            json{{"sku", "KEYED"},
                                 {"name", "Keyed"},
                                 {"unitPrice", {{"currency", "EUR"}, {"amountMinor", "100"}}}}
                                .dump());
  EXPECT_EQ(product.status, 201) << product.body;

  // Revoked: it stops within the cache TTL (1 s here).
  HttpAnswer revoked = Admin("DELETE", "/v1/apiKeys/" + key_id);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_TRUE(Body(revoked).contains("revokeTime")) << revoked.body;
  const auto revoked_at = std::chrono::steady_clock::now();
  HttpAnswer after;
  do {
    after = Call("GET", own_path, {key});
    if (after.status != 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < revoked_at + std::chrono::seconds(10));
  EXPECT_EQ(after.status, 401) << after.body;
  EXPECT_LT(std::chrono::steady_clock::now() - revoked_at, std::chrono::seconds(3));
  EXPECT_EQ(Admin("DELETE", std::string("/v1/apiKeys/") + kMissingId).status, 404);
  EXPECT_EQ(Admin("DELETE", "/v1/apiKeys/not-a-uuid").status, 400);

  // Secrets are never logged.
  EXPECT_EQ(GatewayLog().find(secret.substr(4)), std::string::npos);
  EXPECT_EQ(env->stack.order->log().find(secret.substr(4)), std::string::npos);
}

// What a product costs and where its stock lies are the business's own: a customer's credential
// sees prices and how much can be ordered; a catalog credential sees everything.
TEST_F(GatewayOrderLifecycleE2eTest, CustomersSeeNeitherCostsNorStockPerWarehouse) {
  ASSERT_NE(env, nullptr);
  HttpAnswer product = Admin("POST", "/v1/products",
                             json{{"sku", "COSTED"},
                                  {"name", "Costed"},
                                  {"unitPrice", {{"currency", "EUR"}, {"amountMinor", "1999"}}},
                                  {"unitCost", {{"currency", "EUR"}, {"amountMinor", "700"}}}}
                                 .dump());
  ASSERT_LT(product.status, 300) << product.body;
  HttpAnswer created = Admin("POST", "/v1/apiKeys",
                             json{{"name", "erika's shop app"},
                                  {"scopes", {"orders:read", "orders:write"}},
                                  {"customerId", env->erika}}
                                 .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string customer = Bearer(Body(created)["secret"].get<std::string>());

  HttpAnswer seen = Call("GET", "/v1/products/COSTED", {customer});
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(Body(seen)["unitPrice"]["amountMinor"], "1999");
  EXPECT_FALSE(Body(seen).contains("unitCost")) << seen.body;
  HttpAnswer listed = Call("GET", "/v1/products?pageSize=100", {customer});
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_FALSE(Body(listed)["products"].empty());
  const nlohmann::json listed_products = Body(listed).value("products", nlohmann::json::array());
  for (const auto& each : listed_products) EXPECT_FALSE(each.contains("unitCost"));
  HttpAnswer stock = Call("GET", "/v1/products/PACK/availability", {customer});
  ASSERT_EQ(stock.status, 200) << stock.body;
  EXPECT_TRUE(Body(stock).contains("totalAvailable")) << stock.body;
  EXPECT_TRUE(Body(stock).value("levels", json::array()).empty()) << stock.body;

  HttpAnswer full = Admin("GET", "/v1/products/COSTED");
  EXPECT_EQ(Body(full)["unitCost"]["amountMinor"], "700") << full.body;
  EXPECT_EQ(Body(Admin("GET", "/v1/products/PACK/availability"))["levels"].size(), 2u);
}

}  // namespace
}  // namespace oms::gateway
