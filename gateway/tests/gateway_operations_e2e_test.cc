// The operators' routes through the gateway, in front of the four real services: customer
// profiles listed and updated (PATCH with updateMask), a product's price changed, the allocation
// planner asked where an order would come from, a warehouse's pick queue, and parked sagas
// listed, resolved and retried, each with the scope it needs and the refusals an operator can
// meet.
#include <algorithm>
#include <chrono>
#include <thread>

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/order_json.h"
#include "gateway/tests/seeded_suite.h"
#include "tests/support/service_under_test.h"

namespace oms::gateway {
namespace {

using nlohmann::json;
using testing::Admin;
using testing::Bearer;
using testing::Body;
using testing::Call;
using testing::HttpAnswer;
using testing::Reason;
using testing::Token;

constexpr char kAdminKey[] = "operations-e2e-bootstrap-admin-key-01";
constexpr char kMissingId[] = "00000000-0000-4000-8000-000000000000";

std::string Now() {
  using google::protobuf::util::TimeUtil;
  return TimeUtil::ToString(TimeUtil::GetCurrentTime());
}

class GatewayOperationsE2eTest : public testing::SeededSuite<GatewayOperationsE2eTest> {
 public:
  static testing::SeededOptions Options() { return {"operations-e2e-key", kAdminKey, 6, 5}; }

 protected:
  // A declined order: REJECTED, its order saga COMPENSATED.
  static std::string DeclinedOrder(const std::string& key) {
    HttpAnswer placed =
        Admin("POST", "/v1/orders",
              testing::HamburgOrderJson(env->erika, "MUG", 1, "tok_chargeDeclined").dump(),
              {"Idempotency-Key: " + key});
    EXPECT_EQ(placed.status, 201) << placed.body;
    EXPECT_EQ(Body(placed).value("status", ""), "ORDER_STATUS_REJECTED") << placed.body;
    return Body(placed).value("id", "");
  }

  // Leaves the order's saga as a refused compensation leaves it: parked in NEEDS_ATTENTION at
  // its first step, the order flagged. (How a refusal parks a saga is order-service's own
  // tests'; here the operator's side of it is under test.) The saga's id.
  static std::string Park(const std::string& order_id) {
    pqxx::connection connection(env->stack.order->database_url());
    pqxx::work tx(connection);
    const std::string saga_id =
        tx.exec_params1(
              "UPDATE sagas SET phase = 'NEEDS_ATTENTION', parked_from = 'COMPENSATING', "
              "  step = 0, attempts = 1, lease_expires_at = '-infinity' "
              "WHERE order_id = $1::uuid AND kind = 'ORDER' RETURNING id::text",
              order_id)[0]
            .as<std::string>();
    tx.exec_params("UPDATE orders SET needs_attention = true WHERE id = $1::uuid", order_id);
    tx.commit();
    return saga_id;
  }

  static bool Listed(const std::string& saga_id) {
    HttpAnswer parked = Admin("GET", "/v1/sagas:parked");
    EXPECT_EQ(parked.status, 200) << parked.body;
    const json page = Body(parked);
    for (const auto& saga : page.value("sagas", json::array())) {
      if (saga.value("id", "") == saga_id) return true;
    }
    return false;
  }
};

TEST_F(GatewayOperationsE2eTest, AnAdminListsAndUpdatesCustomers) {
  ASSERT_NE(env, nullptr);
  HttpAnswer listed = Admin("GET", "/v1/customers?pageSize=10");
  ASSERT_EQ(listed.status, 200) << listed.body;
  bool found = false;
  const json page = Body(listed);
  for (const auto& customer : page["customers"]) {
    found = found || customer.value("id", "") == env->erika;
  }
  EXPECT_TRUE(found) << listed.body;

  // Only the fields the mask names are written.
  const std::string path = "/v1/customers/" + env->erika;
  HttpAnswer renamed = Admin("PATCH", path + "?updateMask=name",
                             json{{"name", "Erika Musterfrau"}, {"email", "x@example.com"}}.dump());
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(Body(renamed)["name"], "Erika Musterfrau");
  EXPECT_EQ(Body(renamed)["email"], "erika@example.com");
  EXPECT_EQ(Body(Admin("GET", path))["name"], "Erika Musterfrau");

  // Refusals: a field that cannot be written, a mask that is no list of names, the id in the
  // body, a missing customer, and a caller without admin.
  HttpAnswer unknown = Admin("PATCH", path + "?updateMask=createTime", json{{"name", "E"}}.dump());
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_NE(unknown.body.find("update_mask"), std::string::npos) << unknown.body;
  HttpAnswer malformed = Admin("PATCH", path + "?updateMask=first_name", json::object().dump());
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  EXPECT_NE(malformed.body.find("updateMask"), std::string::npos) << malformed.body;
  HttpAnswer with_id = Admin("PATCH", path, json{{"id", kMissingId}}.dump());
  EXPECT_EQ(with_id.status, 400) << with_id.body;
  EXPECT_EQ(Reason(with_id), "UNKNOWN_FIELD");
  HttpAnswer missing =
      Admin("PATCH", std::string("/v1/customers/") + kMissingId + "?updateMask=name",
            json{{"name", "Nobody"}}.dump());
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(Reason(missing), "CUSTOMER_NOT_FOUND");
  const std::string reader = Bearer(Token("", "orders:read orders:write"));
  EXPECT_EQ(Call("GET", "/v1/customers", {reader}).status, 403);
  EXPECT_EQ(Call("PATCH", path, {reader}, json{{"name", "Mallory"}}.dump()).status, 403);
  EXPECT_EQ(Body(Admin("GET", path))["name"], "Erika Musterfrau") << "nothing changed";
}

TEST_F(GatewayOperationsE2eTest, TheCatalogUpdatesAPriceAndPlansAnAllocation) {
  ASSERT_NE(env, nullptr);
  HttpAnswer priced =
      Admin("PATCH", "/v1/products/PACK?updateMask=unitPrice",
            json{{"unitPrice", {{"currency", "EUR"}, {"amountMinor", "4321"}}}}.dump());
  ASSERT_EQ(priced.status, 200) << priced.body;
  EXPECT_EQ(Body(Admin("GET", "/v1/products/PACK"))["unitPrice"]["amountMinor"], "4321");
  const std::string storefront = Bearer(Token("", "orders:read orders:write"));
  EXPECT_EQ(Call("PATCH", "/v1/products/PACK?updateMask=unitPrice", {storefront},
                 json{{"unitPrice", {{"currency", "EUR"}, {"amountMinor", "1"}}}}.dump())
                .status,
            403);

  // 8 packs: more than either warehouse holds (6 each), so two groups; nothing is held.
  const json plan = {{"lines", {{{"sku", "PACK"}, {"quantity", "8"}}}},
                     {"destination", {{"country", "DE"}}},
                     {"strategy", "MINIMIZE_SPLITS"}};
  HttpAnswer planned = Admin("POST", "/v1/allocations:plan", plan.dump());
  ASSERT_EQ(planned.status, 200) << planned.body;
  EXPECT_TRUE(Body(planned)["feasible"].get<bool>()) << planned.body;
  EXPECT_EQ(Body(planned)["allocation"]["groups"].size(), 2u) << planned.body;
  EXPECT_EQ(Body(Admin("GET", "/v1/products/PACK/availability"))["totalAvailable"], "12");

  json too_many = plan;
  too_many["lines"][0]["quantity"] = "13";
  HttpAnswer short_plan = Admin("POST", "/v1/allocations:plan", too_many.dump());
  ASSERT_EQ(short_plan.status, 200) << short_plan.body;
  EXPECT_FALSE(Body(short_plan)["feasible"].get<bool>());
  ASSERT_EQ(Body(short_plan)["shortfalls"].size(), 1u) << short_plan.body;
  EXPECT_EQ(Body(short_plan)["shortfalls"][0]["sku"], "PACK");
  EXPECT_EQ(Call("POST", "/v1/allocations:plan", {storefront}, plan.dump()).status, 403);
}

TEST_F(GatewayOperationsE2eTest, AnOperatorResolvesOneParkedSagaAndRetriesAnother) {
  ASSERT_NE(env, nullptr);
  const std::string resolved_order = DeclinedOrder("declined-resolve");
  const std::string retried_order = DeclinedOrder("declined-retry");
  const std::string resolved = Park(resolved_order);
  const std::string retried = Park(retried_order);
  EXPECT_TRUE(Listed(resolved));
  EXPECT_TRUE(Listed(retried));
  EXPECT_EQ(Call("GET", "/v1/sagas:parked", {Bearer(Token("", "orders:read"))}).status, 403);

  HttpAnswer done = Admin("POST", "/v1/sagas/" + resolved + ":resolve",
                          json{{"note", "released by hand"}}.dump());
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Body(done)["phase"], "COMPENSATED");
  EXPECT_FALSE(Listed(resolved));
  json order = Body(Admin("GET", "/v1/orders/" + resolved_order));
  EXPECT_EQ(order["status"], "ORDER_STATUS_REJECTED");
  EXPECT_FALSE(order.value("needsAttention", false)) << order.dump();
  HttpAnswer again =
      Admin("POST", "/v1/sagas/" + resolved + ":resolve", json{{"note", "again"}}.dump());
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(Reason(again), "SAGA_NOT_PARKED");

  // Retried: the compensation runs again (the order is PENDING meanwhile; its release answers
  // as released) and ends where it was going.
  HttpAnswer resumed = Admin("POST", "/v1/sagas/" + retried + ":retry");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(Body(resumed)["phase"], "COMPENSATING");
  EXPECT_FALSE(Listed(retried));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    order = Body(Admin("GET", "/v1/orders/" + retried_order));
    if (order.value("status", "") == "ORDER_STATUS_REJECTED") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(order["status"], "ORDER_STATUS_REJECTED") << order.dump();
  EXPECT_EQ(order["rejectionReason"], "PAYMENT_DECLINED") << order.dump();
  EXPECT_FALSE(order.value("needsAttention", false)) << order.dump();
  EXPECT_FALSE(Listed(retried));

  HttpAnswer unknown = Admin("POST", std::string("/v1/sagas/") + kMissingId + ":retry");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(Reason(unknown), "SAGA_NOT_FOUND");
  EXPECT_EQ(Admin("POST", "/v1/sagas/not-a-saga:resolve", json{{"note", "n"}}.dump()).status, 404);
  // What the operator did is kept in the saga's journal: a resolve says it.
  HttpAnswer no_note = Admin("POST", "/v1/sagas/" + retried + ":resolve", json::object().dump());
  EXPECT_EQ(no_note.status, 400) << no_note.body;
  EXPECT_EQ(
      Call("POST", "/v1/sagas/" + retried + ":retry", {Bearer(Token("", "orders:write"))}).status,
      403);
}

TEST_F(GatewayOperationsE2eTest, AWarehouseSeesWhatItPicksNextUntilItShips) {
  ASSERT_NE(env, nullptr);
  HttpAnswer placed =
      Admin("POST", "/v1/orders", testing::HamburgOrderJson(env->erika, "MUG", 1).dump(),
            {"Idempotency-Key: pick-1"});
  ASSERT_EQ(placed.status, 201) << placed.body;
  const json order = Body(placed);
  ASSERT_EQ(order["shipments"].size(), 1u) << placed.body;
  const std::string shipment = order["shipments"][0]["shipmentId"];
  const std::string ours = order["shipments"][0]["warehouseId"];
  std::string theirs;
  const json warehouses = Body(Admin("GET", "/v1/warehouses"));
  for (const auto& warehouse : warehouses["warehouses"]) {
    if (warehouse["id"] != ours) theirs = warehouse["id"];
  }
  ASSERT_FALSE(theirs.empty()) << warehouses.dump();
  auto key_for = [](const std::string& warehouse) {
    HttpAnswer created = Admin(
        "POST", "/v1/apiKeys",
        json{{"name", "dock"}, {"scopes", {"shipments:write"}}, {"warehouseId", warehouse}}.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    return Bearer(Body(created).value("secret", ""));
  };
  const std::string dock = key_for(ours);
  const std::string other_dock = key_for(theirs);
  auto queued = [](const std::string& credential, const std::string& warehouse,
                   const std::string& query = "") {
    HttpAnswer answer =
        Call("GET", "/v1/warehouses/" + warehouse + "/pickQueue" + query, {credential});
    EXPECT_EQ(answer.status, 200) << answer.body;
    return Body(answer).value("shipments", json::array());
  };

  json queue = queued(dock, ours);
  auto in_queue = [&shipment](const json& shipments) {
    for (const auto& each : shipments) {
      if (each["id"] == shipment) return true;
    }
    return false;
  };
  ASSERT_TRUE(in_queue(queue)) << queue.dump();
  const json& mine = *std::find_if(queue.begin(), queue.end(),
                                   [&](const json& each) { return each["id"] == shipment; });
  EXPECT_EQ(mine["lines"][0]["sku"], "MUG");
  EXPECT_FALSE(mine["pickList"].empty()) << mine.dump();
  EXPECT_TRUE(in_queue(queued(dock, ours, "?status=PENDING")));
  EXPECT_FALSE(in_queue(queued(dock, ours, "?status=PACKED")));
  EXPECT_FALSE(in_queue(queued(other_dock, theirs)));

  // Another warehouse's queue is as good as missing to a key bound to this one.
  HttpAnswer foreign = Call("GET", "/v1/warehouses/" + theirs + "/pickQueue", {dock});
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(Reason(foreign), "WAREHOUSE_NOT_FOUND");
  HttpAnswer shipped_status = Admin("GET", "/v1/warehouses/" + ours + "/pickQueue?status=SHIPPED");
  EXPECT_EQ(shipped_status.status, 400) << shipped_status.body;
  EXPECT_EQ(Call("GET", "/v1/warehouses/" + ours + "/pickQueue",
                 {Bearer(Token("", "orders:read orders:write"))})
                .status,
            403);

  // Shipped: no longer anything to pick.
  HttpAnswer event = Call("POST", "/v1/shipments/" + shipment + "/events", {dock},
                          json{{"type", "SHIPPED"}, {"occurredAt", Now()}}.dump());
  ASSERT_EQ(event.status, 200) << event.body;
  EXPECT_FALSE(in_queue(queued(dock, ours)));
}

}  // namespace
}  // namespace oms::gateway
