// The gateway binary in front of the real inventory-, billing- and shipping-service processes,
// driven over HTTP: every route's success path, a security matrix over every route, bad input
// that changes nothing, request ids end to end, /metrics, and SIGTERM.
#include <chrono>
#include <cstdio>
#include <fstream>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "common/testing/scrape.h"
#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/http_client.h"
#include "gateway/tests/test_keys.h"
#include "oms/billing/v1/billing.grpc.pb.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "tests/support/process.h"
#include "tests/support/service_under_test.h"

namespace oms::gateway {
namespace {

using nlohmann::json;
using testing::Admin;
using testing::Bearer;
using testing::Call;
using testing::GatewayLog;
using testing::HttpAnswer;
using testing::Reason;
using testing::Token;

constexpr char kAdminKey[] = "e2e-bootstrap-admin-key-0123456789";
constexpr char kOrderId[] = "ord-e2e-1";
constexpr char kMissingShipment[] = "00000000-0000-4000-8000-000000000000";

struct Env {
  testing::GatewayStack stack;
  testing::TestKey key;
  testing::TestKey forger;
  std::string shipment_id;
};
Env* env = nullptr;

class GatewayE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->key = testing::MakeRsaKey("e2e-key");
    testing::UseGateway(env->stack, env->key, kAdminKey);
    env->forger = testing::MakeRsaKey("e2e-key");
    absl::Status started = env->stack.Start(kAdminKey, {&env->key},
                                            {{"OMS_GATEWAY_CORS_ORIGINS", "https://shop.example"}});
    ASSERT_TRUE(started.ok()) << started;
    SeedBillingAndShipping();
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }

  // Payments and shipments of an order id order-service does not know, seeded through the
  // services' gRPC APIs: credentials not bound to a customer read them; customer-bound ones
  // get the not-found answer (gateway_orders_e2e_test covers real orders).
  static void SeedBillingAndShipping() {
    auto deadline = [] {
      auto context = std::make_unique<grpc::ClientContext>();
      context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      return context;
    };
    billing::v1::AuthorizePaymentRequest authorize;
    authorize.set_request_id("e2e:authorize");
    authorize.set_order_id(kOrderId);
    authorize.mutable_amount()->set_currency("EUR");
    authorize.mutable_amount()->set_amount_minor(5000);
    authorize.set_method(billing::v1::PAYMENT_METHOD_CARD);
    authorize.set_token("tok_visa");
    billing::v1::Payment payment;
    grpc::Status status = billing::v1::BillingService::NewStub(env->stack.billing->channel())
                              ->AuthorizePayment(deadline().get(), authorize, &payment);
    ASSERT_TRUE(status.ok()) << status.error_message();

    env->shipment_id = CreateShipment("e2e:ship", kOrderId, 2);
  }

  // One outbound shipment of `quantity` SKU-1 for `order_id` at warehouse 1111..., made through
  // shipping's gRPC API; its id ("" after a failure).
  static std::string CreateShipment(const std::string& request_id, const std::string& order_id,
                                    int64_t quantity) {
    shipping::v1::CreateShipmentsRequest create;
    create.set_request_id(request_id);
    create.set_order_id(order_id);
    create.mutable_destination()->set_line1("1 Main St");
    create.mutable_destination()->set_city("Vienna");
    create.mutable_destination()->set_country("AT");
    auto* group = create.add_groups();
    group->set_warehouse_id("11111111-1111-4111-8111-111111111111");
    auto* line = group->add_lines();
    line->set_sku("SKU-1");
    line->set_quantity(quantity);
    line->set_unit_weight_grams(250);
    shipping::v1::CreateShipmentsResponse created;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status status = shipping::v1::ShippingService::NewStub(env->stack.shipping->channel())
                              ->CreateShipments(&context, create, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(created.shipments_size(), 1);
    return created.shipments_size() == 1 ? created.shipments(0).id() : "";
  }

  // Creates a product and a warehouse (idempotently across tests); the warehouse id.
  static std::string CatalogFixture() {
    static std::string warehouse_id;
    if (!warehouse_id.empty()) return warehouse_id;
    for (const char* sku : {"MUG-1", "MUG-2"}) {
      HttpAnswer created = Admin("POST", "/v1/products",
                                 json{{"sku", sku},
                                      {"name", "Mug"},
                                      {"unitPrice", {{"currency", "EUR"}, {"amountMinor", "1999"}}},
                                      {"weightGrams", "300"}}
                                     .dump());
      EXPECT_EQ(created.status, 201) << created.body;
    }
    HttpAnswer warehouse =
        Admin("POST", "/v1/warehouses",
              json{{"code", "VIE"},
                   {"name", "Vienna"},
                   {"address", {{"line1", "Lager 1"}, {"city", "Vienna"}, {"country", "AT"}}},
                   {"region", "AT-9"},
                   {"location", {{"latitude", 48.2}, {"longitude", 16.37}}}}
                  .dump());
    EXPECT_EQ(warehouse.status, 201) << warehouse.body;
    warehouse_id = json::parse(warehouse.body).value("id", "");
    return warehouse_id;
  }

  static json Availability(const std::string& sku) {
    HttpAnswer answer = Admin("GET", "/v1/products/" + sku + "/availability");
    EXPECT_EQ(answer.status, 200) << answer.body;
    return json::parse(answer.body, nullptr, false);
  }
};

TEST_F(GatewayE2eTest, EveryRouteSucceeds) {
  ASSERT_NE(env, nullptr);
  HttpAnswer health = Call("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  HttpAnswer ready = Call("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(json::parse(ready.body)["backends"]["inventory"], "SERVING");
  HttpAnswer openapi = Call("GET", "/openapi.json");
  EXPECT_EQ(openapi.status, 200);
  EXPECT_TRUE(json::parse(openapi.body)["paths"].contains("/v1/stock:adjust"));

  const std::string warehouse_id = CatalogFixture();
  ASSERT_FALSE(warehouse_id.empty());
  HttpAnswer product = Admin("GET", "/v1/products/MUG-1");
  ASSERT_EQ(product.status, 200) << product.body;
  EXPECT_EQ(json::parse(product.body)["unitPrice"],
            (json{{"currency", "EUR"}, {"amountMinor", "1999"}}));

  HttpAnswer page = Admin("GET", "/v1/products?pageSize=1");
  ASSERT_EQ(page.status, 200) << page.body;
  json first = json::parse(page.body);
  ASSERT_EQ(first["products"].size(), 1u);
  ASSERT_FALSE(first["nextPageToken"].get<std::string>().empty());
  HttpAnswer next = Admin(
      "GET", "/v1/products?pageSize=1&pageToken=" + first["nextPageToken"].get<std::string>());
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_NE(json::parse(next.body)["products"][0]["sku"], first["products"][0]["sku"]);

  HttpAnswer warehouses = Admin("GET", "/v1/warehouses");
  ASSERT_EQ(warehouses.status, 200);
  EXPECT_EQ(json::parse(warehouses.body)["warehouses"][0]["id"], warehouse_id);

  const std::string adjust = json{
      {"warehouseId", warehouse_id},
      {"sku", "MUG-1"},
      {"delta", "10"},
      {"reason", "ADJUSTMENT_REASON_RECEIPT"},
      {"note", "first delivery"}}.dump();
  HttpAnswer adjusted = Admin("POST", "/v1/stock:adjust", adjust, {"Idempotency-Key: adj-1"});
  ASSERT_EQ(adjusted.status, 200) << adjusted.body;
  EXPECT_EQ(json::parse(adjusted.body)["level"]["onHand"], "10");
  // A retry with the same key has no second effect.
  HttpAnswer replay = Admin("POST", "/v1/stock:adjust", adjust, {"Idempotency-Key: adj-1"});
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(json::parse(replay.body)["movementId"], json::parse(adjusted.body)["movementId"]);
  EXPECT_EQ(Availability("MUG-1")["totalAvailable"], "10");
  // Another client's equal key is another request: keys are the client's own, never global.
  HttpAnswer other = Call("POST", "/v1/stock:adjust",
                          {Bearer(Token("", "catalog:write")), "Idempotency-Key: adj-1"}, adjust);
  ASSERT_EQ(other.status, 200) << other.body;
  EXPECT_NE(json::parse(other.body)["movementId"], json::parse(adjusted.body)["movementId"]);
  EXPECT_EQ(json::parse(other.body)["level"]["onHand"], "20");
  EXPECT_EQ(Availability("MUG-1")["totalAvailable"], "20");

  const std::string reader = Bearer(Token("", "orders:read"));
  HttpAnswer shipments = Call("GET", std::string("/v1/shipments?orderId=") + kOrderId, {reader});
  ASSERT_EQ(shipments.status, 200) << shipments.body;
  EXPECT_EQ(json::parse(shipments.body)["shipments"][0]["id"], env->shipment_id);
  HttpAnswer shipment = Call("GET", "/v1/shipments/" + env->shipment_id, {reader});
  ASSERT_EQ(shipment.status, 200) << shipment.body;
  EXPECT_EQ(json::parse(shipment.body)["orderId"], kOrderId);

  HttpAnswer event =
      Call("POST", "/v1/shipments/" + env->shipment_id + "/events",
           {Bearer(Token("", "shipments:write")), "Idempotency-Key: ev-1"},
           json{{"type", "SHIPMENT_EVENT_TYPE_PICKED"},
                {"occurredAt", google::protobuf::util::TimeUtil::ToString(
                                   google::protobuf::util::TimeUtil::GetCurrentTime())},
                {"location", "Vienna"}}
               .dump());
  ASSERT_EQ(event.status, 200) << event.body;
  EXPECT_EQ(json::parse(event.body)["status"], "SHIPMENT_STATUS_PICKED");

  HttpAnswer payments = Call("GET", std::string("/v1/payments?orderId=") + kOrderId, {reader});
  ASSERT_EQ(payments.status, 200) << payments.body;
  EXPECT_EQ(json::parse(payments.body)["payments"][0]["authorized"],
            (json{{"currency", "EUR"}, {"amountMinor", "5000"}}));
  HttpAnswer invoices = Call("GET", std::string("/v1/invoices?orderId=") + kOrderId, {reader});
  EXPECT_EQ(invoices.status, 200) << invoices.body;

  // Not found passes through as 404 with the error body.
  HttpAnswer missing = Admin("GET", "/v1/products/NOPE-1");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["status"], "NOT_FOUND");
}

struct RouteCase {
  std::string method;
  std::string path;
  std::string body;
  std::string scope;  // "" for none
  bool owner_guarded = false;
};

std::vector<RouteCase> AuthenticatedRoutes() {
  const std::string ship = env->shipment_id;
  const std::string order = kOrderId;
  return {
      {"POST", "/v1/products", R"({"sku":"SEC-1","name":"x"})", "catalog:write"},
      {"GET", "/v1/products", "", ""},
      {"GET", "/v1/products/MUG-1", "", ""},
      {"POST", "/v1/warehouses", R"({"code":"SEC","name":"x"})", "catalog:write"},
      {"GET", "/v1/warehouses", "", ""},
      {"POST", "/v1/stock:adjust", R"({"sku":"MUG-1","delta":"1"})", "catalog:write"},
      {"GET", "/v1/products/MUG-1/availability", "", ""},
      {"GET", "/v1/shipments?orderId=" + order, "", "orders:read", true},
      {"GET", "/v1/shipments/" + ship, "", "orders:read", true},
      {"POST", "/v1/shipments/" + ship + "/events", R"({"type":"SHIPMENT_EVENT_TYPE_PACKED"})",
       "shipments:write"},
      {"POST", "/v1/shipments/" + ship + ":shortPick",
       R"({"missing":[{"sku":"SKU-1","quantity":"1"}]})", "shipments:write"},
      {"GET", "/v1/payments?orderId=" + order, "", "orders:read", true},
      {"GET", "/v1/invoices?orderId=" + order, "", "orders:read", true},
  };
}

TEST_F(GatewayE2eTest, SecurityMatrixOverEveryRoute) {
  ASSERT_NE(env, nullptr);
  CatalogFixture();
  const json valid = testing::ValidClaims("", "admin");
  json expired_claims = valid;
  expired_claims["exp"] = expired_claims["iat"].get<long long>() - 600;
  json audience_claims = valid;
  audience_claims["aud"] = "another-api";
  const std::vector<std::pair<std::string, std::vector<std::string>>> refused = {
      {"no credentials", {}},
      {"unknown key", {Bearer("not-a-key-we-know-of")}},
      {"expired token", {Bearer(testing::SignJwt(env->key, "RS256", expired_claims))}},
      {"badly signed token", {Bearer(testing::SignJwt(env->forger, "RS256", valid))}},
      {"alg none", {Bearer(testing::UnsignedJwt(valid))}},
      {"wrong audience", {Bearer(testing::SignJwt(env->key, "RS256", audience_claims))}},
  };
  const std::string before = Availability("MUG-1").dump();
  for (const RouteCase& route : AuthenticatedRoutes()) {
    const std::vector<std::string> idempotency = {"Idempotency-Key: sec-1"};
    for (const auto& [name, headers] : refused) {
      std::vector<std::string> all = headers;
      all.insert(all.end(), idempotency.begin(), idempotency.end());
      HttpAnswer answer = Call(route.method, route.path, all, route.body);
      EXPECT_EQ(answer.status, 401) << name << ": " << route.method << " " << route.path;
      EXPECT_EQ(answer.headers["www-authenticate"].rfind("Bearer", 0), 0u) << name;
    }
    // Authenticated without any scope.
    HttpAnswer scopeless = Call(route.method, route.path,
                                {Bearer(Token("", "")), "Idempotency-Key: sec-1"}, route.body);
    if (route.scope.empty()) {
      EXPECT_EQ(scopeless.status, 200) << route.path << scopeless.body;
    } else {
      EXPECT_EQ(scopeless.status, 403) << route.method << " " << route.path << scopeless.body;
      EXPECT_EQ(Reason(scopeless), "MISSING_SCOPE");
    }
    if (route.owner_guarded) {
      // A customer-bound credential with the scope: exactly the bytes of a missing resource.
      const std::string rid = "X-Request-Id: same-request-id";
      HttpAnswer hidden =
          Call(route.method, route.path, {Bearer(Token("cust-1", "orders:read")), rid});
      std::string missing_path = route.path;
      const bool by_order = route.path.find("orderId=") != std::string::npos;
      const std::string real_id = by_order ? kOrderId : env->shipment_id;
      const std::string missing_id = by_order ? "ord-missing-9" : kMissingShipment;
      missing_path.replace(missing_path.find(real_id), real_id.size(), missing_id);
      HttpAnswer missing_for_customer =
          Call(route.method, missing_path, {Bearer(Token("cust-1", "orders:read")), rid});
      EXPECT_EQ(hidden.status, 404) << route.path << hidden.body;
      std::string hidden_body = hidden.body;
      hidden_body.replace(hidden_body.find(real_id), real_id.size(), missing_id);
      EXPECT_EQ(hidden_body, missing_for_customer.body);
      if (route.path.find("/v1/shipments/") == 0) {
        // Also what an admin gets for a shipment that does not exist.
        HttpAnswer missing_for_admin = Call(route.method, missing_path, {Bearer(kAdminKey), rid});
        EXPECT_EQ(missing_for_admin.status, 404);
        EXPECT_EQ(hidden_body, missing_for_admin.body);
      }
      // And a credential not bound to a customer sees it.
      EXPECT_EQ(Call(route.method, route.path, {Bearer(Token("", "orders:read"))}).status, 200);
    }
  }
  // Nothing refused changed stock.
  EXPECT_EQ(Availability("MUG-1").dump(), before);
  for (const std::string path : {"/healthz", "/readyz", "/openapi.json"}) {
    EXPECT_EQ(Call("GET", path).status, 200) << path;
  }
  // Credentials never reach the log.
  const std::string log = GatewayLog();
  EXPECT_EQ(log.find(kAdminKey), std::string::npos);
  EXPECT_EQ(log.find(Token("", "admin").substr(0, 40)), std::string::npos);
  EXPECT_EQ(log.find("not-a-key-we-know-of"), std::string::npos);
}

// A shipments:write key bound to a warehouse records events on that warehouse's shipments;
// another warehouse's shipment answers byte for byte what a missing one answers, and its
// journal stays empty. A binding is refused on a key that could not use it.
TEST_F(GatewayE2eTest, AWarehouseBoundKeyRecordsEventsOnlyOnItsWarehousesShipments) {
  ASSERT_NE(env, nullptr);
  auto key_for = [](const std::string& warehouse_id) {
    HttpAnswer created = Admin("POST", "/v1/apiKeys",
                               json{{"name", "dock " + warehouse_id.substr(0, 1)},
                                    {"scopes", {"shipments:write"}},
                                    {"warehouseId", warehouse_id}}
                                   .dump());
    EXPECT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(json::parse(created.body)["key"]["warehouseId"], warehouse_id);
    return Bearer(json::parse(created.body).value("secret", ""));
  };
  const std::string ours = key_for("11111111-1111-4111-8111-111111111111");
  const std::string theirs = key_for("22222222-2222-4222-8222-222222222222");
  const std::string event = json{
      {"type", "SHIPMENT_EVENT_TYPE_PICKED"},
      {"occurredAt", google::protobuf::util::TimeUtil::ToString(
                         google::protobuf::util::TimeUtil::GetCurrentTime())},
      {"carrierEventId",
       "dock-1"}}.dump();
  const std::string rid = "X-Request-Id: same-request-id";
  HttpAnswer foreign =
      Call("POST", "/v1/shipments/" + env->shipment_id + "/events", {theirs, rid}, event);
  HttpAnswer missing = Call("POST", std::string("/v1/shipments/") + kMissingShipment + "/events",
                            {theirs, rid}, event);
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  std::string foreign_body = foreign.body;
  foreign_body.replace(foreign_body.find(env->shipment_id), env->shipment_id.size(),
                       kMissingShipment);
  EXPECT_EQ(foreign_body, missing.body);
  HttpAnswer unchanged = Admin("GET", "/v1/shipments/" + env->shipment_id);
  for (const auto& entry : json::parse(unchanged.body).value("journal", json::array())) {
    EXPECT_NE(entry.value("carrierEventId", ""), "dock-1") << unchanged.body;
  }

  HttpAnswer recorded =
      Call("POST", "/v1/shipments/" + env->shipment_id + "/events", {ours}, event);
  EXPECT_EQ(recorded.status, 200) << recorded.body;
  // The binding is the key's, never the body's.
  HttpAnswer smuggled = Call("POST", "/v1/shipments/" + env->shipment_id + "/events",
                             {Bearer(Token("", "shipments:write"))},
                             json{{"type", "SHIPMENT_EVENT_TYPE_PACKED"},
                                  {"occurredAt", "2030-01-01T00:00:00Z"},
                                  {"warehouseId", "11111111-1111-4111-8111-111111111111"}}
                                 .dump());
  EXPECT_EQ(smuggled.status, 400) << smuggled.body;
  EXPECT_NE(smuggled.body.find("warehouseId"), std::string::npos) << smuggled.body;

  for (const json& scopes : {json{"orders:read"}, json{"shipments:write", "admin"}}) {
    HttpAnswer refused = Admin("POST", "/v1/apiKeys",
                               json{{"name", "bad dock"},
                                    {"scopes", scopes},
                                    {"warehouseId", "11111111-1111-4111-8111-111111111111"}}
                                   .dump());
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_EQ(json::parse(refused.body)["error"].value("message", "").rfind("warehouse_id", 0), 0u)
        << refused.body;
  }
}

// A warehouse short-picks one unit of a 4-unit, single-warehouse shipment: the line keeps 3, and
// the report holds once. A key bound to another warehouse gets a missing shipment's 404, bad
// input a 400 naming the line, and neither changes anything.
TEST_F(GatewayE2eTest, AShortPickLeavesTheRestOnTheShipmentOnce) {
  ASSERT_NE(env, nullptr);
  const std::string id = CreateShipment("e2e:ship-short", "ord-e2e-short", 4);
  ASSERT_FALSE(id.empty());
  const std::string path = "/v1/shipments/" + id + ":shortPick";
  auto key_for = [](const std::string& warehouse_id) {
    HttpAnswer made = Admin("POST", "/v1/apiKeys",
                            json{{"name", "picker " + warehouse_id.substr(0, 1)},
                                 {"scopes", {"shipments:write"}},
                                 {"warehouseId", warehouse_id}}
                                .dump());
    EXPECT_EQ(made.status, 201) << made.body;
    return Bearer(json::parse(made.body).value("secret", ""));
  };
  const std::string ours = key_for("11111111-1111-4111-8111-111111111111");
  const std::string theirs = key_for("22222222-2222-4222-8222-222222222222");
  const std::string one =
      json{{"missing", {{{"sku", "SKU-1"}, {"quantity", 1}}}}, {"note", "bin A-3 empty"}}.dump();
  auto lines_now = [&id] { return json::parse(Admin("GET", "/v1/shipments/" + id).body)["lines"]; };
  const json before = lines_now();
  ASSERT_EQ(before[0]["quantity"], "4") << before.dump();

  // Another warehouse's key: byte for byte a missing shipment's answer.
  const std::string rid = "X-Request-Id: same-request-id";
  HttpAnswer foreign = Call("POST", path, {theirs, rid, "Idempotency-Key: short-foreign"}, one);
  HttpAnswer missing = Call("POST", std::string("/v1/shipments/") + kMissingShipment + ":shortPick",
                            {theirs, rid, "Idempotency-Key: short-missing"}, one);
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(Reason(foreign), "SHIPMENT_NOT_FOUND");
  std::string foreign_body = foreign.body;
  foreign_body.replace(foreign_body.find(id), id.size(), kMissingShipment);
  EXPECT_EQ(foreign_body, missing.body);
  // Bad input: a 400 naming the line, checked by shipping before (a quantity of 0) or against
  // the shipment (an SKU it does not carry).
  int attempt = 0;
  for (const auto& [bad, field] :
       {std::pair{json{{"missing", {{{"sku", "SKU-1"}, {"quantity", 0}}}}}, "missing[0]"},
        std::pair{json{{"missing", {{{"sku", "SKU-9"}, {"quantity", 1}}}}}, "missing[0]"},
        std::pair{json{{"missing", json::array()}}, "missing"}}) {
    HttpAnswer refused =
        Call("POST", path, {ours, "Idempotency-Key: short-bad-" + std::to_string(++attempt)},
             bad.dump());
    EXPECT_EQ(refused.status, 400) << bad.dump() << ": " << refused.body;
    EXPECT_EQ(json::parse(refused.body)["error"].value("message", "").rfind(field, 0), 0u)
        << refused.body;
  }
  EXPECT_EQ(lines_now(), before);

  // The warehouse's own key: one unit fewer, journaled.
  HttpAnswer picked = Call("POST", path, {ours, "Idempotency-Key: short-1"}, one);
  ASSERT_EQ(picked.status, 200) << picked.body << GatewayLog();
  const json shipment = json::parse(picked.body);
  EXPECT_EQ(shipment["id"], id);
  EXPECT_EQ(shipment["status"], "SHIPMENT_STATUS_PENDING");
  ASSERT_EQ(shipment["lines"].size(), 1u) << picked.body;
  EXPECT_EQ(shipment["lines"][0]["sku"], "SKU-1");
  EXPECT_EQ(shipment["lines"][0]["quantity"], "3");
  EXPECT_EQ(shipment["journal"].back()["type"], "SHIPMENT_EVENT_TYPE_SHORT_PICKED");
  EXPECT_EQ(lines_now(), shipment["lines"]);
  // Its retry: the same answer, replayed.
  HttpAnswer replay = Call("POST", path, {ours, "Idempotency-Key: short-1"}, one);
  EXPECT_EQ(replay.status, 200) << replay.body;
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  EXPECT_EQ(json::parse(replay.body), shipment);
  // Another report, or a retry without the key: once per shipment.
  HttpAnswer second = Call("POST", path, {ours, "Idempotency-Key: short-2"}, one);
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(Reason(second), "ALREADY_SHORT_PICKED");
  HttpAnswer keyless = Call("POST", path, {ours}, one);
  EXPECT_EQ(keyless.status, 409) << keyless.body;
  EXPECT_EQ(Reason(keyless), "ALREADY_SHORT_PICKED");
  EXPECT_EQ(lines_now()[0]["quantity"], "3");
}

TEST_F(GatewayE2eTest, BadInputIsRefusedAndChangesNothing) {
  ASSERT_NE(env, nullptr);
  const std::string warehouse_id = CatalogFixture();
  const std::string before = Availability("MUG-2").dump();
  const std::string good = json{{"warehouseId", warehouse_id},
                                {"sku", "MUG-2"},
                                {"delta", "5"},
                                {"reason", "ADJUSTMENT_REASON_RECEIPT"}}
                               .dump();
  struct Case {
    std::string name;
    std::string body;
    long status;
    std::string reason;
    std::vector<std::string> headers = {"Idempotency-Key: bad-1"};
  };
  std::string invalid_utf8 = good;
  invalid_utf8.insert(invalid_utf8.find("ADJUSTMENT"), "\xff\xfe");
  std::string utf8_in_note =
      json{{"warehouseId", warehouse_id}, {"sku", "MUG-2"}, {"delta", "5"}, {"note", "x"}}.dump();
  utf8_in_note.replace(utf8_in_note.find("\"x\""), 3, "\"\xc3\x28\"");
  const std::vector<Case> cases = {
      {"malformed JSON", R"({"sku": "MUG-2", )", 400, "MALFORMED_JSON"},
      {"not an object", R"(["MUG-2"])", 400, "MALFORMED_JSON"},
      {"unknown field", R"({"sku":"MUG-2","delta":"5","price":1})", 400, "UNKNOWN_FIELD"},
      {"request id in body", R"({"sku":"MUG-2","delta":"5","requestId":"x"})", 400,
       "UNKNOWN_FIELD"},
      {"wrong type", R"({"sku":"MUG-2","delta":"five"})", 400, "INVALID_FIELD_VALUE"},
      {"string as bool-ish number", R"({"sku":7,"delta":"5"})", 400, "INVALID_FIELD_VALUE"},
      {"unknown enum", R"({"sku":"MUG-2","delta":"5","reason":"THEFT"})", 400,
       "INVALID_FIELD_VALUE"},
      {"invalid UTF-8", invalid_utf8, 400, "MALFORMED_JSON"},
      {"invalid UTF-8 in a string", utf8_in_note, 400, "MALFORMED_JSON"},
      {"oversized body", std::string(2 << 20, ' '), 413, "BODY_TOO_LARGE"},
      {"no idempotency key", good, 400, "IDEMPOTENCY_KEY_MISSING", {}},
      {"bad idempotency key", good, 400, "", {"Idempotency-Key: has spaces"}},
  };
  for (const Case& c : cases) {
    HttpAnswer answer = Admin("POST", "/v1/stock:adjust", c.body, c.headers);
    EXPECT_EQ(answer.status, c.status) << c.name << ": " << answer.body << answer.error;
    if (!c.reason.empty()) {
      EXPECT_EQ(Reason(answer), c.reason) << c.name << ": " << answer.body;
    }
    auto error = json::parse(answer.body, nullptr, false);
    ASSERT_FALSE(error.is_discarded()) << c.name;
    EXPECT_FALSE(error["error"]["message"].get<std::string>().empty()) << c.name;
  }
  // A value the backend refuses (delta 0) is a 400 naming the field, and changes nothing.
  HttpAnswer zero = Admin("POST", "/v1/stock:adjust",
                          json{{"warehouseId", warehouse_id},
                               {"sku", "MUG-2"},
                               {"delta", "0"},
                               {"reason", "ADJUSTMENT_REASON_RECEIPT"}}
                              .dump(),
                          {"Idempotency-Key: bad-2"});
  EXPECT_EQ(zero.status, 400) << zero.body;
  EXPECT_EQ(Availability("MUG-2").dump(), before);

  // The same checks hold on the other bodies.
  EXPECT_EQ(Admin("POST", "/v1/products", R"({"sku":"X-1","colour":"red"})").status, 400);
  EXPECT_EQ(Admin("GET", "/v1/products/X-1").status, 404) << "nothing was created";
  EXPECT_EQ(Admin("POST", "/v1/warehouses", R"({"code":"W","id":"mine"})").status, 400);
  EXPECT_EQ(Admin("GET", "/v1/products?pageSize=ten").status, 400);
  EXPECT_EQ(Admin("GET", "/v1/products?colour=red").status, 400);
  EXPECT_EQ(Admin("GET", "/v1/shipments").status, 400) << "orderId is required";
  HttpAnswer text = Call("POST", "/v1/products", {Bearer(kAdminKey), "Content-Type: text/plain"},
                         R"({"sku":"X-2"})");
  EXPECT_EQ(text.status, 415);
  EXPECT_EQ(Call("GET", "/v1/nowhere", {Bearer(kAdminKey)}).status, 404);
  HttpAnswer wrong_method = Call("DELETE", "/v1/products", {Bearer(kAdminKey)});
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers["allow"], "GET, POST");
}

TEST_F(GatewayE2eTest, RequestIdsAreEchoedAndPassedOn) {
  ASSERT_NE(env, nullptr);
  HttpAnswer given = Admin("GET", "/v1/products/MUG-1", "", {"X-Request-Id: e2e-trace-42"});
  EXPECT_EQ(given.headers["x-request-id"], "e2e-trace-42");
  // inventory-service logged the call under the same id.
  EXPECT_NE(env->stack.inventory->log().find("e2e-trace-42"), std::string::npos);
  HttpAnswer generated = Admin("GET", "/v1/products/MUG-1");
  EXPECT_EQ(generated.headers["x-request-id"].size(), 32u);
  HttpAnswer error = Call("GET", "/v1/products", {"X-Request-Id: e2e-trace-43"});
  EXPECT_EQ(error.headers["x-request-id"], "e2e-trace-43");
  EXPECT_EQ(json::parse(error.body)["error"]["requestId"], "e2e-trace-43");
}

TEST_F(GatewayE2eTest, CorsPreflightIsAnswered) {
  ASSERT_NE(env, nullptr);
  HttpAnswer preflight =
      Call("OPTIONS", "/v1/products",
           {"Origin: https://shop.example", "Access-Control-Request-Method: POST"});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.headers["access-control-allow-origin"], "https://shop.example");
  HttpAnswer other = Call("OPTIONS", "/v1/products",
                          {"Origin: https://evil.example", "Access-Control-Request-Method: POST"});
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.headers.count("access-control-allow-origin"), 0u);
}

TEST_F(GatewayE2eTest, MetricsAreServedByRouteTemplate) {
  ASSERT_NE(env, nullptr);
  CatalogFixture();
  ASSERT_EQ(Admin("GET", "/v1/products/MUG-1").status, 200);
  Call("GET", "/v1/products");  // a 401, for the rejected-auth counter
  auto body =
      oms::testing::HttpGet(absl::StrCat("http://127.0.0.1:", env->stack.metrics_port, "/metrics"));
  ASSERT_TRUE(body.ok()) << body.status();
  absl::Status lint = oms::testing::PromtoolCheckMetrics(*body);
  EXPECT_TRUE(lint.ok()) << lint;
  auto served = oms::testing::SampleValue(
      *body, R"(http_server_requests_total{code="200",method="GET",route="/v1/products/{sku}"})");
  ASSERT_TRUE(served.ok()) << served.status();
  EXPECT_GE(*served, 1);
  EXPECT_EQ(body->find("route=\"/v1/products/MUG-1\""), std::string::npos) << "no raw paths";
  EXPECT_NE(body->find("http_server_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(body->find("http_server_requests_in_flight"), std::string::npos);
  auto rejected =
      oms::testing::SampleValue(*body, R"(oms_gateway_auth_rejected_total{reason="missing"})");
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_GE(*rejected, 1);
  EXPECT_NE(body->find("oms_gateway_rate_limited_total"), std::string::npos);
  auto client = oms::testing::SampleValue(
      *body,
      R"(grpc_client_handled_total{grpc_code="OK",grpc_method="GetProduct",grpc_service="oms.inventory.v1.InventoryService",grpc_type="unary"})");
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_GE(*client, 1);
}

// Last: stops the gateway.
TEST_F(GatewayE2eTest, SigtermExitsZero) {
  ASSERT_NE(env, nullptr);
  auto stopped = env->stack.gateway.Stop(SIGTERM, std::chrono::seconds(20));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_TRUE(WIFEXITED(*stopped)) << GatewayLog();
  EXPECT_EQ(WEXITSTATUS(*stopped), 0) << GatewayLog();
}

}  // namespace
}  // namespace oms::gateway
