// The pipeline without a server: request ids, 404/405, auth and scopes, the owner guard, rate
// limit, body and parameter checks, the in-flight cap and CORS, on routes with fake handlers.
#include "gateway/src/gateway.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/status.h"
#include "gateway/tests/test_keys.h"
#include "gateway/tests/test_verifier.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms::gateway {
namespace {

constexpr char kAdminKey[] = "Bearer admin-key-for-tests-0001";

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override { Build({}); }

  void Build(GatewayOptions options) {
    options.cors_origins = {"https://shop.example"};
    auto verifier = testing::MakeTestVerifier(Key());
    ASSERT_TRUE(verifier.ok());
    gateway_ = std::make_unique<Gateway>(
        options, std::make_unique<Authenticator>("admin-key-for-tests-0001", std::move(*verifier)),
        nullptr);
    RouteSpec echo;
    echo.method = "POST";
    echo.path = "/v1/things/{id}:echo";
    echo.operation_id = "Echo";
    echo.access.scope = kScopeCatalogWrite;
    echo.idempotency_key = IdempotencyKey::kRequired;
    echo.query = {{"n", ParamType::kInteger, false, ""}};
    echo.body = inventory::v1::Product::descriptor();
    echo.handler = [this](std::shared_ptr<Exchange> exchange) {
      ++handled_;
      held_ = exchange;  // answered later, as a backend would
      nlohmann::json body = {{"id", exchange->param("id")},
                             {"key", *exchange->header("Idempotency-Key")}};
      if (exchange->query("n") != nullptr) body["n"] = *exchange->query("n");
      if (!hold_) exchange->ReplyJson(200, body.dump());
    };
    ASSERT_TRUE(gateway_->AddRoute(std::move(echo)).ok());

    RouteSpec owned;
    owned.method = "GET";
    owned.path = "/v1/owned/{id}";
    owned.access.scope = kScopeOrdersRead;
    owned.access.owner_guarded = true;
    owned.not_found = [](const Exchange& exchange) {
      return WithReason(absl::StatusCode::kNotFound, "THING_NOT_FOUND",
                        "thing " + exchange.param("id") + " not found");
    };
    owned.handler = [this](std::shared_ptr<Exchange> exchange) {
      ++handled_;
      if (exchange->param("id") == "missing") {
        exchange->FailMappingNotFound(absl::NotFoundError("backend wording"));
      } else if (exchange->param("id") == "cust-1-thing") {
        // The route established that the credential's customer owns this one.
        if (exchange->principal().customer_id == "cust-1") exchange->MarkOwnerVerified();
        exchange->ReplyJson(200, "{}");
      } else {
        exchange->ReplyJson(200, "{}");
      }
    };
    ASSERT_TRUE(gateway_->AddRoute(std::move(owned)).ok());

    RouteSpec open;
    open.method = "GET";
    open.path = "/open";
    open.access.authenticate = false;
    open.handler = [](std::shared_ptr<Exchange> exchange) { exchange->ReplyJson(200, "{}"); };
    ASSERT_TRUE(gateway_->AddRoute(std::move(open)).ok());

    RouteSpec silent;
    silent.method = "GET";
    silent.path = "/silent";
    silent.access.authenticate = false;
    silent.handler = [](std::shared_ptr<Exchange>) {};  // a bug: never answers
    ASSERT_TRUE(gateway_->AddRoute(std::move(silent)).ok());
  }

  static const testing::TestKey& Key() {
    static const testing::TestKey key = testing::MakeRsaKey("k");
    return key;
  }

  Response Call(Request request) {
    Response out;
    bool answered = false;
    gateway_->Handle(std::move(request), [&](Response response) {
      out = std::move(response);
      answered = true;
    });
    EXPECT_TRUE(answered || hold_) << "synchronous routes answer at once";
    return out;
  }

  Request Echo(const std::string& body = R"({"sku":"A"})") {
    Request request;
    request.method = "POST";
    request.target = "/v1/things/t1:echo";
    request.headers = {{"Authorization", kAdminKey},
                       {"Idempotency-Key", "key-1"},
                       {"Content-Type", "application/json"}};
    request.body = body;
    return request;
  }

  static std::string Reason(const Response& response) {
    return nlohmann::json::parse(response.body)["error"]["reason"];
  }

  std::unique_ptr<Gateway> gateway_;
  int handled_ = 0;
  bool hold_ = false;
  std::shared_ptr<Exchange> held_;
};

TEST_F(GatewayTest, RoutesAndEchoesTheRequestId) {
  Request request = Echo();
  request.target += "?n=5";
  request.headers.emplace_back("X-Request-Id", "client-id-1");
  Response response = Call(request);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(*FindHeader(response.headers, "X-Request-Id"), "client-id-1");
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["id"], "t1");
  EXPECT_EQ(body["key"], "key-1");
  EXPECT_EQ(body["n"], "5");

  // An unusable X-Request-Id is replaced by a generated one.
  request.headers.back().second = "has spaces and\x01control";
  response = Call(request);
  const std::string generated = *FindHeader(response.headers, "X-Request-Id");
  EXPECT_EQ(generated.size(), 32u);
  request.headers.back().second = std::string(129, 'a');
  EXPECT_NE(*FindHeader(Call(request).headers, "X-Request-Id"), std::string(129, 'a'));
}

TEST_F(GatewayTest, AnswersUnknownRoutesAndMethods) {
  Request request = Echo();
  request.target = "/v1/nothing";
  Response response = Call(request);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(Reason(response), "ROUTE_NOT_FOUND");
  request = Echo();
  request.method = "GET";
  response = Call(request);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(*FindHeader(response.headers, "Allow"), "POST");
  EXPECT_EQ(handled_, 0);
}

TEST_F(GatewayTest, AuthenticatesAndChecksScopes) {
  Request request = Echo();
  request.headers.erase(request.headers.begin());
  Response response = Call(request);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(*FindHeader(response.headers, "WWW-Authenticate"), "Bearer realm=\"oms\"");

  request.headers.emplace_back("Authorization", "Bearer not-a-key");
  response = Call(request);
  EXPECT_EQ(response.status, 401);
  EXPECT_NE(FindHeader(response.headers, "WWW-Authenticate")->find("invalid_token"),
            std::string::npos);

  request.headers.back().second =
      "Bearer " + testing::SignJwt(Key(), "RS256", testing::ValidClaims("", "orders:read"));
  response = Call(request);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(Reason(response), "MISSING_SCOPE");

  request.headers.back().second =
      "Bearer " + testing::SignJwt(Key(), "RS256", testing::ValidClaims("", "catalog:write"));
  EXPECT_EQ(Call(request).status, 200);
  EXPECT_EQ(handled_, 1);

  Request open;
  open.method = "GET";
  open.target = "/open";
  EXPECT_EQ(Call(open).status, 200);
}

TEST_F(GatewayTest, OwnerGuardedRoutesFailClosedForCustomerBoundCredentials) {
  const std::string customer =
      "Bearer " + testing::SignJwt(Key(), "RS256", testing::ValidClaims("cust-1", "orders:read"));
  auto get = [&](const std::string& id, const std::string& authorization) {
    Request request;
    request.method = "GET";
    request.target = "/v1/owned/" + id;
    request.headers = {{"Authorization", authorization}, {"X-Request-Id", "same-id"}};
    return Call(request);
  };
  Response hidden = get("exists", customer);
  Response missing_for_customer = get("missing", customer);
  // The handler answered success without establishing ownership: the pipeline turned it into
  // the route's not-found.
  EXPECT_EQ(handled_, 2);
  Response missing_for_admin = get("missing", kAdminKey);
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(missing_for_admin.status, 404);
  EXPECT_EQ(Reason(hidden), "THING_NOT_FOUND");
  // The same bytes, once the id in the message is the same.
  EXPECT_EQ(missing_for_customer.body, missing_for_admin.body);
  std::string hidden_body = hidden.body;
  hidden_body.replace(hidden_body.find("exists"), 6, "missing");
  EXPECT_EQ(hidden_body, missing_for_admin.body);
  EXPECT_EQ(get("exists", kAdminKey).status, 200);
  // Ownership established: the customer sees its own; another customer does not.
  EXPECT_EQ(get("cust-1-thing", customer).status, 200);
  const std::string other =
      "Bearer " + testing::SignJwt(Key(), "RS256", testing::ValidClaims("cust-2", "orders:read"));
  Response foreign = get("cust-1-thing", other);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(Reason(foreign), "THING_NOT_FOUND");
}

TEST_F(GatewayTest, OwnerGuardedRoutesNeedANotFoundAnswer) {
  RouteSpec unguarded;
  unguarded.method = "GET";
  unguarded.path = "/v1/unguarded/{id}";
  unguarded.access.owner_guarded = true;
  unguarded.handler = [](std::shared_ptr<Exchange> exchange) { exchange->ReplyJson(200, "{}"); };
  EXPECT_FALSE(gateway_->AddRoute(std::move(unguarded)).ok());
}

TEST_F(GatewayTest, ChecksParametersHeadersAndBody) {
  Request request = Echo();
  request.target += "?n=five";
  EXPECT_EQ(Call(request).status, 400);
  request = Echo();
  request.target += "?other=1";
  EXPECT_EQ(Reason(Call(request)), "UNKNOWN_QUERY_PARAMETER");
  request = Echo();
  request.headers.erase(request.headers.begin() + 1);
  Response response = Call(request);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(Reason(response), "IDEMPOTENCY_KEY_MISSING");
  request = Echo();
  request.headers[2].second = "text/plain";
  EXPECT_EQ(Call(request).status, 415);
  request = Echo(std::string((1 << 20) + 1, ' '));
  EXPECT_EQ(Call(request).status, 413);
  EXPECT_EQ(handled_, 0);
}

TEST_F(GatewayTest, AnOptionalBodyMayBeLeftOutWhateverItsContentType) {
  RouteSpec optional;
  optional.method = "POST";
  optional.path = "/v1/things/{id}:poke";
  optional.access.scope = kScopeCatalogWrite;
  optional.body = inventory::v1::Product::descriptor();
  optional.body_optional = true;
  optional.handler = [](std::shared_ptr<Exchange> exchange) { exchange->ReplyJson(200, "{}"); };
  ASSERT_TRUE(gateway_->AddRoute(std::move(optional)).ok());
  Request request = Echo("");
  request.target = "/v1/things/t1:poke";
  request.headers[2].second = "application/x-www-form-urlencoded";  // curl -X POST
  EXPECT_EQ(Call(request).status, 200);
  // A body that is there must still be JSON.
  request.body = "sku=A";
  EXPECT_EQ(Call(request).status, 415);
  // A required body's type is checked even when it is empty.
  request = Echo("");
  request.headers[2].second = "text/plain";
  EXPECT_EQ(Call(request).status, 415);
}

TEST_F(GatewayTest, RateLimitsPerCredential) {
  GatewayOptions options;
  options.rate_per_second = 0.001;
  options.rate_burst = 2;
  Build(options);
  EXPECT_EQ(Call(Echo()).status, 200);
  EXPECT_EQ(Call(Echo()).status, 200);
  Response limited = Call(Echo());
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(Reason(limited), "RATE_LIMITED");
  EXPECT_GE(std::stoi(*FindHeader(limited.headers, "Retry-After")), 1);
  // Another credential is not affected.
  Request other = Echo();
  other.headers[0].second =
      "Bearer " + testing::SignJwt(Key(), "RS256", testing::ValidClaims("", "catalog:write"));
  EXPECT_EQ(Call(other).status, 200);
}

TEST_F(GatewayTest, FailedAuthenticationIsThrottledPerAddress) {
  GatewayOptions options;
  options.auth_failure_rate_per_second = 0.001;
  options.auth_failure_burst = 3;
  Build(options);
  auto from = [&](const std::string& peer, const std::string& authorization) {
    Request request = Echo();
    request.peer = peer;
    if (authorization.empty()) {
      request.headers.erase(request.headers.begin());
    } else {
      request.headers[0].second = authorization;
    }
    return Call(request);
  };
  // Missing credentials guess nothing and do not count; valid ones neither.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(from("10.0.0.1", "").status, 401);
  EXPECT_EQ(from("10.0.0.1", kAdminKey).status, 200);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(from("10.0.0.1", "Bearer guess-" + std::to_string(i)).status, 401);
  // The bucket is empty: a refused credential answers 429, with when to come back.
  Response throttled = from("10.0.0.1", "Bearer guess-3");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(Reason(throttled), "AUTH_THROTTLED");
  EXPECT_GE(std::stoi(*FindHeader(throttled.headers, "Retry-After")), 1);
  EXPECT_EQ(from("10.0.0.1", "Bearer oms_" + std::string(64, 'a')).status, 429);
  // A valid credential from the same address (a neighbour behind the same NAT) still goes on.
  EXPECT_EQ(from("10.0.0.1", kAdminKey).status, 200);
  EXPECT_EQ(from("10.0.0.1", "Bearer guess-4").status, 429) << "and does not refill the bucket";
  // Another address is not affected.
  EXPECT_EQ(from("10.0.0.2", kAdminKey).status, 200);
  EXPECT_EQ(from("10.0.0.2", "Bearer guess").status, 401);
  // Public routes need no credentials and are never throttled.
  Request open;
  open.method = "GET";
  open.target = "/open";
  open.peer = "10.0.0.1";
  EXPECT_EQ(Call(open).status, 200);
  EXPECT_EQ(handled_, 3);
}

TEST_F(GatewayTest, BehindATrustedProxyTheForwardedAddressIsCounted) {
  GatewayOptions options;
  options.auth_failure_rate_per_second = 0.001;
  options.auth_failure_burst = 1;
  auto policy = ClientAddressPolicy::Make({"X-Forwarded-For", {"10.9.0.0/16"}, 1});
  ASSERT_TRUE(policy.ok()) << policy.status();
  options.client_addresses = *policy;
  Build(options);
  auto from = [&](const std::string& peer, const std::string& forwarded) {
    Request request = Echo();
    request.peer = peer;
    request.headers[0].second = "Bearer guess";
    if (!forwarded.empty()) request.headers.emplace_back("X-Forwarded-For", forwarded);
    return Call(request).status;
  };
  const std::string proxy = "10.9.9.9";
  EXPECT_EQ(from(proxy, "203.0.113.1"), 401);
  EXPECT_EQ(from(proxy, "203.0.113.1"), 429);
  // What the client itself put in front does not change who it is; another client is another.
  EXPECT_EQ(from(proxy, "198.51.100.7, 203.0.113.1"), 429);
  EXPECT_EQ(from(proxy, "203.0.113.1, 203.0.113.2"), 401);
  // The proxy's own address is nobody's: without the header nothing is throttled, so one
  // guesser behind the proxy cannot lock out everyone else behind it.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(from(proxy, ""), 401);
  // A client reaching the gateway directly is its own address whatever header it sends.
  EXPECT_EQ(from("198.51.100.9", "203.0.113.50"), 401);
  EXPECT_EQ(from("198.51.100.9", "203.0.113.51"), 429);
  EXPECT_EQ(from(proxy, "203.0.113.50"), 401) << "the header of an untrusted peer was believed";
}

TEST_F(GatewayTest, AnApiKeyBeingVerifiedHoldsItsAddressesToken) {
  // A verifier that answers later, as order-service does: concurrent guesses cannot outrun the
  // count of failures still being verified.
  struct Pending final : ApiKeyVerifier {
    void Verify(const std::string&, Done done) override { waiting.push_back(std::move(done)); }
    std::vector<Done> waiting;
  };
  auto pending = std::make_unique<Pending>();
  Pending* verifier = pending.get();
  GatewayOptions options;
  options.auth_failure_rate_per_second = 0.001;
  options.auth_failure_burst = 2;
  gateway_ = std::make_unique<Gateway>(
      options, std::make_unique<Authenticator>("", nullptr, std::move(pending)), nullptr);
  RouteSpec echo;
  echo.method = "GET";
  echo.path = "/v1/echo";
  echo.handler = [](std::shared_ptr<Exchange> exchange) { exchange->ReplyJson(200, "{}"); };
  ASSERT_TRUE(gateway_->AddRoute(std::move(echo)).ok());
  auto send = [this](char key, Response* answer) {
    Request request;
    request.method = "GET";
    request.target = "/v1/echo";
    request.peer = "10.0.0.3";
    request.headers = {{"Authorization", "Bearer oms_" + std::string(64, key)}};
    gateway_->Handle(request, [answer](Response response) { *answer = response; });
  };
  std::vector<Response> answers(5);
  for (int i = 0; i < 3; ++i) send(static_cast<char>('a' + i), &answers[i]);
  // All three are checked (a valid key is never refused), but the third took its address's
  // last token while two were still being verified: it is the throttled one.
  ASSERT_EQ(verifier->waiting.size(), 3u);
  Principal principal;
  principal.credential_id = "key:1";
  const absl::Status refused =
      WithReason(absl::StatusCode::kUnauthenticated, "INVALID_CREDENTIALS", "no");
  verifier->waiting[0](principal);
  verifier->waiting[1](refused);
  verifier->waiting[2](refused);
  EXPECT_EQ(answers[0].status, 200);
  EXPECT_EQ(answers[1].status, 401);
  EXPECT_EQ(answers[2].status, 429);
  // The valid key gave its token back: one more failure answers 401, the next 429.
  send('d', &answers[3]);
  send('e', &answers[4]);
  ASSERT_EQ(verifier->waiting.size(), 5u);
  verifier->waiting[3](refused);
  verifier->waiting[4](refused);
  EXPECT_EQ(answers[3].status, 401);
  EXPECT_EQ(answers[4].status, 429);
}

TEST_F(GatewayTest, CapsRequestsInFlight) {
  GatewayOptions options;
  options.max_in_flight = 1;
  Build(options);
  hold_ = true;
  Response first;
  gateway_->Handle(Echo(), [&](Response response) { first = std::move(response); });
  EXPECT_EQ(gateway_->in_flight(), 1u);
  Response second = Call(Echo());
  EXPECT_EQ(second.status, 503);
  EXPECT_EQ(Reason(second), "OVERLOADED");
  held_->ReplyJson(200, "{}");
  held_.reset();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(gateway_->in_flight(), 0u);
}

TEST_F(GatewayTest, AnExchangeDroppedWithoutAnswerAnswers500) {
  Request request;
  request.method = "GET";
  request.target = "/silent";
  EXPECT_EQ(Call(request).status, 500);
  EXPECT_EQ(gateway_->in_flight(), 0u);
}

TEST_F(GatewayTest, AnswersPreflightsAndDecoratesAnswers) {
  Request preflight;
  preflight.method = "OPTIONS";
  preflight.target = "/v1/things/x:echo";
  preflight.headers = {{"Origin", "https://shop.example"},
                       {"Access-Control-Request-Method", "POST"}};
  Response response = Call(preflight);
  EXPECT_EQ(response.status, 204);
  EXPECT_EQ(*FindHeader(response.headers, "Access-Control-Allow-Methods"), "POST");
  EXPECT_EQ(handled_, 0);

  Request request = Echo();
  request.headers.emplace_back("Origin", "https://shop.example");
  response = Call(request);
  EXPECT_EQ(*FindHeader(response.headers, "Access-Control-Allow-Origin"), "https://shop.example");
  // Errors carry CORS headers too, or the browser hides them from the page.
  request.headers.erase(request.headers.begin());
  response = Call(request);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(*FindHeader(response.headers, "Access-Control-Allow-Origin"), "https://shop.example");
}

}  // namespace
}  // namespace oms::gateway
