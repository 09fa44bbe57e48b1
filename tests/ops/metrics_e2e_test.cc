// The metrics review of the whole suite, on the five real processes: every /metrics is scraped
// as it starts and after orders went through their lives (placed, shipped, delivered, returned
// and refunded; declined; out of stock), twice over. Each exposition passes `promtool check
// metrics`; each process exposes the go-grpc-prometheus server and client families for every
// method it serves or calls, its process and pool metrics and its domain metrics, all before the
// first request; the domain metrics move with the orders; no label grows with them, nor with
// the HTTP methods and gRPC method names clients make up; and every metric a dashboard or an
// alert rule in ops/ reads is one that some process really exposes.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/testing/scrape.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/http_client.h"
#include "gateway/tests/order_json.h"
#include "gateway/tests/test_keys.h"
#include "oms/billing/v1/billing.pb.h"
#include "oms/inventory/v1/inventory.pb.h"
#include "oms/order/v1/idempotency.pb.h"
#include "oms/order/v1/order.pb.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "tests/ops/dashboard_queries.h"
#include "tests/ops/exposition.h"
#include "tests/ops/promql_names.h"
#include "tests/ops/rules_file.h"
#include "tests/support/order_fixtures.h"

namespace oms::ops {
namespace {

using gateway::testing::HttpAnswer;
using gateway::testing::HttpCall;
using nlohmann::json;
namespace shp = oms::shipping::v1;

constexpr char kAdminKey[] = "ops-metrics-e2e-bootstrap-admin-key-0123";
// One PACK: 79.99 EUR and German VAT of 15.20.
constexpr double kPackTotalMinor = 7999 + 1520;

// Metrics that dashboards and rules read from outside the suite.
const std::map<std::string, std::string>& ExternalMetrics() {
  static const std::map<std::string, std::string> kExternal = {
      // Prometheus itself: whether the last scrape of a target succeeded.
      {"up", "Prometheus"},
      // kube-state-metrics: container restarts, for the crash-loop alert and the overview.
      {"kube_pod_container_status_restarts_total", "kube-state-metrics"},
      // omsctl check, pushed to the Pushgateway by the invariant-check CronJob
      // (tools/omsctl/check_command.cc names them).
      {"oms_invariant_violations", "omsctl check"},
      {"oms_invariant_check_last_success_timestamp_seconds", "omsctl check"},
  };
  return kExternal;
}

// go-grpc-prometheus' grpc_code values: Go's codes.Code.String().
const std::vector<std::string>& GrpcCodes() {
  static const std::vector<std::string> kCodes = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  return kCodes;
}

// What one process must expose (by process name, which is also oms_build_info's service label).
struct Expected {
  std::vector<std::string> served;  // gRPC services it serves: grpc_server_*
  std::vector<std::string> called;  // gRPC services it calls: grpc_client_*
  bool pool;                        // a PostgreSQL pool: oms_db_pool_*
  std::vector<std::string> domain;  // its own families, there from the start
  std::vector<std::string> on_use;  // its own families whose series appear with their first
                                    // label value (a currency, a route template)
};

// order-service also keeps the gateway's idempotency records.
const std::vector<std::string> kOrderServices = {"oms.order.v1.OrderService",
                                                 "oms.order.v1.IdempotencyService"};
const std::vector<std::string> kInventoryService = {"oms.inventory.v1.InventoryService"};
const std::vector<std::string> kBillingService = {"oms.billing.v1.BillingService"};
const std::vector<std::string> kShippingService = {"oms.shipping.v1.ShippingService"};

const std::map<std::string, Expected>& Processes() {
  static const std::map<std::string, Expected> kProcesses = {
      {"order-service",
       {kOrderServices,
        {kInventoryService[0], kBillingService[0], kShippingService[0]},
        true,
        {"oms_order_orders_created_total", "oms_order_sagas_finished_total",
         "oms_order_saga_steps_total", "oms_order_saga_step_duration_seconds",
         "oms_order_sagas_in_flight", "oms_order_sagas_needs_attention",
         "oms_order_oldest_running_saga_age_seconds", "oms_order_event_consumer_lag_seconds",
         "oms_order_watch_streams"},
        {}}},
      {"inventory-service",
       {kInventoryService,
        {},
        true,
        {"oms_inventory_reservations_total", "oms_inventory_shortfalls_total",
         "oms_inventory_reservations_expired_total", "oms_inventory_allocation_warehouses",
         "oms_inventory_stock_movements_total", "oms_inventory_invariant_violations"},
        {}}},
      {"billing-service",
       {kBillingService,
        {},
        true,
        {"oms_billing_provider_calls_total", "oms_billing_provider_call_duration_seconds"},
        {"oms_billing_captured_minor_units_total", "oms_billing_refunded_minor_units_total"}}},
      {"shipping-service",
       {kShippingService,
        {},
        true,
        {"oms_shipping_shipments_created_total", "oms_shipping_shipments_cancelled_total",
         "oms_shipping_journal_events_total", "oms_shipping_status_transitions_total",
         "oms_shipping_stream_subscribers", "oms_shipping_outbox_lag_seconds"},
        {}}},
      {"gateway",
       {{},
        {kInventoryService[0], kBillingService[0], kShippingService[0], kOrderServices[0],
         kOrderServices[1]},
        false,
        {"http_server_requests_in_flight", "oms_gateway_rate_limited_total",
         "oms_gateway_overloaded_total", "oms_gateway_auth_rejected_total",
         "oms_gateway_idempotency_keys_total", "oms_gateway_open_streams"},
        {"http_server_requests_total", "http_server_request_duration_seconds"}}},
  };
  return kProcesses;
}

const std::vector<std::string> kProcessFamilies = {
    "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
    "process_start_time_seconds", "oms_build_info"};
const std::vector<std::string> kRpcFamilies = {
    "started_total", "handled_total", "msg_received_total", "msg_sent_total", "handling_seconds"};
const std::vector<std::string> kPoolFamilies = {"oms_db_pool_connections",
                                                "oms_db_pool_wait_seconds"};

const google::protobuf::ServiceDescriptor* ServiceNamed(const std::string& name) {
  // Each message's file carries its service; naming them links the descriptors in.
  for (const auto* file : {order::v1::CreateOrderRequest::descriptor()->file(),
                           order::v1::ClaimIdempotencyKeyRequest::descriptor()->file(),
                           inventory::v1::ReserveStockRequest::descriptor()->file(),
                           billing::v1::AuthorizePaymentRequest::descriptor()->file(),
                           shp::CreateShipmentsRequest::descriptor()->file()}) {
    if (const auto* service = file->pool()->FindServiceByName(name)) return service;
  }
  return nullptr;
}

std::string RpcType(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming() && method.server_streaming()) return "bidi_stream";
  if (method.client_streaming()) return "client_stream";
  if (method.server_streaming()) return "server_stream";
  return "unary";
}

bool HasFamily(const Exposition& exposition, const std::string& family) {
  for (const auto& sample : exposition.samples) {
    if (FamilyOf(exposition, sample.name) == family) return true;
  }
  return false;
}

// Runs a command; its exit status and what it printed.
std::pair<int, std::string> RunCommand(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "cannot run " + command};
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

json Body(const HttpAnswer& answer) { return json::parse(answer.body, nullptr, false); }

struct Env {
  gateway::testing::GatewayStack stack;
  gateway::testing::TestKey key;
  std::string customer_id;
  // Scrapes by process: as started, after the first round of orders, after the second.
  std::map<std::string, std::string> fresh, after_first, after_second;
  absl::Status setup = absl::UnknownError("not started");
};
Env* env = nullptr;

std::string MetricsUrl(const std::string& process) {
  const auto& stack = env->stack;
  int port = stack.metrics_port;
  if (process == "order-service") port = stack.order->metrics_port();
  if (process == "inventory-service") port = stack.inventory->metrics_port();
  if (process == "billing-service") port = stack.billing->metrics_port();
  if (process == "shipping-service") port = stack.shipping->metrics_port();
  return absl::StrCat("http://127.0.0.1:", port, "/metrics");
}

absl::StatusOr<std::map<std::string, std::string>> ScrapeAll() {
  std::map<std::string, std::string> scrapes;
  for (const auto& [process, expected] : Processes()) {
    auto text = oms::testing::HttpGet(MetricsUrl(process));
    if (!text.ok()) return text.status();
    scrapes[process] = *text;
  }
  return scrapes;
}

Exposition Parsed(const std::string& text) {
  auto exposition = ParseExposition(text);
  EXPECT_TRUE(exposition.ok()) << exposition.status();
  return exposition.ok() ? *exposition : Exposition();
}

HttpAnswer Admin(const std::string& method, const std::string& path, const json& body = nullptr,
                 const std::string& idempotency_key = "") {
  std::vector<std::string> headers = {absl::StrCat("Authorization: Bearer ", kAdminKey)};
  if (!idempotency_key.empty()) headers.push_back("Idempotency-Key: " + idempotency_key);
  if (!body.is_null()) headers.push_back("Content-Type: application/json");
  return HttpCall(method, absl::StrCat("http://127.0.0.1:", env->stack.http_port, path), headers,
                  body.is_null() ? "" : body.dump(), method == "POST");
}

// Polls until `done` holds, for at most 30 s.
bool Eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Polls until the process exposes at least `at_least` in the samples named `name` with `labels`.
bool WaitForMetric(const std::string& process, const std::string& name, const Labels& labels,
                   double at_least) {
  return Eventually([&] {
    auto text = oms::testing::HttpGet(MetricsUrl(process));
    if (!text.ok()) return false;
    auto exposition = ParseExposition(*text);
    return exposition.ok() && Total(*exposition, name, labels) >= at_least;
  });
}

// Why a call went wrong, with the order-service log that usually says more.
absl::Status Unexpected(const std::string& what, const std::string& detail) {
  return absl::UnknownError(
      absl::StrCat(what, ": ", detail, "\norder-service log:\n", env->stack.order->log()));
}

absl::StatusOr<json> PlaceOrder(const std::string& key, const std::string& sku, int quantity,
                                const std::string& token, const std::string& status) {
  const json body = gateway::testing::HamburgOrderJson(env->customer_id, sku, quantity, token);
  HttpAnswer placed = Admin("POST", "/v1/orders", body, key);
  json order = Body(placed);
  if (placed.status != 201 || order.value("status", "") != status) {
    return Unexpected(absl::StrCat("order ", key, " should be ", status),
                      absl::StrCat(placed.status, " ", placed.body));
  }
  return order;
}

absl::Status PostEvent(const std::string& shipment_id, const std::string& type,
                       const std::string& key) {
  HttpAnswer event =
      Admin("POST", "/v1/shipments/" + shipment_id + "/events",
            json{{"type", "SHIPMENT_EVENT_TYPE_" + type},
                 {"occurredAt", google::protobuf::util::TimeUtil::ToString(
                                    google::protobuf::util::TimeUtil::GetCurrentTime())},
                 {"location", "Hamburg"}},
            key);
  if (event.status != 200) return Unexpected("event " + type, event.body);
  return absl::OkStatus();
}

// A call of `method`, which no service has; the answer must be UNIMPLEMENTED, or PERMISSION_DENIED
// under mTLS, where no peer table lists it and the call is refused before the server counts it.
absl::Status CallUnknownMethod(const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& method) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  const grpc::Status status = done.get_future().get();
  if (status.error_code() != grpc::StatusCode::UNIMPLEMENTED &&
      status.error_code() != grpc::StatusCode::PERMISSION_DENIED) {
    return Unexpected(method,
                      absl::StrCat("answered ", status.error_code(), " ", status.error_message()));
  }
  return absl::OkStatus();
}

// One round of orders, each in its own way through its life: one PACK placed, shipped,
// delivered, returned and refunded; one declined by the card; one out of stock. Every round
// differs from the last only in its ids, so a label that grows with orders shows as new series.
absl::Status OrderRound(int round) {
  const std::string prefix = absl::StrCat("ops-", round, "-");
  auto order = PlaceOrder(prefix + "ok", "PACK", 1, "tok_visa", "ORDER_STATUS_CONFIRMED");
  if (!order.ok()) return order.status();
  const std::string order_id = (*order)["id"];
  if ((*order)["shipments"].size() != 1) return Unexpected("one shipment", order->dump());
  const std::string shipment_id = (*order)["shipments"][0]["shipmentId"];
  for (const char* type : {"SHIPPED", "DELIVERED"}) {
    absl::Status posted = PostEvent(shipment_id, type, prefix + type);
    if (!posted.ok()) return posted;
  }
  if (!Eventually([&] {
        return Body(Admin("GET", "/v1/orders/" + order_id)).value("status", "") ==
               "ORDER_STATUS_COMPLETED";
      })) {
    return Unexpected("order " + order_id, "never COMPLETED");
  }

  HttpAnswer returned =
      Admin("POST", "/v1/orders/" + order_id + "/returns",
            json{{"lines", {{{"sku", "PACK"}, {"quantity", "1"}}}}, {"reason", "too small"}},
            prefix + "return");
  if (returned.status != 201) return Unexpected("return", returned.body);
  const json rma = Body(returned);
  // Until order-service has recorded the return shipment, a receipt answers 409
  // RETURN_SHIPMENT_PENDING; waiting for the record keeps every round's answers (and so the
  // gateway's code labels) the same.
  const std::string return_path = "/v1/returns/" + rma["id"].get<std::string>();
  if (!Eventually(
          [&] { return !Body(Admin("GET", return_path)).value("returnShipmentId", "").empty(); })) {
    return Unexpected("return " + return_path, "never got its return shipment");
  }
  HttpAnswer received =
      Admin("POST", return_path + ":receive",
            json{{"warehouseId", rma["warehouseId"]},
                 {"lines", {{{"sku", "PACK"}, {"quantity", "1"}, {"resellable", true}}}}},
            prefix + "receive");
  if (received.status != 200) return Unexpected("receipt", received.body);

  // Any client can send a method no route knows; it must not become a label value of its own.
  HttpAnswer odd = HttpCall(absl::StrCat("OMSPROBE", round),
                            absl::StrCat("http://127.0.0.1:", env->stack.http_port, "/v1/orders"));
  if (odd.status < 400) return Unexpected("an unknown method", odd.body);
  // Nor can a gRPC method name chosen by a client.
  for (const auto* service : {env->stack.order.get(), env->stack.inventory.get(),
                              env->stack.billing.get(), env->stack.shipping.get()}) {
    absl::Status refused =
        CallUnknownMethod(service->channel(), absl::StrCat("/oms.probe.v1.Probe", round, "/Call"));
    if (!refused.ok()) return refused;
  }

  auto declined =
      PlaceOrder(prefix + "declined", "PACK", 1, "tok_chargeDeclined", "ORDER_STATUS_REJECTED");
  if (!declined.ok()) return declined.status();
  auto short_of_stock =
      PlaceOrder(prefix + "short", "PACK", 500, "tok_visa", "ORDER_STATUS_REJECTED");
  if (!short_of_stock.ok()) return short_of_stock.status();

  // The capture and the refund run after the answers; their series must be there to compare.
  for (const char* family :
       {"oms_billing_captured_minor_units_total", "oms_billing_refunded_minor_units_total"}) {
    if (!WaitForMetric("billing-service", family, {{"currency", "EUR"}}, round * kPackTotalMinor)) {
      return Unexpected(family, absl::StrCat("never reached ", round * kPackTotalMinor));
    }
  }
  return absl::OkStatus();
}

// Starts the processes, scrapes them fresh, then after each of two rounds of orders.
absl::Status StartAndRunOrders() {
  env->key = gateway::testing::MakeRsaKey("ops-e2e-key");
  absl::Status status = env->stack.Start(kAdminKey, {&env->key});
  if (!status.ok()) return status;
  auto fresh = ScrapeAll();  // before any request but the harness' health checks
  if (!fresh.ok()) return fresh.status();
  env->fresh = *fresh;

  auto seeded = oms::testing::SeedTwoWarehouses(env->stack.inventory->channel(), 10, 10);
  if (!seeded.ok()) return seeded.status();
  auto customer =
      oms::testing::CreateHamburgCustomer(env->stack.order->channel(), "erika@example.com");
  if (!customer.ok()) return customer.status();
  env->customer_id = *customer;

  std::map<std::string, std::string>* after[] = {&env->after_first, &env->after_second};
  for (int round = 1; round <= 2; ++round) {
    status = OrderRound(round);
    if (!status.ok()) return status;
    auto scraped = ScrapeAll();
    if (!scraped.ok()) return scraped.status();
    *after[round - 1] = *scraped;
  }
  return absl::OkStatus();
}

class MetricsE2eTest : public ::testing::Test {
 protected:
  // No assertion here: gtest would report a failed suite set-up as skipped tests. Each test
  // fails instead, with the reason.
  static void SetUpTestSuite() {
    env = new Env;
    env->setup = StartAndRunOrders();
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(env, nullptr);
    ASSERT_TRUE(env->setup.ok()) << "the processes or the orders failed: " << env->setup;
  }
};

TEST_F(MetricsE2eTest, EveryExpositionPassesPromtool) {
  for (const auto* scrapes : {&env->fresh, &env->after_first, &env->after_second}) {
    for (const auto& [process, text] : *scrapes) {
      absl::Status checked = oms::testing::PromtoolCheckMetrics(text);
      EXPECT_TRUE(checked.ok()) << process << ": " << checked;
    }
  }
}

TEST_F(MetricsE2eTest, EveryProcessExposesItsFamiliesBeforeItsFirstRequest) {
  for (const auto& [process, expected] : Processes()) {
    SCOPED_TRACE(process);
    const Exposition fresh = Parsed(env->fresh.at(process));
    const Exposition later = Parsed(env->after_second.at(process));
    std::vector<std::string> families = kProcessFamilies;
    if (expected.pool) families.insert(families.end(), kPoolFamilies.begin(), kPoolFamilies.end());
    families.insert(families.end(), expected.domain.begin(), expected.domain.end());
    for (const auto& family : families) {
      EXPECT_TRUE(HasFamily(fresh, family)) << family << " is missing at start";
    }
    for (const auto& family : expected.on_use) {
      EXPECT_TRUE(HasFamily(later, family)) << family << " is missing after use";
    }
    EXPECT_EQ(Total(fresh, "oms_build_info", {{"service", process}}), 1);
    if (expected.pool) {
      EXPECT_GE(Total(fresh, "oms_db_pool_connections", {{"state", "idle"}}), 0);
      EXPECT_GE(Total(fresh, "oms_db_pool_connections", {{"state", "in_use"}}), 0);
    }

    // Every method served or called, with every status code, before the first call.
    for (const auto& [side, services] : {std::pair{std::string("grpc_server_"), expected.served},
                                         std::pair{std::string("grpc_client_"), expected.called}}) {
      for (const auto& family : kRpcFamilies) {
        if (!services.empty()) {
          EXPECT_TRUE(HasFamily(fresh, side + family)) << side + family;
        }
      }
      for (const auto& service_name : services) {
        const auto* service = ServiceNamed(service_name);
        ASSERT_NE(service, nullptr) << service_name;
        for (int i = 0; i < service->method_count(); ++i) {
          const auto& method = *service->method(i);
          const Labels labels = {{"grpc_service", service_name},
                                 {"grpc_method", method.name()},
                                 {"grpc_type", RpcType(method)}};
          for (const char* name : {"started_total", "msg_received_total", "msg_sent_total",
                                   "handling_seconds_count", "handling_seconds_sum"}) {
            EXPECT_GE(Total(fresh, side + name, labels), 0)
                << side << name << " " << service_name << "/" << method.name();
          }
          for (const auto& code : GrpcCodes()) {
            Labels with_code = labels;
            with_code["grpc_code"] = code;
            EXPECT_GE(Total(fresh, side + "handled_total", with_code), 0)
                << side << "handled_total " << service_name << "/" << method.name() << " " << code;
          }
        }
      }
    }
  }
}

TEST_F(MetricsE2eTest, AnOrderLifeMovesTheDomainMetrics) {
  std::map<std::string, Exposition> after;
  for (const auto& [process, text] : env->after_first) after[process] = Parsed(text);
  const Exposition& order = after["order-service"];
  EXPECT_GE(Total(order, "oms_order_orders_created_total"), 3);
  EXPECT_GE(Total(order, "oms_order_sagas_finished_total", {{"phase", "COMPLETED"}}), 1);
  EXPECT_GE(Total(order, "oms_order_sagas_finished_total", {{"phase", "COMPENSATED"}}), 2);
  EXPECT_GE(Total(order, "oms_order_saga_steps_total", {{"action", "FORWARD"}, {"outcome", "OK"}}),
            3);
  EXPECT_GE(Total(order, "oms_order_saga_steps_total", {{"action", "COMPENSATE"}}), 1);
  EXPECT_GE(Total(order, "oms_order_saga_step_duration_seconds_count"), 3);
  EXPECT_GE(Total(order, "oms_order_event_consumer_lag_seconds", {{"stream", "shipping"}}), 0);
  EXPECT_GE(Total(order, "grpc_server_msg_received_total", {{"grpc_method", "CreateOrder"}}), 3);
  EXPECT_GE(Total(order, "grpc_server_msg_sent_total", {{"grpc_method", "CreateOrder"}}), 3);
  EXPECT_GE(Total(order, "grpc_client_handled_total",
                  {{"grpc_method", "ReserveStock"}, {"grpc_code", "OK"}}),
            2);
  EXPECT_GE(Total(order, "grpc_client_msg_sent_total", {{"grpc_method", "ReserveStock"}}), 2);
  // The shipment feed: one stream, a message per shipment event.
  EXPECT_GE(Total(order, "grpc_client_started_total", {{"grpc_method", "StreamEvents"}}), 1);
  EXPECT_GE(Total(order, "grpc_client_msg_received_total", {{"grpc_method", "StreamEvents"}}), 2);

  const Exposition& inventory = after["inventory-service"];
  EXPECT_GE(Total(inventory, "oms_inventory_reservations_total", {{"outcome", "held"}}), 2);
  EXPECT_GE(
      Total(inventory, "oms_inventory_reservations_total", {{"outcome", "insufficient_stock"}}), 1);
  EXPECT_GE(Total(inventory, "oms_inventory_shortfalls_total"), 1);
  for (const char* kind : {"RECEIPT", "RESERVE", "RELEASE", "COMMIT", "RESTOCK"}) {
    EXPECT_GE(Total(inventory, "oms_inventory_stock_movements_total", {{"kind", kind}}), 1) << kind;
  }
  EXPECT_GE(Total(inventory, "oms_inventory_allocation_warehouses_count"), 2);
  EXPECT_EQ(Total(inventory, "oms_inventory_invariant_violations"), 0);

  const Exposition& billing = after["billing-service"];
  for (const auto& [operation, outcome] :
       {std::pair{"authorize", "approved"}, std::pair{"authorize", "declined"},
        std::pair{"capture", "approved"}, std::pair{"refund", "approved"}}) {
    EXPECT_GE(Total(billing, "oms_billing_provider_calls_total",
                    {{"operation", operation}, {"outcome", outcome}}),
              1)
        << operation << " " << outcome;
  }
  EXPECT_EQ(Total(billing, "oms_billing_captured_minor_units_total", {{"currency", "EUR"}}),
            kPackTotalMinor);
  EXPECT_EQ(Total(billing, "oms_billing_refunded_minor_units_total", {{"currency", "EUR"}}),
            kPackTotalMinor);
  EXPECT_GE(Total(billing, "oms_billing_provider_call_duration_seconds_count",
                  {{"operation", "authorize"}}),
            2);

  const Exposition& shipping = after["shipping-service"];
  EXPECT_GE(Total(shipping, "oms_shipping_shipments_created_total", {{"kind", "OUTBOUND"}}), 1);
  EXPECT_GE(Total(shipping, "oms_shipping_shipments_created_total", {{"kind", "RETURN"}}), 1);
  for (const char* type : {"SHIPPED", "DELIVERED"}) {
    EXPECT_GE(Total(shipping, "oms_shipping_journal_events_total",
                    {{"type", type}, {"outcome", "recorded"}}),
              1)
        << type;
  }
  EXPECT_GE(Total(shipping, "oms_shipping_status_transitions_total", {{"to", "DELIVERED"}}), 1);
  EXPECT_GE(Total(shipping, "oms_shipping_stream_subscribers"), 1);
  EXPECT_GE(Total(shipping, "grpc_server_msg_sent_total", {{"grpc_method", "StreamEvents"}}), 2);

  const Exposition& gateway = after["gateway"];
  EXPECT_GE(Total(gateway, "http_server_requests_total",
                  {{"method", "POST"}, {"route", "/v1/orders"}, {"code", "201"}}),
            3);
  EXPECT_GE(Total(gateway, "http_server_request_duration_seconds_count",
                  {{"method", "POST"}, {"route", "/v1/orders"}}),
            3);
  EXPECT_GE(Total(gateway, "grpc_client_handled_total",
                  {{"grpc_service", "oms.order.v1.OrderService"},
                   {"grpc_method", "CreateOrder"},
                   {"grpc_code", "OK"}}),
            3);

  for (const auto& [process, exposition] : after) {
    SCOPED_TRACE(process);
    EXPECT_GT(Total(exposition, "process_cpu_seconds_total"), 0);
    EXPECT_GT(Total(exposition, "process_resident_memory_bytes"), 0);
    EXPECT_GT(Total(exposition, "process_start_time_seconds"), 1.6e9);
    if (Processes().at(process).pool) {
      EXPECT_GT(Total(exposition, "grpc_server_handled_total", {{"grpc_code", "OK"}}), 0);
      EXPECT_GT(Total(exposition, "oms_db_pool_wait_seconds_count"), 0);
    }
  }
}

TEST_F(MetricsE2eTest, NoLabelGrowsWithTheOrders) {
  for (const auto& [process, text] : env->after_second) {
    SCOPED_TRACE(process);
    const Exposition first = Parsed(env->after_first.at(process));
    const Exposition second = Parsed(text);
    // The second round had new orders, shipments, payments, returns and request ids, and no new
    // series: no label carries any of them.
    const auto before = SeriesKeys(first);
    EXPECT_GT(before.size(), 100u);
    std::vector<std::string> added;
    for (const auto& key : SeriesKeys(second)) {
      if (before.count(key) == 0) added.push_back(key);
    }
    EXPECT_TRUE(added.empty()) << "series that came with the second round:\n"
                               << absl::StrJoin(added, "\n");
    const auto problems = UnboundedLabelProblems(second, {2000, 100});
    EXPECT_TRUE(problems.empty()) << absl::StrJoin(problems, "\n");
  }
}

TEST_F(MetricsE2eTest, DashboardsAndRulesReadOnlyMetricsTheSuiteExposes) {
  std::set<std::string> exposed;
  for (const auto& [process, text] : env->after_second) {
    for (const auto& name : SampleNames(Parsed(text))) exposed.insert(name);
  }
  const std::filesystem::path ops = std::filesystem::path(OMS_SOURCE_DIR) / "ops";

  // The rules, read here and counted by promtool: a rule this reader missed shows as a mismatch.
  const std::filesystem::path rules_path = ops / "prometheus" / "rules.yml";
  auto rules = ReadRuleExpressions(ReadText(rules_path));
  ASSERT_TRUE(rules.ok()) << rules.status();
  const auto [status, output] = RunCommand("promtool check rules " + rules_path.string());
  ASSERT_EQ(status, 0) << output;
  std::smatch found;
  ASSERT_TRUE(std::regex_search(output, found, std::regex("SUCCESS: ([0-9]+) rules found")))
      << output;
  EXPECT_EQ(std::stoul(found[1].str()), rules->expressions.size()) << output;
  EXPECT_FALSE(rules->recorded.empty());

  std::map<std::string, std::vector<std::string>> queries;  // file -> PromQL
  for (const auto& expression : rules->expressions) queries["rules.yml"].push_back(expression);
  std::size_t dashboards = 0;
  for (const auto& entry : std::filesystem::directory_iterator(ops / "grafana")) {
    if (entry.path().extension() != ".json") continue;
    ++dashboards;
    auto dashboard = json::parse(ReadText(entry.path()), nullptr, false);
    ASSERT_FALSE(dashboard.is_discarded()) << entry.path();
    const auto found_queries = DashboardQueries(dashboard);
    EXPECT_GE(found_queries.size(), 5u) << entry.path();
    queries[entry.path().filename().string()] = found_queries;
  }
  EXPECT_GE(dashboards, 2u);

  std::set<std::string> external_used;
  for (const auto& [file, expressions] : queries) {
    for (const auto& expression : expressions) {
      const auto names = MetricNamesIn(expression);
      EXPECT_FALSE(names.empty()) << file << " reads no metric: " << expression;
      for (const auto& name : names) {
        if (rules->recorded.count(name) > 0 || exposed.count(name) > 0) continue;
        if (ExternalMetrics().count(name) > 0) {
          external_used.insert(name);
          continue;
        }
        ADD_FAILURE() << file << " reads " << name << ", which no process exposes, in:\n"
                      << expression;
      }
    }
  }
  // The allow-list holds only what is used.
  for (const auto& [name, source] : ExternalMetrics()) {
    EXPECT_EQ(external_used.count(name), 1u) << name << " (" << source << ") is unused";
  }
}

}  // namespace
}  // namespace oms::ops
