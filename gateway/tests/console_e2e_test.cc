// The operations console in a real browser against the real stack: the gateway serves console/
// of the source tree (--console_dir), the suite seeds what each scenario needs through the API
// (and parks a saga through the order database, as an operator would meet it), then runs a
// Playwright scenario (console/tests/<scenario>.mjs, Debian's chromium) and asserts it passed,
// and reads back through the API what the console did. A failed scenario leaves a screenshot in
// the build tree and prints its path.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sys/wait.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/order_json.h"
#include "gateway/tests/raw_connection.h"
#include "gateway/tests/test_keys.h"
#include "tests/support/process.h"
#include "tests/support/service_under_test.h"

namespace oms::gateway {
namespace {

using nlohmann::json;
using testing::Admin;
using testing::Body;
using testing::HttpAnswer;

constexpr char kAdminKey[] = "console-e2e-bootstrap-admin-key-0001";
constexpr char kConsoleDir[] = OMS_SOURCE_DIR "/console";

struct Env {
  testing::GatewayStack stack;
  testing::TestKey key;
  std::string customer;
  std::map<std::string, std::string> warehouses;  // ids by code
};
Env* env = nullptr;

class ConsoleE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->key = testing::MakeRsaKey("console-e2e-key");
    auto seeded = testing::StartWithErika(env->stack, env->key, kAdminKey, 6, 20,
                                          {{"OMS_GATEWAY_CONSOLE_DIR", kConsoleDir}});
    ASSERT_TRUE(seeded.ok()) << seeded.status();
    env->customer = seeded->erika;
    env->warehouses = seeded->warehouses;
  }

  static void TearDownTestSuite() {
    delete env;  // the stack stops every process it started, by PID
    env = nullptr;
  }

  // A confirmed order of one MUG, placed through the API: the order as answered.
  static json PlaceOrder(const std::string& key, const std::string& token = "tok_visa") {
    HttpAnswer placed = Admin("POST", "/v1/orders",
                              testing::HamburgOrderJson(env->customer, "MUG", 1, token).dump(),
                              {"Idempotency-Key: " + key});
    EXPECT_EQ(placed.status, 201) << placed.body;
    return Body(placed);
  }

  // An order whose one parcel shipped, was captured and came back to the sender: it waits for
  // an operator's decision.
  static void ReturnedParcel(const std::string& key, std::string* order_id, std::string* parcel) {
    const json order = PlaceOrder(key);
    *order_id = order.value("id", "");
    ASSERT_FALSE(order.value("shipments", json::array()).empty()) << order.dump();
    *parcel = order["shipments"][0].value("shipmentId", "");
    for (const char* type : {"SHIPPED", "RETURNED_TO_SENDER"}) {
      HttpAnswer event = Admin("POST", "/v1/shipments/" + *parcel + "/events",
                               json{{"type", type},
                                    {"occurredAt", absl::FormatTime(absl::RFC3339_full, absl::Now(),
                                                                    absl::UTCTimeZone())},
                                    {"location", "Hamburg"}}
                                   .dump());
      ASSERT_EQ(event.status, 200) << event.body;
    }
    const auto is_captured = [](const json& body) {
      const json payments = body.value("payments", json::array());
      return payments.size() == 1 && payments[0].contains("captured") &&
             payments[0]["captured"] == payments[0]["authorized"];
    };
    const json captured = testing::PollAdmin("/v1/payments?orderId=" + *order_id, is_captured,
                                             std::chrono::seconds(20));
    ASSERT_TRUE(is_captured(captured)) << captured.dump();
    // order-service has taken the parcel's return in: the order waits for a decision.
    const json waiting = testing::PollAdmin(
        "/v1/orders/" + *order_id, [](const json& o) { return o.value("needsAttention", false); },
        std::chrono::seconds(20));
    ASSERT_TRUE(waiting.value("needsAttention", false)) << waiting.dump();
  }

  // Runs console/tests/<scenario>.mjs with the gateway's URL, the admin key and `vars`; its
  // exit status (0: passed) and its output, for the failure message.
  static std::pair<int, std::string> RunScenario(const std::string& scenario,
                                                 const std::map<std::string, std::string>& vars) {
    const std::string log = absl::StrCat(env->stack.dir, "/", scenario, ".log");
    std::map<std::string, std::string> vars_env = {
        {"OMS_CONSOLE_URL", absl::StrCat("http://127.0.0.1:", env->stack.http_port)},
        {"OMS_CONSOLE_KEY", kAdminKey},
        {"OMS_SCREENSHOT_DIR", OMS_SCREENSHOT_DIR},
        // Loopback only: no proxy in between, whatever the machine's environment says.
        {"NO_PROXY", "*"},
        {"no_proxy", "*"}};
    for (const auto& [name, value] : vars) vars_env[name] = value;
    oms::testing::ChildProcess node;
    absl::Status started = node.Start(
        OMS_NODE_BIN, {absl::StrCat(OMS_SOURCE_DIR, "/console/tests/", scenario, ".mjs")}, vars_env,
        log);
    if (!started.ok()) return {-1, started.ToString()};
    // The scenario ends itself within 2 minutes; this only guards against a hung browser.
    auto status = node.WaitForExit(std::chrono::seconds(180));
    if (!status.ok()) {
      (void)node.Stop(SIGKILL, std::chrono::seconds(5));
      return {-1, absl::StrCat(status.status().ToString(), "\n", oms::testing::ReadFile(log))};
    }
    const int code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
    return {code, oms::testing::ReadFile(log)};
  }
};

TEST_F(ConsoleE2eTest, TheGatewayServesTheConsoleWithItsSecurityHeaders) {
  ASSERT_NE(env, nullptr);
  HttpAnswer page = testing::Call("GET", "/console/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("<script type=\"module\" src=\"/console/app.js\">"), std::string::npos);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(
      page.headers["content-security-policy"],
      "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'");
  EXPECT_EQ(page.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(page.headers["cache-control"], "no-cache");
  // No inline script or style in the page: the policy would block it (the browser scenarios
  // fail on any violation the scripts cause).
  for (std::size_t at = page.body.find("<script"); at != std::string::npos;
       at = page.body.find("<script", at + 1)) {
    const std::string tag = page.body.substr(at, page.body.find('>', at) - at);
    EXPECT_NE(tag.find(" src="), std::string::npos) << tag;
  }
  EXPECT_EQ(page.body.find("<style"), std::string::npos);
  EXPECT_EQ(page.body.find(" style="), std::string::npos);
  HttpAnswer script = testing::Call("GET", "/console/app.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(testing::Call("GET", "/console/..%2f..%2fREADME.md").status, 400);
  EXPECT_EQ(testing::Call("GET", "/console/tests").status, 404);
  EXPECT_EQ(testing::Call("GET", "/console/%2e%2e").status, 400);

  // HEAD: the GET's head with its Content-Length, and no body: the next answer on the same
  // connection starts right after it.
  testing::RawConnection connection;
  ASSERT_TRUE(connection.Connect(env->stack.http_port));
  ASSERT_TRUE(connection.Send(
      "HEAD /console/app.js HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(connection.ReadUntil("SERVING")) << connection.received();
  const std::string& bytes = connection.received();
  EXPECT_EQ(bytes.rfind("HTTP/1.1 200", 0), 0u) << bytes;
  EXPECT_NE(bytes.find(absl::StrCat("Content-Length: ", script.body.size(), "\r\n")),
            std::string::npos)
      << bytes;
  const std::size_t head_end = bytes.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_EQ(bytes.compare(head_end + 4, 12, "HTTP/1.1 200"), 0) << bytes;
}

TEST_F(ConsoleE2eTest, AnOperatorSignsInAndOut) {
  ASSERT_NE(env, nullptr);
  auto [code, output] = RunScenario("sign-in", {});
  EXPECT_EQ(code, 0) << output;
}

TEST_F(ConsoleE2eTest, AnOrderPlacedThroughTheApiIsInTheConsolesList) {
  ASSERT_NE(env, nullptr);
  const json order = PlaceOrder("console-list-1");
  ASSERT_EQ(order.value("status", ""), "ORDER_STATUS_CONFIRMED") << order.dump();
  auto [code, output] = RunScenario(
      "order-list", {{"OMS_ORDER_ID", order.value("id", "")}, {"OMS_CUSTOMER_ID", env->customer}});
  EXPECT_EQ(code, 0) << output;
}

TEST_F(ConsoleE2eTest, TheOrderPageShowsAShipmentEventLiveWithoutAReload) {
  ASSERT_NE(env, nullptr);
  const json order = PlaceOrder("console-live-1");
  const std::string order_id = order.value("id", "");
  ASSERT_FALSE(order["shipments"].empty()) << order.dump();
  const std::string shipment_id = order["shipments"][0].value("shipmentId", "");
  auto [code, output] =
      RunScenario("live-timeline", {{"OMS_ORDER_ID", order_id}, {"OMS_SHIPMENT_ID", shipment_id}});
  EXPECT_EQ(code, 0) << output;
  // What the page showed is what the API says.
  const json shipment = Body(Admin("GET", "/v1/shipments/" + shipment_id));
  EXPECT_EQ(shipment.value("status", ""), "SHIPMENT_STATUS_PACKED") << shipment.dump();
  std::vector<std::string> journal;
  for (const auto& entry : shipment.value("journal", json::array())) {
    journal.push_back(entry.value("type", "") + "@" + entry.value("location", ""));
  }
  EXPECT_EQ(journal, (std::vector<std::string>{"SHIPMENT_EVENT_TYPE_PICKED@Hamburg",
                                               "SHIPMENT_EVENT_TYPE_PACKED@Hamburg dock 3"}))
      << shipment.dump();
}

TEST_F(ConsoleE2eTest, AnOperatorRecordsADeliveryWithAPhotoProof) {
  ASSERT_NE(env, nullptr);
  // A real 1x1 RGB PNG, attached in the dialog by the scenario.
  const std::string png(
      "\x89\x50\x4E\x47\x0D\x0A\x1A\x0A\x00\x00\x00\x0D\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00"
      "\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xDE\x00\x00\x00\x0C\x49\x44\x41\x54\x78\x9C\x63"
      "\xF8\xCF\xC0\x00\x00\x03\x01\x01\x00\xC9\xFE\x92\xEF\x00\x00\x00\x00\x49\x45\x4E\x44\xAE"
      "\x42\x60\x82",
      69);
  const json order = PlaceOrder("console-proof-1");
  const std::string order_id = order.value("id", "");
  ASSERT_FALSE(order["shipments"].empty()) << order.dump();
  const std::string shipment_id = order["shipments"][0].value("shipmentId", "");
  HttpAnswer shipped =
      Admin("POST", "/v1/shipments/" + shipment_id + "/events",
            json{{"type", "SHIPPED"}, {"occurredAt", absl::FormatTime(absl::Now())}}.dump());
  ASSERT_EQ(shipped.status, 200) << shipped.body;
  auto [code, output] =
      RunScenario("proof-photo", {{"OMS_ORDER_ID", order_id},
                                  {"OMS_SHIPMENT_ID", shipment_id},
                                  {"OMS_PROOF_PNG_BASE64", absl::Base64Escape(png)}});
  EXPECT_EQ(code, 0) << output;
  // What the console recorded is what the API says: the delivery with the proof of those bytes.
  const json shipment = Body(Admin("GET", "/v1/shipments/" + shipment_id));
  EXPECT_EQ(shipment.value("status", ""), "SHIPMENT_STATUS_DELIVERED") << shipment.dump();
  std::string uri;
  for (const auto& entry : shipment.value("journal", json::array())) {
    if (entry.value("type", "") == "SHIPMENT_EVENT_TYPE_DELIVERED" && entry.contains("proof")) {
      uri = entry["proof"].value("uri", "");
    }
  }
  ASSERT_FALSE(uri.empty()) << shipment.dump();
  HttpAnswer image = Admin("GET", uri);
  EXPECT_EQ(image.status, 200);
  EXPECT_EQ(image.headers["content-type"], "image/png");
  EXPECT_EQ(image.body, png);
}

TEST_F(ConsoleE2eTest, AnOperatorCancelsAnOrderThroughTheConsole) {
  ASSERT_NE(env, nullptr);
  (void)PlaceOrder("console-cancel-first");  // another order, which must stay as it is
  const json order = PlaceOrder("console-cancel-1");
  const std::string order_id = order.value("id", "");
  ASSERT_EQ(order.value("status", ""), "ORDER_STATUS_CONFIRMED") << order.dump();
  auto [code, output] = RunScenario("cancel", {{"OMS_ORDER_ID", order_id}});
  EXPECT_EQ(code, 0) << output;
  const json after = Body(Admin("GET", "/v1/orders/" + order_id));
  EXPECT_EQ(after.value("status", ""), "ORDER_STATUS_CANCELLED") << after.dump();
}

TEST_F(ConsoleE2eTest, AnOperatorReshipsAParcelReturnedToSender) {
  ASSERT_NE(env, nullptr);
  std::string order_id, parcel;
  ASSERT_NO_FATAL_FAILURE(ReturnedParcel("console-reship-1", &order_id, &parcel));
  auto [code, output] =
      RunScenario("reship", {{"OMS_ORDER_ID", order_id}, {"OMS_SHIPMENT_ID", parcel}});
  EXPECT_EQ(code, 0) << output;
  const json shipments = Body(Admin("GET", "/v1/shipments?orderId=" + order_id));
  ASSERT_EQ(shipments.value("shipments", json::array()).size(), 2u) << shipments.dump();
  int replacements = 0;
  for (const auto& shipment : shipments["shipments"]) {
    replacements += shipment.value("replacesShipmentId", "") == parcel ? 1 : 0;
  }
  EXPECT_EQ(replacements, 1) << shipments.dump();
}

TEST_F(ConsoleE2eTest, AnOperatorRefundsAParcelReturnedToSender) {
  ASSERT_NE(env, nullptr);
  std::string order_id, parcel;
  ASSERT_NO_FATAL_FAILURE(ReturnedParcel("console-refund-1", &order_id, &parcel));
  auto [code, output] =
      RunScenario("refund", {{"OMS_ORDER_ID", order_id}, {"OMS_SHIPMENT_ID", parcel}});
  EXPECT_EQ(code, 0) << output;
  const json payments = Body(Admin("GET", "/v1/payments?orderId=" + order_id));
  ASSERT_EQ(payments.value("payments", json::array()).size(), 1u) << payments.dump();
  EXPECT_EQ(payments["payments"][0]["refunded"], payments["payments"][0]["captured"])
      << payments.dump();
}

TEST_F(ConsoleE2eTest, AnOrdersPageShowsItsDiscountAndShippingCharge) {
  ASSERT_NE(env, nullptr);
  json body = testing::HamburgOrderJson(env->customer, "MUG", 2);
  body["adjustments"] = {{{"kind", "FIXED"},
                          {"amount", {{"currency", "EUR"}, {"amountMinor", "100"}}},
                          {"code", "WELCOME1"}}};
  body["shippingCharge"] = {{"currency", "EUR"}, {"amountMinor", "495"}};
  // The admin key holds every scope, channel:import with them.
  HttpAnswer placed =
      Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: console-discounts-1"});
  ASSERT_EQ(placed.status, 201) << placed.body;
  auto [code, output] = RunScenario("discounts", {{"OMS_ORDER_ID", Body(placed).value("id", "")}});
  EXPECT_EQ(code, 0) << output;
}

TEST_F(ConsoleE2eTest, AnOperatorRetriesAParkedSagaThroughTheConsole) {
  ASSERT_NE(env, nullptr);
  // A declined order: REJECTED, its saga compensated; then parked as a refused compensation
  // leaves it (see GatewayOperationsE2eTest).
  const json declined = PlaceOrder("console-saga-1", "tok_chargeDeclined");
  const std::string order_id = declined.value("id", "");
  ASSERT_EQ(declined.value("status", ""), "ORDER_STATUS_REJECTED") << declined.dump();
  std::string saga_id;
  {
    pqxx::connection connection(env->stack.order->database_url());
    pqxx::work tx(connection);
    saga_id = tx.exec_params1(
                    "UPDATE sagas SET phase = 'NEEDS_ATTENTION', parked_from = 'COMPENSATING', "
                    "  step = 0, attempts = 1, lease_expires_at = '-infinity' "
                    "WHERE order_id = $1::uuid AND kind = 'ORDER' RETURNING id::text",
                    order_id)[0]
                  .as<std::string>();
    tx.exec_params("UPDATE orders SET needs_attention = true WHERE id = $1::uuid", order_id);
    tx.commit();
  }
  auto [code, output] =
      RunScenario("saga-retry", {{"OMS_SAGA_ID", saga_id}, {"OMS_ORDER_ID", order_id}});
  EXPECT_EQ(code, 0) << output;

  // Read back through the API: no longer parked, and the compensation ran to its end.
  const json parked = Body(Admin("GET", "/v1/sagas:parked"));
  for (const auto& saga : parked.value("sagas", json::array())) {
    EXPECT_NE(saga.value("id", ""), saga_id) << parked.dump();
  }
  json order;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    order = Body(Admin("GET", "/v1/orders/" + order_id));
    if (!order.value("needsAttention", false)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(order.value("status", ""), "ORDER_STATUS_REJECTED") << order.dump();
  EXPECT_FALSE(order.value("needsAttention", false)) << order.dump();
}

TEST_F(ConsoleE2eTest, AnOperatorReadsAndAdjustsStockAndSeesAPickQueue) {
  ASSERT_NE(env, nullptr);
  const json order = PlaceOrder("console-stock-1");
  ASSERT_FALSE(order["shipments"].empty()) << order.dump();
  const std::string shipment_id = order["shipments"][0].value("shipmentId", "");
  const std::string warehouse_id = order["shipments"][0].value("warehouseId", "");
  ASSERT_EQ(warehouse_id, env->warehouses["HAM-1"]) << order.dump();
  auto available_at_ham = [] {
    const json availability = Body(Admin("GET", "/v1/products/MUG/availability"));
    for (const auto& level : availability.value("levels", json::array())) {
      if (level.value("warehouseCode", "") == "HAM-1") {
        return std::stoll(level.value("available", "0"));
      }
    }
    return -1LL;
  };
  const long long before = available_at_ham();
  ASSERT_GE(before, 0);
  auto [code, output] =
      RunScenario("stock", {{"OMS_WAREHOUSE_ID", warehouse_id}, {"OMS_SHIPMENT_ID", shipment_id}});
  EXPECT_EQ(code, 0) << output;
  EXPECT_EQ(available_at_ham(), before + 5);
}

// A shipped order's page with its whole timeline, pictured as README.md shows it: the picture
// is made in the build directory (copy it to docs/console-order.png to refresh the README's).
TEST_F(ConsoleE2eTest, AShippedOrdersPageShowsItsTimelineAndShipment) {
  ASSERT_NE(env, nullptr);
  const json order = PlaceOrder("console-readme-1");
  const std::string order_id = order.value("id", "");
  ASSERT_FALSE(order["shipments"].empty()) << order.dump();
  const std::string shipment_id = order["shipments"][0].value("shipmentId", "");
  for (const char* type : {"PICKED", "PACKED", "SHIPPED"}) {
    HttpAnswer event = Admin(
        "POST", "/v1/shipments/" + shipment_id + "/events",
        json{{"type", type},
             {"occurredAt", absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone())},
             {"location", "Hamburg"},
             {"trackingNumber", "00340434161234567890"}}
            .dump());
    ASSERT_EQ(event.status, 200) << event.body;
  }
  const std::string picture = OMS_SCREENSHOT_DIR "/console-order.png";
  std::filesystem::remove(picture);
  auto [code, output] = RunScenario("readme-screenshot",
                                    {{"OMS_ORDER_ID", order_id}, {"OMS_SCREENSHOT_OUT", picture}});
  ASSERT_EQ(code, 0) << output;
  std::ifstream png(picture, std::ios::binary);
  std::string signature(8, '\0');
  png.read(signature.data(), 8);
  EXPECT_EQ(signature, "\x89PNG\r\n\x1a\n");
  EXPECT_GT(std::filesystem::file_size(picture), 10'000u);
}

}  // namespace
}  // namespace oms::gateway
