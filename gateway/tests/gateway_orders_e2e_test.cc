// The gateway in front of all four real services (inventory, billing, shipping, order), driven
// over HTTP: placing orders (a split order CONFIRMED, a declined card REJECTED, replays and a
// reused key), reading and listing orders, customers, the security matrix of the order and
// customer routes, and the ownership rule for customer-bound tokens on every order-scoped read.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

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

using nlohmann::json;
using testing::Admin;
using testing::Bearer;
using testing::Body;
using testing::Call;
using testing::CreateCustomer;
using testing::HttpAnswer;
using testing::Reason;
using testing::Token;

constexpr char kAdminKey[] = "orders-e2e-bootstrap-admin-key-0123";
constexpr char kMissingId[] = "00000000-0000-4000-8000-000000000000";

struct Env {
  testing::GatewayStack stack;
  testing::TestKey key;
  // Two customers; the split order and the declined one are Erika's, Max has one order.
  std::string erika, max;
  json split_order, declined_order, max_order;
};
Env* env = nullptr;

json OrderBody(const std::string& customer_id, const std::string& sku, int quantity,
               const std::string& token = "tok_visa") {
  json body = testing::HamburgOrderJson(customer_id, sku, quantity, token);
  return body;
}

// What a customer's own app sends: no channel, which the gateway sets.
json StorefrontBody(const std::string& customer_id, const std::string& sku, int quantity) {
  json body = OrderBody(customer_id, sku, quantity);
  body.erase("channel");
  return body;
}

class GatewayOrdersE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->key = testing::MakeRsaKey("orders-e2e-key");
    testing::UseGateway(env->stack, env->key, kAdminKey);
    absl::Status started = env->stack.Start(kAdminKey, {&env->key}, {});
    ASSERT_TRUE(started.ok()) << started;
    SeedCatalog();
    env->erika = CreateCustomer("Erika Mustermann", "erika@example.com");
    env->max = CreateCustomer("Max Mustermann", "max@example.com");
    ASSERT_FALSE(env->erika.empty());
    ASSERT_FALSE(env->max.empty());
    PlaceFixtureOrders();
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }

  // Two German warehouses with 6 PACK each (an order of 8 must split) and 5 MUG each.
  static void SeedCatalog() {
    auto seeded = oms::testing::SeedTwoWarehouses(env->stack.inventory->channel(), 6, 5);
    ASSERT_TRUE(seeded.ok()) << seeded.status();
  }

  static void PlaceFixtureOrders() {
    HttpAnswer split = Admin("POST", "/v1/orders", OrderBody(env->erika, "PACK", 8).dump(),
                             {"Idempotency-Key: split-1"});
    ASSERT_EQ(split.status, 201) << split.body << env->stack.order->log();
    env->split_order = Body(split);
    HttpAnswer declined =
        Admin("POST", "/v1/orders", OrderBody(env->erika, "MUG", 1, "tok_chargeDeclined").dump(),
              {"Idempotency-Key: declined-1"});
    ASSERT_EQ(declined.status, 201) << declined.body;
    env->declined_order = Body(declined);
    HttpAnswer max = Admin("POST", "/v1/orders", OrderBody(env->max, "MUG", 1).dump(),
                           {"Idempotency-Key: max-1"});
    ASSERT_EQ(max.status, 201) << max.body;
    env->max_order = Body(max);
  }

  static json Availability(const std::string& sku) {
    HttpAnswer answer = Admin("GET", "/v1/products/" + sku + "/availability");
    EXPECT_EQ(answer.status, 200) << answer.body;
    return Body(answer);
  }
};

TEST_F(GatewayOrdersE2eTest, ASplitOrderIsConfirmedWithTwoAllocationGroups) {
  ASSERT_NE(env, nullptr);
  const json& order = env->split_order;
  EXPECT_EQ(order["status"], "ORDER_STATUS_CONFIRMED") << order.dump();
  EXPECT_EQ(order["customerId"], env->erika);
  ASSERT_EQ(order["allocation"]["groups"].size(), 2u) << order.dump();
  EXPECT_EQ(order["shipments"].size(), 2u);
  EXPECT_EQ(order["total"], (json{{"currency", "EUR"}, {"amountMinor", std::to_string(8 * 9519)}}));
  EXPECT_EQ(Availability("PACK")["totalAvailable"], "4");

  HttpAnswer read = Admin("GET", "/v1/orders/" + order["id"].get<std::string>());
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Body(read)["id"], order["id"]);
  EXPECT_EQ(Body(read)["status"], "ORDER_STATUS_CONFIRMED");
}

TEST_F(GatewayOrdersE2eTest, ADeclinedCardIsRejectedWithItsReason) {
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->declined_order["status"], "ORDER_STATUS_REJECTED");
  EXPECT_EQ(env->declined_order["rejectionReason"], "PAYMENT_DECLINED");
  EXPECT_FALSE(env->declined_order["id"].get<std::string>().empty());
  // Its stock went back: 10 MUG, one held by Max's order.
  EXPECT_EQ(Availability("MUG")["totalAvailable"], "9");
}

TEST_F(GatewayOrdersE2eTest, ReplaysAnswerTheSameOrderAndAReusedKeyIsRefused) {
  ASSERT_NE(env, nullptr);
  const std::string body = OrderBody(env->erika, "PACK", 8).dump();
  HttpAnswer replay = Admin("POST", "/v1/orders", body, {"Idempotency-Key: split-1"});
  ASSERT_EQ(replay.status, 200) << replay.body;
  EXPECT_EQ(Body(replay)["id"], env->split_order["id"]);
  EXPECT_EQ(Availability("PACK")["totalAvailable"], "4") << "no second reservation";

  HttpAnswer changed = Admin("POST", "/v1/orders", OrderBody(env->erika, "PACK", 1).dump(),
                             {"Idempotency-Key: split-1"});
  EXPECT_EQ(changed.status, 422) << changed.body;
  EXPECT_EQ(Reason(changed), "IDEMPOTENCY_KEY_REUSED");

  HttpAnswer keyless = Admin("POST", "/v1/orders", body);
  EXPECT_EQ(keyless.status, 400) << keyless.body;
  EXPECT_EQ(Reason(keyless), "IDEMPOTENCY_KEY_MISSING");

  // Keys belong to a client: the same key from another credential is another order request.
  HttpAnswer other_client =
      Call("POST", "/v1/orders", {Bearer(Token("", "orders:write")), "Idempotency-Key: split-1"},
           OrderBody(env->erika, "PACK", 1).dump());
  EXPECT_EQ(other_client.status, 201) << other_client.body;
  EXPECT_NE(Body(other_client)["id"], env->split_order["id"]);

  // Bad input is a 400 naming the field, and nothing is created.
  HttpAnswer bad = Admin("POST", "/v1/orders", OrderBody(env->erika, "PACK", 0).dump(),
                         {"Idempotency-Key: bad-qty"});
  EXPECT_EQ(bad.status, 400) << bad.body;
  HttpAnswer smuggled = Admin("POST", "/v1/orders",
                              [&] {
                                json with_client = OrderBody(env->erika, "PACK", 1);
                                with_client["clientId"] = "admin";
                                return with_client.dump();
                              }(),
                              {"Idempotency-Key: smuggled"});
  EXPECT_EQ(smuggled.status, 400) << smuggled.body;
  EXPECT_EQ(Reason(smuggled), "UNKNOWN_FIELD");
}

// A body of 200,000 nested arrays (400 KB) once overflowed the gateway's stack: now it is a 400
// like any malformed body, from the routes that read JSON, and the gateway serves on.
TEST_F(GatewayOrdersE2eTest, ADeeplyNestedBodyIsRefusedAndTheGatewayServesOn) {
  ASSERT_NE(env, nullptr);
  const std::string deep = R"({"allocationStrategy":"MINIMIZE_SPLITS","lines":)" +
                           std::string(200000, '[') + std::string(200000, ']') + "}";
  HttpAnswer order = Admin("POST", "/v1/orders", deep, {"Idempotency-Key: deep-1"});
  EXPECT_EQ(order.status, 400) << order.body;
  EXPECT_EQ(Reason(order), "MALFORMED_JSON");
  HttpAnswer customer = Admin("POST", "/v1/customers", deep);
  EXPECT_EQ(customer.status, 400) << customer.body;
  EXPECT_EQ(Reason(customer), "MALFORMED_JSON");
  HttpAnswer health = Call("GET", "/healthz", {}, "");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(Admin("GET", "/v1/orders/" + env->split_order["id"].get<std::string>()).status, 200);
}

TEST_F(GatewayOrdersE2eTest, OrdersAreListedNewestFirstByPageAndStatus) {
  ASSERT_NE(env, nullptr);
  const std::string erika = "/v1/orders?customerId=" + env->erika;
  HttpAnswer all = Admin("GET", erika + "&pageSize=100");
  ASSERT_EQ(all.status, 200) << all.body;
  const json everything = Body(all)["orders"];
  ASSERT_GE(everything.size(), 2u);
  // Page by page, one at a time: the same orders in the same order, newest first.
  std::vector<std::string> paged;
  std::string token;
  do {
    HttpAnswer page =
        Admin("GET", erika + "&pageSize=1" + (token.empty() ? "" : "&pageToken=" + token));
    ASSERT_EQ(page.status, 200) << page.body;
    ASSERT_EQ(Body(page)["orders"].size(), 1u);
    paged.push_back(Body(page)["orders"][0]["id"]);
    token = Body(page).value("nextPageToken", "");
  } while (!token.empty() && paged.size() <= everything.size());
  ASSERT_EQ(paged.size(), everything.size());
  for (std::size_t i = 0; i < paged.size(); ++i) {
    EXPECT_EQ(paged[i], everything[i]["id"]) << i;
    EXPECT_EQ(everything[i]["customerId"], env->erika);
    if (i > 0) {
      EXPECT_GE(everything[i - 1]["createTime"].get<std::string>(),
                everything[i]["createTime"].get<std::string>());
    }
  }
  // The declined order came after the split one.
  auto position = [&](const json& order) {
    return std::find(paged.begin(), paged.end(), order["id"].get<std::string>()) - paged.begin();
  };
  EXPECT_LT(position(env->declined_order), position(env->split_order));
  EXPECT_LT(position(env->split_order), static_cast<long>(paged.size()));

  for (const std::string status : {"REJECTED", "ORDER_STATUS_REJECTED"}) {
    HttpAnswer rejected = Admin("GET", erika + "&status=" + status);
    ASSERT_EQ(rejected.status, 200) << rejected.body;
    ASSERT_EQ(Body(rejected)["orders"].size(), 1u) << status;
    EXPECT_EQ(Body(rejected)["orders"][0]["id"], env->declined_order["id"]);
  }
  HttpAnswer bogus = Admin("GET", erika + "&status=LOST");
  EXPECT_EQ(bogus.status, 400);
  EXPECT_EQ(Admin("GET", "/v1/orders?status=ORDER_STATUS_UNSPECIFIED").status, 400);
  EXPECT_EQ(Admin("GET", "/v1/orders?customerId=not-a-uuid").status, 400);
}

TEST_F(GatewayOrdersE2eTest, OrdersAreFoundByChannelExternalIdAndTime) {
  ASSERT_NE(env, nullptr);
  json body = OrderBody(env->max, "MUG", 1);
  body["channel"] = "market";
  body["externalOrderId"] = "mk-1";
  HttpAnswer placed = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: market-1"});
  ASSERT_EQ(placed.status, 201) << placed.body;
  const json order = Body(placed);
  auto ids = [](const std::string& query) {
    HttpAnswer listed = Admin("GET", "/v1/orders?" + query);
    EXPECT_EQ(listed.status, 200) << query << " " << listed.body;
    std::vector<std::string> found;
    const json page = Body(listed);
    for (const auto& each : page.value("orders", json::array())) found.push_back(each["id"]);
    return found;
  };
  using Ids = std::vector<std::string>;
  const Ids just_it = {order["id"].get<std::string>()};
  EXPECT_EQ(ids("channel=market"), just_it);
  EXPECT_EQ(ids("channel=market&externalOrderId=mk-1"), just_it);
  EXPECT_EQ(ids("channel=market&externalOrderId=mk-2"), Ids{});
  EXPECT_EQ(ids("channel=web&externalOrderId=mk-1"), Ids{});
  const std::string placed_at = order["createTime"];
  EXPECT_EQ(ids("channel=market&createdAfter=" + placed_at), just_it) << "inclusive";
  EXPECT_EQ(ids("channel=market&createdBefore=" + placed_at), Ids{}) << "exclusive";
  EXPECT_EQ(ids("customerId=" + env->max + "&createdAfter=" + placed_at), just_it);
  EXPECT_EQ(ids("channel=market&sku=MUG"), just_it);
  EXPECT_EQ(ids("channel=market&sku=PACK"), Ids{});
  HttpAnswer bad_sku = Admin("GET", "/v1/orders?sku=no%20spaces");
  EXPECT_EQ(bad_sku.status, 400) << bad_sku.body;
  EXPECT_NE(bad_sku.body.find("sku"), std::string::npos) << bad_sku.body;

  HttpAnswer no_channel = Admin("GET", "/v1/orders?externalOrderId=mk-1");
  EXPECT_EQ(no_channel.status, 400) << no_channel.body;
  EXPECT_NE(no_channel.body.find("external_order_id"), std::string::npos) << no_channel.body;
  HttpAnswer bad_time = Admin("GET", "/v1/orders?createdAfter=yesterday");
  EXPECT_EQ(bad_time.status, 400) << bad_time.body;
  EXPECT_NE(bad_time.body.find("createdAfter"), std::string::npos) << bad_time.body;
  HttpAnswer empty_range =
      Admin("GET", "/v1/orders?createdAfter=" + placed_at + "&createdBefore=2000-01-01T00:00:00Z");
  EXPECT_EQ(empty_range.status, 400) << empty_range.body;
}

TEST_F(GatewayOrdersE2eTest, CustomersAreCreatedAndRead) {
  ASSERT_NE(env, nullptr);
  HttpAnswer read = Admin("GET", "/v1/customers/" + env->erika);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Body(read)["email"], "erika@example.com");
  EXPECT_TRUE(Body(read)["addresses"][0]["isDefault"].get<bool>());
  HttpAnswer duplicate =
      Admin("POST", "/v1/customers",
            json{{"name", "Erika Again"}, {"email", "erika@example.com"}}.dump());
  EXPECT_EQ(duplicate.status, 409) << duplicate.body;
  HttpAnswer with_id =
      Admin("POST", "/v1/customers",
            json{{"id", env->erika}, {"name", "X"}, {"email", "x@example.com"}}.dump());
  EXPECT_EQ(with_id.status, 400);
  EXPECT_EQ(Admin("GET", std::string("/v1/customers/") + kMissingId).status, 404);
}

TEST_F(GatewayOrdersE2eTest, SecurityMatrixOfTheOrderAndCustomerRoutes) {
  ASSERT_NE(env, nullptr);
  const std::string order_id = env->split_order["id"];
  const std::string create_body = OrderBody(env->erika, "MUG", 1).dump();
  struct Case {
    std::string method, path, body, scope;
  };
  const std::vector<Case> routes = {
      {"POST", "/v1/orders", create_body, "orders:write"},
      {"GET", "/v1/orders", "", "orders:read"},
      {"GET", "/v1/orders/" + order_id, "", "orders:read"},
      {"POST", "/v1/customers", R"({"name":"S","email":"s@example.com"})", "admin"},
      {"GET", "/v1/customers/" + env->erika, "", "orders:read"},
  };
  for (const Case& route : routes) {
    HttpAnswer anonymous = Call(route.method, route.path, {"Idempotency-Key: sec-1"}, route.body);
    EXPECT_EQ(anonymous.status, 401) << route.method << " " << route.path;
    EXPECT_EQ(anonymous.headers["www-authenticate"].rfind("Bearer", 0), 0u);
    // Scopes other than the one the route needs.
    const std::string wrong_scope = route.scope == "orders:read" ? "orders:write" : "orders:read";
    HttpAnswer scopeless =
        Call(route.method, route.path, {Bearer(Token("", wrong_scope)), "Idempotency-Key: sec-1"},
             route.body);
    EXPECT_EQ(scopeless.status, 403) << route.method << " " << route.path << scopeless.body;
    EXPECT_EQ(Reason(scopeless), "MISSING_SCOPE");
  }
  EXPECT_EQ(Availability("MUG")["totalAvailable"], "9") << "nothing refused reserved stock";

  const std::string max_reader = Bearer(Token(env->max, "orders:read orders:write"));
  const std::string rid = "X-Request-Id: same-request-id";
  // Another customer's order: byte for byte a missing order.
  HttpAnswer foreign = Call("GET", "/v1/orders/" + order_id, {max_reader, rid});
  HttpAnswer missing = Call("GET", std::string("/v1/orders/") + kMissingId, {max_reader, rid});
  HttpAnswer missing_for_admin =
      Call("GET", std::string("/v1/orders/") + kMissingId, {Bearer(kAdminKey), rid});
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  std::string foreign_body = foreign.body;
  foreign_body.replace(foreign_body.find(order_id), order_id.size(), kMissingId);
  EXPECT_EQ(foreign_body, missing.body);
  EXPECT_EQ(missing.body, missing_for_admin.body);
  // Its own order it sees.
  const std::string max_order = env->max_order["id"];
  EXPECT_EQ(Call("GET", "/v1/orders/" + max_order, {max_reader}).status, 200);

  // Another customer's profile: a missing one.
  HttpAnswer foreign_customer = Call("GET", "/v1/customers/" + env->erika, {max_reader, rid});
  HttpAnswer missing_customer =
      Call("GET", std::string("/v1/customers/") + kMissingId, {Bearer(kAdminKey), rid});
  EXPECT_EQ(foreign_customer.status, 404);
  std::string foreign_customer_body = foreign_customer.body;
  foreign_customer_body.replace(foreign_customer_body.find(env->erika), env->erika.size(),
                                kMissingId);
  EXPECT_EQ(foreign_customer_body, missing_customer.body);
  EXPECT_EQ(Call("GET", "/v1/customers/" + env->max, {max_reader}).status, 200);

  // Ordering for another customer: 403, and nothing is reserved.
  HttpAnswer impostor = Call("POST", "/v1/orders", {max_reader, "Idempotency-Key: impostor-1"},
                             OrderBody(env->erika, "MUG", 1).dump());
  EXPECT_EQ(impostor.status, 403) << impostor.body;
  EXPECT_EQ(Reason(impostor), "CUSTOMER_MISMATCH");
  EXPECT_EQ(Availability("MUG")["totalAvailable"], "9");
  // Without customerId, the order is the credential's own (and without channel: the gateway
  // sets a customer's).
  HttpAnswer own = Call("POST", "/v1/orders", {max_reader, "Idempotency-Key: own-1"},
                        StorefrontBody("", "MUG", 1).dump());
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_EQ(Body(own)["customerId"], env->max);
  EXPECT_EQ(Body(own)["status"], "ORDER_STATUS_CONFIRMED");

  // Listing: another customer's orders is 403; without a filter, only its own.
  HttpAnswer foreign_list = Call("GET", "/v1/orders?customerId=" + env->erika, {max_reader});
  EXPECT_EQ(foreign_list.status, 403);
  EXPECT_EQ(Reason(foreign_list), "CUSTOMER_MISMATCH");
  HttpAnswer own_list = Call("GET", "/v1/orders", {max_reader});
  ASSERT_EQ(own_list.status, 200) << own_list.body;
  ASSERT_EQ(Body(own_list)["orders"].size(), 2u);
  const nlohmann::json own_list_orders = Body(own_list).value("orders", nlohmann::json::array());
  for (const auto& order : own_list_orders) EXPECT_EQ(order["customerId"], env->max);
  // Admins list everyone's.
  HttpAnswer everyone = Admin("GET", "/v1/orders?pageSize=100");
  EXPECT_GE(Body(everyone)["orders"].size(), 4u);
}

// (channel, externalOrderId) names one order, and it is the client's that placed it: the same
// client replays it, another client is refused 409 without learning anything of it. A
// customer's credential does not choose the channel: the gateway sets one of that customer's
// own, so customers never share external ids.
TEST_F(GatewayOrdersE2eTest, AnExternalOrderIdBelongsToTheClientThatPlacedIt) {
  ASSERT_NE(env, nullptr);
  json body = OrderBody(env->erika, "MUG", 1);
  body["channel"] = "marketplace";
  body["externalOrderId"] = "mp-1001";
  HttpAnswer placed = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: ext-1"});
  ASSERT_EQ(placed.status, 201) << placed.body;
  const std::string order_id = Body(placed)["id"];
  const std::string mugs = Availability("MUG")["totalAvailable"];

  // The same client with another key: a replay of its own order.
  HttpAnswer replay = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: ext-2"});
  ASSERT_EQ(replay.status, 200) << replay.body;
  EXPECT_EQ(Body(replay)["id"], order_id);

  // Another client (an integration's token) naming the same pair, for another customer.
  json squatter = OrderBody(env->max, "MUG", 1);
  squatter["channel"] = "marketplace";
  squatter["externalOrderId"] = "mp-1001";
  HttpAnswer taken = Call("POST", "/v1/orders",
                          {Bearer(Token("", "orders:write orders:read")), "Idempotency-Key: ext-3"},
                          squatter.dump());
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(Reason(taken), "EXTERNAL_ORDER_ID_IN_USE");
  EXPECT_EQ(taken.body.find(order_id), std::string::npos) << taken.body;
  EXPECT_EQ(taken.body.find(env->erika), std::string::npos) << taken.body;
  EXPECT_EQ(Availability("MUG")["totalAvailable"], mugs) << "nothing reserved";

  // A customer's credential may not name a channel; without one, the gateway names the
  // customer's storefront, so Max's external ids are Max's alone.
  const std::string max = Bearer(Token(env->max, "orders:read orders:write"));
  json chosen = StorefrontBody("", "MUG", 1);
  chosen["channel"] = "marketplace";
  chosen["externalOrderId"] = "mp-1001";
  HttpAnswer refused = Call("POST", "/v1/orders", {max, "Idempotency-Key: ext-4"}, chosen.dump());
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(Body(refused)["error"].value("message", "").rfind("channel", 0), 0u) << refused.body;
  EXPECT_EQ(Availability("MUG")["totalAvailable"], mugs) << "nothing reserved";

  json storefront = StorefrontBody("", "MUG", 1);
  storefront["externalOrderId"] = "mp-1001";
  HttpAnswer own = Call("POST", "/v1/orders", {max, "Idempotency-Key: ext-5"}, storefront.dump());
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_NE(Body(own)["id"], order_id);
  EXPECT_EQ(Body(own)["channel"], "storefront:" + env->max);
  EXPECT_EQ(Body(own)["customerId"], env->max);

  // Nobody else writes into a customer's storefront channel.
  json borrowed = OrderBody(env->max, "MUG", 1);
  borrowed["channel"] = "storefront:" + env->max;
  borrowed["externalOrderId"] = "mp-1002";
  HttpAnswer reserved = Admin("POST", "/v1/orders", borrowed.dump(), {"Idempotency-Key: ext-6"});
  EXPECT_EQ(reserved.status, 400) << reserved.body;
  EXPECT_EQ(Body(reserved)["error"].value("message", "").rfind("channel", 0), 0u) << reserved.body;
}

TEST_F(GatewayOrdersE2eTest, CustomerBoundTokensReadOnlyTheirOwnShipmentsPaymentsAndInvoices) {
  ASSERT_NE(env, nullptr);
  const std::string erika = Bearer(Token(env->erika, "orders:read"));
  const std::string max = Bearer(Token(env->max, "orders:read"));
  const std::string order_id = env->split_order["id"];
  const std::string rid = "X-Request-Id: same-request-id";

  HttpAnswer shipments = Call("GET", "/v1/shipments?orderId=" + order_id, {erika});
  ASSERT_EQ(shipments.status, 200) << shipments.body;
  ASSERT_EQ(Body(shipments)["shipments"].size(), 2u);
  const std::string shipment_id = Body(shipments)["shipments"][0]["id"];
  HttpAnswer shipment = Call("GET", "/v1/shipments/" + shipment_id, {erika});
  ASSERT_EQ(shipment.status, 200) << shipment.body;
  EXPECT_EQ(Body(shipment)["orderId"], order_id);
  HttpAnswer payments = Call("GET", "/v1/payments?orderId=" + order_id, {erika});
  ASSERT_EQ(payments.status, 200) << payments.body;
  EXPECT_EQ(Body(payments)["payments"].size(), 1u);
  EXPECT_EQ(Call("GET", "/v1/invoices?orderId=" + order_id, {erika}).status, 200);

  // Another customer: each answers exactly what a missing order or shipment answers.
  for (const std::string list : {"/v1/shipments", "/v1/payments", "/v1/invoices"}) {
    HttpAnswer foreign = Call("GET", list + "?orderId=" + order_id, {max, rid});
    HttpAnswer missing = Call("GET", list + "?orderId=" + kMissingId, {max, rid});
    EXPECT_EQ(foreign.status, 404) << list << foreign.body;
    EXPECT_EQ(Reason(foreign), "ORDER_NOT_FOUND");
    std::string foreign_body = foreign.body;
    foreign_body.replace(foreign_body.find(order_id), order_id.size(), kMissingId);
    EXPECT_EQ(foreign_body, missing.body) << list;
  }
  HttpAnswer foreign_shipment = Call("GET", "/v1/shipments/" + shipment_id, {max, rid});
  HttpAnswer missing_shipment =
      Call("GET", std::string("/v1/shipments/") + kMissingId, {Bearer(kAdminKey), rid});
  EXPECT_EQ(foreign_shipment.status, 404) << foreign_shipment.body;
  std::string foreign_shipment_body = foreign_shipment.body;
  foreign_shipment_body.replace(foreign_shipment_body.find(shipment_id), shipment_id.size(),
                                kMissingId);
  EXPECT_EQ(foreign_shipment_body, missing_shipment.body);
  // Credentials not bound to a customer read every order's.
  EXPECT_EQ(
      Call("GET", "/v1/shipments?orderId=" + order_id, {Bearer(Token("", "orders:read"))}).status,
      200);
}

TEST_F(GatewayOrdersE2eTest, ReadinessIncludesOrderService) {
  ASSERT_NE(env, nullptr);
  HttpAnswer ready = Call("GET", "/readyz");
  ASSERT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(Body(ready)["backends"]["order"], "SERVING");
  HttpAnswer openapi = Call("GET", "/openapi.json");
  ASSERT_EQ(openapi.status, 200);
  EXPECT_TRUE(Body(openapi)["paths"].contains("/v1/orders/{id}"));
  // Without order-service the gateway is not ready.
  auto stopped = env->stack.order->process().Stop(SIGTERM, std::chrono::seconds(20));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  HttpAnswer unready = Call("GET", "/readyz");
  EXPECT_EQ(unready.status, 503) << unready.body;
  EXPECT_EQ(Body(unready)["backends"]["order"], "UNREACHABLE");
}

}  // namespace
}  // namespace oms::gateway
