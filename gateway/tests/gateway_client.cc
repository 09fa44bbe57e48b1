#include "gateway/tests/gateway_client.h"

#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "tests/support/order_fixtures.h"

namespace oms::gateway::testing {
namespace {

struct SuiteGateway {
  const GatewayStack* stack = nullptr;
  const TestKey* key = nullptr;
  std::string admin_key;
};

SuiteGateway& Suite() {
  static SuiteGateway suite;
  return suite;
}

}  // namespace

void UseGateway(const GatewayStack& stack, const TestKey& key, const std::string& admin_key) {
  Suite() = {&stack, &key, admin_key};
}

std::string Url(const std::string& path) {
  return absl::StrCat("http://127.0.0.1:", Suite().stack->http_port, path);
}

std::string GatewayLog() { return Suite().stack->GatewayLog(); }

std::string Bearer(const std::string& token) { return "Authorization: Bearer " + token; }

std::string Token(const std::string& subject, const std::string& scope) {
  return SignJwt(*Suite().key, "RS256", ValidClaims(subject, scope));
}

HttpAnswer Call(const std::string& method, const std::string& path,
                std::vector<std::string> headers, const std::string& body,
                const std::string& from) {
  if (!body.empty()) headers.push_back("Content-Type: application/json");
  return HttpCall(method, Url(path), headers, body, method == "POST", from);
}

HttpAnswer Admin(const std::string& method, const std::string& path, const std::string& body,
                 std::vector<std::string> headers) {
  headers.push_back(Bearer(Suite().admin_key));
  return Call(method, path, headers, body);
}

nlohmann::json PollAdmin(const std::string& path,
                         const std::function<bool(const nlohmann::json&)>& done,
                         std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  nlohmann::json last;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpAnswer answer = Admin("GET", path);
    if (answer.status == 200) {
      last = Body(answer);
      if (done(last)) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

nlohmann::json Body(const HttpAnswer& answer) {
  return nlohmann::json::parse(answer.body, nullptr, false);
}

std::string Reason(const HttpAnswer& answer) {
  nlohmann::json body = Body(answer);
  return body.is_discarded() || !body.contains("error") ? "" : body["error"].value("reason", "");
}

std::string CreateCustomer(const std::string& name, const std::string& email) {
  HttpAnswer created = Admin(
      "POST", "/v1/customers",
      nlohmann::json{
          {"name", name},
          {"email", email},
          {"addresses",
           {{{"kind", "ADDRESS_KIND_SHIPPING"},
             {"address", {{"line1", "Heidestrasse 17"}, {"city", "Hamburg"}, {"country", "DE"}}}}}}}
          .dump());
  EXPECT_EQ(created.status, 201) << created.body;
  return Body(created).value("id", "");
}

absl::StatusOr<SeededStack> StartWithErika(GatewayStack& stack, const TestKey& key,
                                           const std::string& admin_key, int packs, int mugs,
                                           const std::map<std::string, std::string>& gateway_env) {
  UseGateway(stack, key, admin_key);
  absl::Status started = stack.Start(admin_key, {&key}, gateway_env);
  if (!started.ok()) return started;
  auto seeded = oms::testing::SeedTwoWarehouses(stack.inventory->channel(), packs, mugs);
  if (!seeded.ok()) return seeded.status();
  SeededStack out{CreateCustomer("Erika Mustermann", "erika@example.com"), *std::move(seeded)};
  if (out.erika.empty()) return absl::InternalError("the customer Erika was refused");
  return out;
}

}  // namespace oms::gateway::testing
