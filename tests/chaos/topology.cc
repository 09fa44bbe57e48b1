#include "tests/chaos/topology.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_channel.h"
#include "common/peer_policy.h"
#include "oms/order/v1/order.grpc.pb.h"
#include "tests/support/order_fixtures.h"
#include "tests/support/test_pki.h"

namespace oms::chaos {
namespace {

std::string Loopback(int port) { return absl::StrCat("127.0.0.1:", port); }

// Two replicas behind one name, as a headless Service resolves them (the ipv4: resolver takes a
// list; the channel balances round-robin over it).
std::string BothReplicas(int a, int b) {
  return absl::StrCat("ipv4:", Loopback(a), ",", Loopback(b));
}

}  // namespace

Topology::Topology() {
  char dir[] = "/tmp/oms-chaos-failpoints.XXXXXX";
  if (mkdtemp(dir) != nullptr) failpoints_dir_ = dir;
  processes_["inventory-a"] =
      std::make_unique<testing::ServiceUnderTest>(OMS_INVENTORY_BIN, "OMS_INVENTORY");
  processes_["inventory-b"] =
      std::make_unique<testing::ServiceUnderTest>(OMS_INVENTORY_BIN, "OMS_INVENTORY");
  processes_["billing"] =
      std::make_unique<testing::ServiceUnderTest>(OMS_BILLING_BIN, "OMS_BILLING");
  processes_["shipping"] =
      std::make_unique<testing::ServiceUnderTest>(OMS_SHIPPING_BIN, "OMS_SHIPPING");
  processes_["order-a"] = std::make_unique<testing::ServiceUnderTest>(OMS_ORDER_BIN, "OMS_ORDER");
  processes_["order-b"] = std::make_unique<testing::ServiceUnderTest>(OMS_ORDER_BIN, "OMS_ORDER");
}

Topology::~Topology() {
  std::error_code ignored;
  if (!failpoints_dir_.empty()) std::filesystem::remove_all(failpoints_dir_, ignored);
  if (!gateway_dir_.empty()) std::filesystem::remove_all(gateway_dir_, ignored);
}

std::map<std::string, std::vector<std::string>> Topology::FailpointsByProcess() {
  // The coordinator fails a call before making it or loses the answer of one it made; a
  // participant loses its answer (or fails) after its commit; billing fails right before it.
  const std::vector<std::string> order = {"order.before_reserve",
                                          "order.before_authorize",
                                          "order.after_authorize",
                                          "order.before_ship",
                                          "order.after_ship",
                                          "order.before_compensate_reserve",
                                          "order.before_compensate_authorize",
                                          "order.after_commit-stock",
                                          "order.after_capture-payment"};
  const std::vector<std::string> inventory = {"inventory.ReserveStock.before_reply",
                                              "inventory.CommitReservation.before_reply",
                                              "inventory.ReleaseReservation.before_reply"};
  return {{"order-a", order},
          {"order-b", order},
          {"inventory-a", inventory},
          {"inventory-b", inventory},
          {"billing",
           {"billing.authorize.before_commit", "billing.capture.before_commit",
            "billing.void.before_commit", "billing.AuthorizePayment.before_reply",
            "billing.CapturePayment.before_reply", "billing.VoidPayment.before_reply"}},
          {"shipping",
           {"shipping.CreateShipments.before_reply", "shipping.CancelShipment.before_reply"}}};
}

std::map<std::string, std::vector<std::string>> Topology::RefusalsByProcess() {
  const std::vector<std::string> points = {"order.before_commit-stock",
                                           "order.before_capture-payment"};
  return {{"order-a", points}, {"order-b", points}};
}

std::map<std::string, std::string> Topology::FailpointEnv(const std::string& process) const {
  return {{"OMS_FAILPOINTS_FILE", absl::StrCat(failpoints_dir_, "/", process)}};
}

void Topology::ArmFailpoint(const std::string& process, const std::string& entry) {
  // Written whole and renamed into place, so a process never reads half an entry.
  const std::string file = FailpointEnv(process).at("OMS_FAILPOINTS_FILE");
  std::ofstream(file + ".next") << entry << "\n";
  std::error_code ignored;
  std::filesystem::rename(file + ".next", file, ignored);
}

namespace {

std::map<std::string, std::string> With(std::map<std::string, std::string> env,
                                        const std::map<std::string, std::string>& more) {
  env.insert(more.begin(), more.end());
  return env;
}

// Every process's own variables, and gRPC's keepalive scaled down with the other timers: a
// connection a blackhole or a pause left dead is found out within 3 s rather than 30.
std::map<std::string, std::string> Scaled(std::map<std::string, std::string> env) {
  return With(std::move(env), {{"OMS_GRPC_KEEPALIVE_MS", "2000"},
                               {"OMS_GRPC_KEEPALIVE_TIMEOUT_MS", "1000"},
                               {"OMS_GRPC_MIN_PING_INTERVAL_MS", "1000"}});
}

}  // namespace

absl::Status Topology::Start(int64_t mug_units) {
  // A hold lapses 20 s after its last extension and the sweeper looks every second, so that an
  // outage longer than a hold is reached within a short run.
  const std::map<std::string, std::string> inventory_env = {
      {"OMS_INVENTORY_RESERVATION_TTL_SECONDS", "20"},
      {"OMS_INVENTORY_SWEEP_INTERVAL_SECONDS", "1"}};
  auto& inventory_a = Process("inventory-a");
  if (absl::Status s = inventory_a.Start(Scaled(With(inventory_env, FailpointEnv("inventory-a"))));
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          Process("inventory-b").StartReplicaOf(inventory_a, FailpointEnv("inventory-b"));
      !s.ok()) {
    return s;
  }
  // The reconciler settles, within seconds, an authorization whose caller died mid-call.
  if (absl::Status s =
          Process("billing").Start(Scaled(With({{"OMS_BILLING_RECONCILE_AFTER_SECONDS", "5"},
                                                {"OMS_BILLING_RECONCILE_INTERVAL_SECONDS", "1"}},
                                               FailpointEnv("billing"))));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Process("shipping").Start(Scaled(FailpointEnv("shipping"))); !s.ok())
    return s;
  for (const char* peer : {"inventory-a", "inventory-b", "billing", "shipping"}) {
    auto proxy = std::make_unique<TcpProxy>();
    if (absl::Status s = proxy->Start(Process(peer).grpc_port()); !s.ok()) return s;
    edges_[absl::StrCat("order>", peer)] = std::move(proxy);
  }

  // The lease is short so that a survivor takes over within seconds; a call's deadline stays
  // below half of it, so that a call never outlives the lease it was made under.
  const std::map<std::string, std::string> order_env = {
      {"OMS_INVENTORY_ADDR",
       BothReplicas(Edge("order>inventory-a").port(), Edge("order>inventory-b").port())},
      {"OMS_BILLING_ADDR", Loopback(Edge("order>billing").port())},
      {"OMS_SHIPPING_ADDR", Loopback(Edge("order>shipping").port())},
      {"OMS_ORDER_SAGA_LEASE_SECONDS", std::to_string(kLeaseSeconds)},
      {"OMS_CALL_DEADLINE_MS", std::to_string(kCallDeadlineMs)},
      {"OMS_ORDER_SAGA_FORWARD_BUDGET_MS", std::to_string(kForwardBudgetMs)},
      {"OMS_INSTANCE", "order-a"}};
  auto& order_a = Process("order-a");
  if (absl::Status s = order_a.Start(Scaled(With(order_env, FailpointEnv("order-a")))); !s.ok())
    return s;
  if (absl::Status s = Process("order-b").StartReplicaOf(
          order_a, With({{"OMS_INSTANCE", "order-b"}}, FailpointEnv("order-b")));
      !s.ok()) {
    return s;
  }
  orders_ =
      MakeClientChannel(BothReplicas(order_a.grpc_port(), Process("order-b").grpc_port()), nullptr);

  inventory_ = MakeClientChannel(
      BothReplicas(inventory_a.grpc_port(), Process("inventory-b").grpc_port()), nullptr);
  auto warehouses = testing::SeedTwoWarehouses(inventory_a.channel(), 1000000, mug_units);
  if (!warehouses.ok()) return warehouses.status();
  for (const auto& [code, id] : *warehouses) warehouse_ids_.push_back(id);
  auto customer = testing::CreateHamburgCustomer(order_a.channel(), "chaos@example.com");
  if (!customer.ok()) return customer.status();
  customer_id_ = *customer;
  return StartGateway();
}

absl::Status Topology::StartGateway() {
  for (const char* replica : {"order-a", "order-b"}) {
    auto proxy = std::make_unique<TcpProxy>();
    if (absl::Status s = proxy->Start(Process(replica).grpc_port()); !s.ok()) return s;
    edges_[absl::StrCat("gateway>", replica)] = std::move(proxy);
  }
  gateway_dir_ = testing::MakeTempDir();
  const std::string ready = gateway_dir_ + "/ready.json";
  // An order's answer is awaited for 3 s, as the gRPC customers await theirs.
  std::map<std::string, std::string> env = {
      {"OMS_GATEWAY_PORT", "0"},
      {"OMS_GATEWAY_METRICS_PORT", "0"},
      {"OMS_LISTEN_HOST", "127.0.0.1"},
      {"OMS_READY_FILE", ready},
      {"OMS_ORDER_ADDR",
       BothReplicas(Edge("gateway>order-a").port(), Edge("gateway>order-b").port())},
      {"OMS_INVENTORY_ADDR", Loopback(Process("inventory-a").grpc_port())},
      {"OMS_BILLING_ADDR", Loopback(Process("billing").grpc_port())},
      {"OMS_SHIPPING_ADDR", Loopback(Process("shipping").grpc_port())},
      {"OMS_BOOTSTRAP_ADMIN_KEY", "chaos-admin-key-not-for-use"},
      {"OMS_GATEWAY_ORDER_TIMEOUT_MS", "3000"},
      {"OMS_GATEWAY_RATE_LIMIT_RPS", "1000"},
      {"OMS_GATEWAY_RATE_LIMIT_BURST", "1000"}};
  auto certificate = testing::TestPki::Get().For({peer::kGateway});
  if (!certificate.ok()) return certificate.status();
  for (const auto& [key, value] : testing::TestPki::Env(*certificate)) env[key] = value;
  if (absl::Status s = gateway_.Start(OMS_GATEWAY_BIN, {}, Scaled(std::move(env)),
                                      gateway_dir_ + "/gateway.log");
      !s.ok()) {
    return s;
  }
  auto ports = testing::WaitForFile(ready, std::chrono::seconds(30));
  if (!ports.ok()) return ports.status();
  int http_port = 0, metrics_port = 0;
  if (std::sscanf(ports->c_str(), "{\"http_port\": %d, \"metrics_port\": %d}", &http_port,
                  &metrics_port) != 2) {
    return absl::InternalError(absl::StrCat("unreadable ready file of the gateway: ", *ports));
  }
  gateway_access_.url = absl::StrCat("http://", Loopback(http_port));

  order::v1::CreateApiKeyRequest request;
  request.set_name("chaos customer");
  request.add_scopes("orders:write");
  request.add_scopes("orders:read");
  request.set_customer_id(customer_id_);
  order::v1::CreatedApiKey created;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status status = order::v1::OrderService::NewStub(Process("order-a").channel())
                            ->CreateApiKey(&context, request, &created);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("no API key: ", status.error_message()));
  }
  gateway_access_.api_key = created.secret();
  gateway_access_.client_id = absl::StrCat("key:", created.key().id());
  return absl::OkStatus();
}

std::string Topology::GatewayExit() {
  auto exited = gateway_.WaitForExit(std::chrono::milliseconds(0));
  if (!exited.ok() && gateway_.running()) return "";
  return absl::StrCat("gateway exited by itself (wait status ", exited.ok() ? *exited : -1, ")");
}

std::vector<std::string> Topology::ProcessNames() const {
  std::vector<std::string> names;
  for (const auto& [name, process] : processes_) names.push_back(name);
  return names;
}

testing::ServiceUnderTest& Topology::Process(const std::string& name) {
  return *processes_.at(name);
}

std::vector<std::string> Topology::EdgeNames() const {
  std::vector<std::string> names;
  for (const auto& [name, edge] : edges_) names.push_back(name);
  return names;
}

TcpProxy& Topology::Edge(const std::string& name) { return *edges_.at(name); }

std::shared_ptr<grpc::Channel> Topology::shipping() const {
  return processes_.at("shipping")->channel();
}

SuiteDatabases Topology::databases() const {
  return {processes_.at("order-a")->database_url(), processes_.at("inventory-a")->database_url(),
          processes_.at("billing")->database_url(), processes_.at("shipping")->database_url()};
}

check::SuiteChannels Topology::AuditChannels() const {
  return {processes_.at("order-a")->channel(), processes_.at("inventory-a")->channel(),
          processes_.at("billing")->channel(), processes_.at("shipping")->channel()};
}

std::string Topology::Logs() const {
  std::string logs;
  auto append_tail = [&logs](const std::string& name, const std::string& log) {
    constexpr size_t kTail = 30000;
    absl::StrAppend(&logs, "===== ", name, " (last ", kTail, " bytes) =====\n",
                    log.size() > kTail ? log.substr(log.size() - kTail) : log, "\n");
  };
  for (const auto& [name, process] : processes_) append_tail(name, process->log());
  append_tail("gateway", testing::ReadFile(gateway_dir_ + "/gateway.log"));
  return logs;
}

}  // namespace oms::chaos
