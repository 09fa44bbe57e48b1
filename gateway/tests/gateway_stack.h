// The four services and the gateway as real processes, started the way every gateway
// end-to-end suite needs them: each service on its own database, the gateway on port 0 with the
// admin key, a JWKS of the suite's keys (issuer https://issuer.test, audience oms, RS256), and
// rate limits (per credential, and of failed authentications per address) generous enough for
// tests.
#pragma once

#include <initializer_list>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gateway/tests/test_keys.h"
#include "tests/support/process.h"
#include "tests/support/service_under_test.h"

namespace oms::gateway::testing {

struct GatewayStack {
  std::unique_ptr<oms::testing::ServiceUnderTest> inventory, billing, shipping, order;
  oms::testing::ChildProcess gateway;
  std::string dir;  // the gateway's ready file, JWKS and log
  int http_port = 0;
  int metrics_port = 0;

  // `gateway_env` adds to or overrides the gateway's variables.
  [[nodiscard]] absl::Status Start(const std::string& admin_key,
                                   std::initializer_list<const TestKey*> keys,
                                   const std::map<std::string, std::string>& gateway_env = {});
  // Stops the gateway (SIGTERM, as a rollout does) and starts it again on the same ports.
  [[nodiscard]] absl::Status RestartGateway();
  std::string GatewayLog() const;

 private:
  [[nodiscard]] absl::Status StartGateway();
  std::map<std::string, std::string> gateway_env_;  // what the gateway was started with
};

}  // namespace oms::gateway::testing
