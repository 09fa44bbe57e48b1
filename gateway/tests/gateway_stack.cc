#include "gateway/tests/gateway_stack.h"

#include <csignal>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/peer_policy.h"
#include "tests/support/test_pki.h"

namespace oms::gateway::testing {
namespace {

std::string Address(const oms::testing::ServiceUnderTest& service) {
  return absl::StrCat("127.0.0.1:", service.grpc_port());
}

}  // namespace

absl::Status GatewayStack::Start(const std::string& admin_key,
                                 std::initializer_list<const TestKey*> keys,
                                 const std::map<std::string, std::string>& gateway_env) {
  using oms::testing::ServiceUnderTest;
  inventory = std::make_unique<ServiceUnderTest>(OMS_INVENTORY_BIN, "OMS_INVENTORY");
  billing = std::make_unique<ServiceUnderTest>(OMS_BILLING_BIN, "OMS_BILLING");
  shipping = std::make_unique<ServiceUnderTest>(OMS_SHIPPING_BIN, "OMS_SHIPPING");
  order = std::make_unique<ServiceUnderTest>(OMS_ORDER_BIN, "OMS_ORDER");
  for (auto* service : {inventory.get(), billing.get(), shipping.get()}) {
    absl::Status started = service->Start();
    if (!started.ok()) return started;
  }
  absl::Status started = order->Start({{"OMS_INVENTORY_ADDR", Address(*inventory)},
                                       {"OMS_BILLING_ADDR", Address(*billing)},
                                       {"OMS_SHIPPING_ADDR", Address(*shipping)}});
  if (!started.ok()) return absl::UnknownError(absl::StrCat(started.ToString(), order->log()));

  dir = oms::testing::MakeTempDir();
  const std::string jwks = dir + "/jwks.json";
  std::ofstream(jwks) << Jwks(keys);
  const std::string ready = dir + "/ready.json";
  std::map<std::string, std::string> env = {
      {"OMS_GATEWAY_PORT", "0"},
      {"OMS_GATEWAY_METRICS_PORT", "0"},
      {"OMS_LISTEN_HOST", "127.0.0.1"},
      {"OMS_READY_FILE", ready},
      {"OMS_INVENTORY_ADDR", Address(*inventory)},
      {"OMS_BILLING_ADDR", Address(*billing)},
      {"OMS_SHIPPING_ADDR", Address(*shipping)},
      {"OMS_ORDER_ADDR", Address(*order)},
      {"OMS_BOOTSTRAP_ADMIN_KEY", admin_key},
      {"OMS_GATEWAY_JWKS_FILE", jwks},
      {"OMS_GATEWAY_JWT_ALG", "RS256"},
      {"OMS_GATEWAY_JWT_ISSUER", "https://issuer.test"},
      {"OMS_GATEWAY_JWT_AUDIENCE", "oms"},
      {"OMS_GATEWAY_RATE_LIMIT_RPS", "1000"},
      {"OMS_GATEWAY_RATE_LIMIT_BURST", "1000"},
      // The suites refuse many credentials on purpose, all from 127.0.0.1.
      {"OMS_GATEWAY_AUTH_FAILURE_RPS", "1000"},
      {"OMS_GATEWAY_AUTH_FAILURE_BURST", "1000"}};
  // The gateway's own identity, so that the services' peer tables are what the suites exercise.
  auto certificate = oms::testing::TestPki::Get().For({oms::peer::kGateway});
  if (!certificate.ok()) return certificate.status();
  for (const auto& [key, value] : oms::testing::TestPki::Env(*certificate)) env[key] = value;
  for (const auto& [key, value] : gateway_env) env[key] = value;
  gateway_env_ = std::move(env);
  return StartGateway();
}

absl::Status GatewayStack::RestartGateway() {
  auto stopped = gateway.Stop(SIGTERM, std::chrono::seconds(20));
  if (!stopped.ok()) return stopped.status();
  gateway_env_["OMS_GATEWAY_PORT"] = std::to_string(http_port);
  gateway_env_["OMS_GATEWAY_METRICS_PORT"] = std::to_string(metrics_port);
  return StartGateway();
}

absl::Status GatewayStack::StartGateway() {
  const std::string ready = gateway_env_["OMS_READY_FILE"];
  std::remove(ready.c_str());
  absl::Status started = gateway.Start(OMS_GATEWAY_BIN, {}, gateway_env_, dir + "/gateway.log");
  if (!started.ok()) return started;
  auto ports = oms::testing::WaitForFile(ready, std::chrono::seconds(30));
  if (!ports.ok()) return absl::UnknownError(absl::StrCat(ports.status().ToString(), GatewayLog()));
  if (std::sscanf(ports->c_str(), "{\"http_port\": %d, \"metrics_port\": %d}", &http_port,
                  &metrics_port) != 2) {
    return absl::InternalError(absl::StrCat("unreadable ready file: ", *ports));
  }
  return absl::OkStatus();
}

std::string GatewayStack::GatewayLog() const {
  return oms::testing::ReadFile(dir + "/gateway.log");
}

}  // namespace oms::gateway::testing
