// The OpenAPI document and the router agree route by route: both come from the route table,
// and this checks the document's every path and method against what the router serves.
#include "gateway/src/openapi.h"

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "gateway/src/backends.h"
#include "gateway/src/gateway.h"
#include "gateway/src/routes.h"

namespace oms::gateway {
namespace {

// The document of every route (channels connect lazily: nothing is called).
nlohmann::json AllRoutesDocument() {
  Backends backends(BackendAddresses{}, nullptr);
  Gateway gateway({}, std::make_unique<Authenticator>("", nullptr), nullptr);
  EXPECT_TRUE(AddAllRoutes(gateway, backends, {}).ok());
  return nlohmann::json::parse(BuildOpenApi(gateway.routes(), "v1"));
}

TEST(OpenApiTest, DocumentAndRouterAgreeRouteByRoute) {
  // Channels connect lazily: nothing is called here.
  Backends backends(BackendAddresses{}, nullptr);
  Gateway gateway({}, std::make_unique<Authenticator>("", nullptr), nullptr);
  ASSERT_TRUE(AddAllRoutes(gateway, backends, {}).ok());
  const auto document = nlohmann::json::parse(BuildOpenApi(gateway.routes(), "v1"));
  EXPECT_EQ(document["openapi"], "3.0.3");

  // Every documented operation is served by exactly the route of that template.
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, operations] : document["paths"].items()) {
    // A concrete path: each {variable} replaced by a value.
    std::string concrete = path;
    for (std::size_t open; (open = concrete.find('{')) != std::string::npos;) {
      concrete.replace(open, concrete.find('}', open) - open + 1, "x1");
    }
    for (const auto& [method, operation] : operations.items()) {
      const std::string upper = absl::AsciiStrToUpper(method);
      documented.insert({upper, path});
      Router::Match match = gateway.router().Find(upper, concrete);
      ASSERT_EQ(match.outcome, Router::Outcome::kFound) << upper << " " << concrete;
      EXPECT_EQ(match.path_template, path);
      const RouteSpec& route = *gateway.routes()[match.route];
      EXPECT_EQ(operation["operationId"], route.operation_id);
      EXPECT_EQ(operation.contains("requestBody"), route.body != nullptr) << path;
      EXPECT_TRUE(operation["responses"].contains(std::to_string(route.success_status))) << path;
      for (int status : ErrorStatuses(route)) {
        EXPECT_TRUE(operation["responses"].contains(std::to_string(status)))
            << path << " " << status;
      }
      EXPECT_EQ(operation["security"].empty(), !route.access.authenticate) << path;
    }
  }
  // And every route is documented.
  std::set<std::pair<std::string, std::string>> served;
  for (const RouteSpec* route : gateway.routes()) served.insert({route->method, route->path});
  EXPECT_EQ(documented, served);

  // The routes the brief lists are all there.
  for (const auto& expected : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/healthz"},
           {"GET", "/readyz"},
           {"GET", "/openapi.json"},
           {"POST", "/v1/products"},
           {"GET", "/v1/products"},
           {"GET", "/v1/products/{sku}"},
           {"POST", "/v1/warehouses"},
           {"GET", "/v1/warehouses"},
           {"POST", "/v1/stock:adjust"},
           {"GET", "/v1/products/{sku}/availability"},
           {"GET", "/v1/shipments"},
           {"GET", "/v1/shipments/{id}"},
           {"POST", "/v1/shipments/{id}/events"},
           {"POST", "/v1/shipments/{id}:shortPick"},
           {"POST", "/v1/shipments/{id}/proofs"},
           {"GET", "/v1/shipments/{id}/proofs/{sha256}"},
           {"GET", "/v1/payments"},
           {"GET", "/v1/invoices"},
           {"POST", "/v1/orders"},
           {"GET", "/v1/orders"},
           {"GET", "/v1/orders/{id}"},
           {"POST", "/v1/customers"},
           {"GET", "/v1/customers/{id}"},
           {"POST", "/v1/orders/{id}:cancel"},
           {"GET", "/v1/orders/{id}/timeline"},
           {"POST", "/v1/orders/{id}/returns"},
           {"POST", "/v1/returns/{id}:receive"},
           {"GET", "/v1/orders/{id}:watch"},
           {"POST", "/v1/apiKeys"},
           {"GET", "/v1/apiKeys"},
           {"DELETE", "/v1/apiKeys/{id}"}}) {
    EXPECT_EQ(served.count(expected), 1u) << expected.first << " " << expected.second;
  }
}

TEST(OpenApiTest, EveryPostTakesAnIdempotencyKeyAndDocumentsItsAnswers) {
  const auto document = AllRoutesDocument();
  int posts = 0;
  for (const auto& [path, operations] : document["paths"].items()) {
    if (!operations.contains("post")) continue;
    ++posts;
    const auto& post = operations["post"];
    bool has_key = false;
    for (const auto& parameter : post["parameters"]) {
      has_key = has_key || (parameter["name"] == "Idempotency-Key" && parameter["in"] == "header");
    }
    EXPECT_TRUE(has_key) << path;
    for (const char* status : {"409", "422"}) {
      ASSERT_TRUE(post["responses"].contains(status)) << path << " " << status;
      EXPECT_NE(post["responses"][status]["description"].get<std::string>().find("IDEMPOTENCY_KEY"),
                std::string::npos)
          << path << " " << status;
    }
    for (const auto& [status, answer] : post["responses"].items()) {
      if (status[0] == '2') {
        EXPECT_TRUE(answer["headers"].contains("Idempotent-Replayed")) << path << " " << status;
      }
    }
  }
  EXPECT_GE(posts, 10);
  // The watch answers an event stream.
  const auto& watch = document["paths"]["/v1/orders/{id}:watch"]["get"];
  EXPECT_TRUE(watch["responses"]["200"]["content"].contains("text/event-stream"));
  EXPECT_EQ(watch["x-oms-scope"], "orders:read");
  EXPECT_TRUE(watch["responses"].contains("404"));
  EXPECT_TRUE(watch["responses"].contains("503"));
}

// API keys: created with an optional expiry, in an answer nothing may keep; listed by admins
// only, paginated, without secrets.
TEST(OpenApiTest, ApiKeyRoutesDocumentExpiryNoStoreAndTheAdminList) {
  const auto document = AllRoutesDocument();
  const auto& schemas = document["components"]["schemas"];

  const auto& create = document["paths"]["/v1/apiKeys"]["post"];
  EXPECT_EQ(create["x-oms-scope"], "admin");
  const auto& no_store = create["responses"]["201"]["headers"]["Cache-Control"];
  EXPECT_EQ(no_store["schema"]["enum"][0], "no-store") << create["responses"]["201"].dump();
  EXPECT_NE(create["summary"].get<std::string>().find("expireTime"), std::string::npos);
  const auto& body = create["requestBody"]["content"]["application/json"]["schema"]["properties"];
  EXPECT_EQ(body["expireTime"]["format"], "date-time") << body.dump();
  // Only the route whose answer holds a secret says no-store.
  EXPECT_FALSE(document["paths"]["/v1/orders"]["post"]["responses"]["201"]["headers"].contains(
      "Cache-Control"));

  const auto& list = document["paths"]["/v1/apiKeys"]["get"];
  EXPECT_EQ(list["operationId"], "ListApiKeys");
  EXPECT_EQ(list["x-oms-scope"], "admin");
  EXPECT_TRUE(list["responses"].contains("403"));
  std::set<std::string> parameters;
  for (const auto& parameter : list["parameters"]) parameters.insert(parameter["name"]);
  EXPECT_EQ(parameters.count("pageSize"), 1u);
  EXPECT_EQ(parameters.count("pageToken"), 1u);
  EXPECT_EQ(list["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/oms.order.v1.ListApiKeysResponse");
  const auto& listed = schemas["oms.order.v1.ListApiKeysResponse"]["properties"];
  EXPECT_TRUE(listed.contains("apiKeys"));
  EXPECT_TRUE(listed.contains("nextPageToken"));
  // A listed key has its expiry and no secret of any kind.
  const auto& key = schemas["oms.order.v1.ApiKey"]["properties"];
  EXPECT_EQ(key["expireTime"]["format"], "date-time");
  for (const auto& [name, property] : key.items()) {
    EXPECT_EQ(absl::AsciiStrToLower(name).find("secret"), std::string::npos) << name;
    EXPECT_EQ(absl::AsciiStrToLower(name).find("hash"), std::string::npos) << name;
  }
}

TEST(OpenApiTest, SchemasFollowTheJsonMapping) {
  const auto document = AllRoutesDocument();
  const auto& schemas = document["components"]["schemas"];
  const auto& money = schemas["oms.common.v1.Money"]["properties"];
  EXPECT_EQ(money["amountMinor"]["type"], "string");
  EXPECT_EQ(money["currency"]["type"], "string");
  const auto& shipment = schemas["oms.shipping.v1.Shipment"]["properties"];
  EXPECT_EQ(shipment["createTime"]["format"], "date-time");
  EXPECT_EQ(shipment["journal"]["type"], "array");
  EXPECT_EQ(shipment["status"]["enum"][0], "SHIPMENT_STATUS_UNSPECIFIED");
  // The fields the gateway sets are not in the documented body.
  const auto& adjust = document["paths"]["/v1/stock:adjust"]["post"];
  const auto& body = adjust["requestBody"]["content"]["application/json"]["schema"]["properties"];
  EXPECT_FALSE(body.contains("requestId"));
  EXPECT_TRUE(body.contains("warehouseId"));
  EXPECT_TRUE(adjust["responses"].contains("422"));
  EXPECT_EQ(adjust["parameters"][0]["name"], "Idempotency-Key");
  EXPECT_TRUE(adjust["parameters"][0]["required"]);
  // POST /v1/orders: every success status it answers, the key required, the ids it sets not in
  // the body.
  const auto& create = document["paths"]["/v1/orders"]["post"];
  for (const char* status : {"200", "201", "202", "422"}) {
    EXPECT_TRUE(create["responses"].contains(status)) << status;
  }
  EXPECT_EQ(create["responses"]["202"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/oms.order.v1.Order");
  const auto& order_body =
      create["requestBody"]["content"]["application/json"]["schema"]["properties"];
  EXPECT_FALSE(order_body.contains("requestId"));
  EXPECT_FALSE(order_body.contains("clientId"));
  EXPECT_TRUE(order_body.contains("customerId"));
  EXPECT_EQ(create["x-oms-scope"], "orders:write");
  // The cancellation's reason is optional; a return's conflicts and refusals are documented.
  const auto& cancel = document["paths"]["/v1/orders/{id}:cancel"]["post"];
  EXPECT_FALSE(cancel["requestBody"]["required"]);
  EXPECT_TRUE(cancel["responses"].contains("409"));
  const auto& receive = document["paths"]["/v1/returns/{id}:receive"]["post"];
  EXPECT_EQ(receive["x-oms-scope"], "shipments:write");
  EXPECT_TRUE(receive["responses"].contains("409"));
  EXPECT_TRUE(receive["responses"].contains("422"));
  EXPECT_TRUE(document["paths"]["/v1/orders/{id}/returns"]["post"]["responses"].contains("201"));
  // A short pick: a warehouse's, the ids and the warehouse binding the gateway sets not in the
  // body.
  const auto& short_pick = document["paths"]["/v1/shipments/{id}:shortPick"]["post"];
  EXPECT_EQ(short_pick["x-oms-scope"], "shipments:write");
  EXPECT_TRUE(short_pick["responses"].contains("409"));
  EXPECT_TRUE(short_pick["responses"].contains("404"));
  const auto& short_body =
      short_pick["requestBody"]["content"]["application/json"]["schema"]["properties"];
  EXPECT_TRUE(short_body.contains("missing"));
  EXPECT_TRUE(short_body.contains("note"));
  for (const char* set_by_gateway : {"requestId", "shipmentId", "warehouseId"}) {
    EXPECT_FALSE(short_body.contains(set_by_gateway)) << set_by_gateway;
  }
  // Every $ref resolves.
  std::function<void(const nlohmann::json&)> check = [&](const nlohmann::json& node) {
    if (node.is_object()) {
      if (node.contains("$ref")) {
        const std::string ref = node["$ref"];
        const std::string prefix = "#/components/schemas/";
        ASSERT_EQ(ref.rfind(prefix, 0), 0u) << ref;
        EXPECT_TRUE(schemas.contains(ref.substr(prefix.size()))) << ref;
      }
      for (const auto& [key, value] : node.items()) check(value);
    } else if (node.is_array()) {
      for (const auto& value : node) check(value);
    }
  };
  check(document);
}

// Each group's OpenAPI tag and deadline on every route: the group's own, the order deadline for
// placing an order, and the fixed ones of the system and console routes.
TEST(RoutesTest, EveryRouteHasItsGroupsTagAndDeadline) {
  using std::chrono::milliseconds;
  Backends backends(BackendAddresses{}, nullptr);
  Gateway gateway({}, std::make_unique<Authenticator>("", nullptr), nullptr);
  RouteOptions options;
  options.deadline = milliseconds(3000);
  options.order_deadline = milliseconds(9000);
  ASSERT_TRUE(AddAllRoutes(gateway, backends, options).ok());
  const std::map<std::string, std::pair<std::string, milliseconds>> expected = {
      {"Healthz", {"system", milliseconds(5000)}},
      {"Readyz", {"system", milliseconds(2000)}},
      {"OpenApi", {"system", milliseconds(5000)}},
      {"CreateApiKey", {"apiKeys", options.deadline}},
      {"ListApiKeys", {"apiKeys", options.deadline}},
      {"RevokeApiKey", {"apiKeys", options.deadline}},
      {"CreateProduct", {"catalog", options.deadline}},
      {"ListProducts", {"catalog", options.deadline}},
      {"GetProduct", {"catalog", options.deadline}},
      {"GetAvailability", {"catalog", options.deadline}},
      {"CreateWarehouse", {"catalog", options.deadline}},
      {"ListWarehouses", {"catalog", options.deadline}},
      {"AdjustStock", {"catalog", options.deadline}},
      {"UpdateProduct", {"catalog", options.deadline}},
      {"PlanAllocation", {"catalog", options.deadline}},
      {"CreateOrder", {"orders", options.order_deadline}},
      {"ListOrders", {"orders", options.deadline}},
      {"GetOrder", {"orders", options.deadline}},
      {"CreateCustomer", {"customers", options.deadline}},
      {"GetCustomer", {"customers", options.deadline}},
      {"ListCustomers", {"customers", options.deadline}},
      {"UpdateCustomer", {"customers", options.deadline}},
      {"ListParkedSagas", {"sagas", options.deadline}},
      {"RetrySaga", {"sagas", options.deadline}},
      {"ResolveSaga", {"sagas", options.deadline}},
      {"CancelOrder", {"orders", options.deadline}},
      {"ModifyOrder", {"orders", options.deadline}},
      {"GetOrderTimeline", {"orders", options.deadline}},
      {"ListNotifications", {"orders", options.deadline}},
      {"CreateReturn", {"orders", options.deadline}},
      {"ReceiveReturn", {"orders", options.deadline}},
      {"ListReturns", {"orders", options.deadline}},
      {"GetReturn", {"orders", options.deadline}},
      {"WatchOrder", {"orders", options.deadline}},
      {"ListShipments", {"shipping", options.deadline}},
      {"GetShipment", {"shipping", options.deadline}},
      {"RecordShipmentEvent", {"shipping", options.deadline}},
      {"ReportShortPick", {"shipping", options.deadline}},
      {"ReshipShipment", {"shipping", options.deadline}},
      {"RefundShipment", {"shipping", options.deadline}},
      {"UploadProof", {"shipping", options.deadline}},
      {"GetProof", {"shipping", options.deadline}},
      {"ListPickQueue", {"shipping", options.deadline}},
      {"ListPayments", {"billing", options.deadline}},
      {"ListInvoices", {"billing", options.deadline}},
      {"ListEvents", {"events", options.deadline}},
      {"GetConsumerLag", {"events", options.deadline}},
      {"CreateWebhook", {"webhooks", options.deadline}},
      {"ListWebhooks", {"webhooks", options.deadline}},
      {"DeleteWebhook", {"webhooks", options.deadline}},
      {"ListWebhookDeliveries", {"webhooks", options.deadline}},
      {"RedeliverWebhook", {"webhooks", options.deadline}},
      {"Console", {"console", milliseconds(5000)}},
      {"HeadConsole", {"console", milliseconds(5000)}},
      {"ConsoleIndex", {"console", milliseconds(5000)}},
      {"HeadConsoleIndex", {"console", milliseconds(5000)}},
      {"ConsoleFile", {"console", milliseconds(5000)}},
      {"HeadConsoleFile", {"console", milliseconds(5000)}}};
  std::map<std::string, std::pair<std::string, milliseconds>> actual;
  for (const RouteSpec* route : gateway.routes()) {
    actual[route->operation_id] = {route->tag, route->deadline};
  }
  EXPECT_EQ(actual, expected);
}

// A refused route stops its group: those before it are registered, none after it.
TEST(RoutesTest, AddRoutesStopsAtTheFirstRefusal) {
  Gateway gateway({}, std::make_unique<Authenticator>("", nullptr), nullptr);
  std::vector<RouteSpec> routes(3);
  for (int i = 0; i < 3; ++i) {
    routes[i].method = "GET";
    routes[i].path = "/v1/things/" + std::to_string(i);
    routes[i].handler = [](std::shared_ptr<Exchange>) {};
  }
  routes[1].handler = nullptr;
  EXPECT_FALSE(AddRoutes(gateway, std::move(routes), "things", std::chrono::milliseconds(7)).ok());
  ASSERT_EQ(gateway.routes().size(), 1u);
  EXPECT_EQ(gateway.routes()[0]->tag, "things");
  EXPECT_EQ(gateway.routes()[0]->deadline, std::chrono::milliseconds(7));
}

}  // namespace
}  // namespace oms::gateway
