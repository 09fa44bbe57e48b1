// The HTTP calls every gateway end-to-end suite makes to the gateway of its GatewayStack. A suite
// names its stack, signing key and admin key once (UseGateway, in SetUpTestSuite, before any
// call below); the stack and the key must outlive the calls.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/http_client.h"
#include "gateway/tests/test_keys.h"

namespace oms::gateway::testing {

void UseGateway(const GatewayStack& stack, const TestKey& key, const std::string& admin_key);

// http://127.0.0.1:<the gateway's port><path>.
std::string Url(const std::string& path);
std::string GatewayLog();

std::string Bearer(const std::string& token);
// An RS256 JWT of the suite's key for `subject` ("" for none) with `scope` and valid claims.
std::string Token(const std::string& subject, const std::string& scope);

// A non-empty `body` goes with Content-Type: application/json; a POST always sends its body.
// `from`: the client address the request comes from ("" for the default).
HttpAnswer Call(const std::string& method, const std::string& path,
                std::vector<std::string> headers = {}, const std::string& body = "",
                const std::string& from = "");
// The same with the admin key as the bearer credential.
HttpAnswer Admin(const std::string& method, const std::string& path, const std::string& body = "",
                 std::vector<std::string> headers = {});

// The answer's body as JSON (discarded when it is not JSON).
nlohmann::json Body(const HttpAnswer& answer);

// Polls GET `path` with the admin key until `done` holds for its body, for at most `limit`: the
// last body read (for which `done` does not hold when time ran out).
nlohmann::json PollAdmin(const std::string& path,
                         const std::function<bool(const nlohmann::json&)>& done,
                         std::chrono::seconds limit);
// The error reason of an error answer; "" when the answer carries none.
std::string Reason(const HttpAnswer& answer);

// A customer with one shipping address in Hamburg, created by the admin through
// POST /v1/customers: its id (a failed expectation and "" when refused).
std::string CreateCustomer(const std::string& name, const std::string& email);

// What the start most suites share leaves: the customer Erika Mustermann in Hamburg, and the two
// warehouses' ids by code.
struct SeededStack {
  std::string erika;
  std::map<std::string, std::string> warehouses;
};
// UseGateway, the stack started with `admin_key`, `key` and `gateway_env`, two German warehouses
// with `packs` PACK and `mugs` MUG each, and Erika.
[[nodiscard]] absl::StatusOr<SeededStack> StartWithErika(
    GatewayStack& stack, const TestKey& key, const std::string& admin_key, int packs, int mugs,
    const std::map<std::string, std::string>& gateway_env = {});

}  // namespace oms::gateway::testing
