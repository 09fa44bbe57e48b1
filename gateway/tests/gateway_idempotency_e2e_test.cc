// The gateway in front of all four real services, over HTTP: Idempotency-Key on a POST that has
// no request id of its own (POST /v1/customers: concurrent and sequential repeats, a changed
// body, keys per client, refusals not stored); an order whose saga outlives the request's
// deadline (202 with the PENDING order, a repeat while it runs 409, then CONFIRMED, and a replay
// 200 with the order as it is now); and failed authentication throttled per client address,
// while a valid credential from that address is still accepted.
#include <chrono>
#include <future>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/testing/scrape.h"
#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/http_client.h"
#include "gateway/tests/order_json.h"
#include "gateway/tests/test_keys.h"
#include "tests/support/order_fixtures.h"
#include "tests/support/process.h"
#include "tests/support/service_under_test.h"

namespace oms::gateway {
namespace {

using nlohmann::json;
using testing::Admin;
using testing::Bearer;
using testing::Body;
using testing::Call;
using testing::HttpAnswer;
using testing::Reason;
using testing::Token;

constexpr char kAdminKey[] = "idempotency-e2e-bootstrap-admin-key-0123";
// Short enough that a saga held up by a paused shipping-service outlives it (shipping's calls
// wait for order-service's 5 s call deadline), long enough for an ordinary saga on a busy box.
constexpr char kOrderTimeoutMs[] = "3000";
constexpr int kAuthFailureBurst = 5;

struct Env {
  testing::GatewayStack stack;
  testing::TestKey key;
  std::string erika;
};
Env* env = nullptr;

bool Replayed(const HttpAnswer& answer) {
  auto it = answer.headers.find("idempotent-replayed");
  return it != answer.headers.end() && it->second == "true";
}

json OrderBody(const std::string& customer_id, int mugs) {
  return testing::HamburgOrderJson(customer_id, "MUG", mugs);
}

std::string Metrics(int port) {
  auto body = oms::testing::HttpGet(absl::StrCat("http://127.0.0.1:", port, "/metrics"));
  EXPECT_TRUE(body.ok()) << body.status();
  return body.ok() ? *body : "";
}

double Sample(const std::string& exposition, const std::string& series) {
  auto value = oms::testing::SampleValue(exposition, series);
  return value.ok() ? *value : 0;
}

// Keeps a service's process stopped (SIGSTOP) until destroyed or Resume()d.
class Paused {
 public:
  explicit Paused(oms::testing::ChildProcess& process) : pid_(process.pid()) {
    EXPECT_EQ(kill(pid_, SIGSTOP), 0);
  }
  ~Paused() { Resume(); }
  void Resume() {
    if (pid_ > 0) {
      EXPECT_EQ(kill(pid_, SIGCONT), 0);
    }
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

class GatewayIdempotencyE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->key = testing::MakeRsaKey("idempotency-e2e-key");
    testing::UseGateway(env->stack, env->key, kAdminKey);
    absl::Status started =
        env->stack.Start(kAdminKey, {&env->key},
                         {{"OMS_GATEWAY_ORDER_TIMEOUT_MS", kOrderTimeoutMs},
                          {"OMS_GATEWAY_AUTH_FAILURE_BURST", std::to_string(kAuthFailureBurst)},
                          // One failure forgiven every 100 s: nothing refills within the test.
                          {"OMS_GATEWAY_AUTH_FAILURE_RPS", "0.01"}});
    ASSERT_TRUE(started.ok()) << started;
    auto seeded = oms::testing::SeedTwoWarehouses(env->stack.inventory->channel(), 6, 20);
    ASSERT_TRUE(seeded.ok()) << seeded.status();
    auto erika =
        oms::testing::CreateHamburgCustomer(env->stack.order->channel(), "erika@example.com");
    ASSERT_TRUE(erika.ok()) << erika.status();
    env->erika = *erika;
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }
};

TEST_F(GatewayIdempotencyE2eTest, ConcurrentRepeatsCreateOneCustomer) {
  ASSERT_NE(env, nullptr);
  const std::string body = json{{"name", "Ida Concurrent"}, {"email", "ida@example.com"}}.dump();
  constexpr int kClients = 8;
  std::vector<std::future<HttpAnswer>> calls;
  for (int i = 0; i < kClients; ++i) {
    calls.push_back(std::async(std::launch::async, [&body] {
      return Admin("POST", "/v1/customers", body, {"Idempotency-Key: ida-1"});
    }));
  }
  int originals = 0, replays = 0, in_use = 0;
  std::set<std::string> ids;
  for (auto& call : calls) {
    HttpAnswer answer = call.get();
    if (answer.status == 201) {
      (Replayed(answer) ? replays : originals) += 1;
      ids.insert(Body(answer).value("id", ""));
    } else {
      // Never CUSTOMER_EXISTS: no repeat ran a second time.
      EXPECT_EQ(answer.status, 409) << answer.body;
      EXPECT_EQ(Reason(answer), "IDEMPOTENCY_KEY_IN_USE") << answer.body;
      EXPECT_EQ(answer.headers["retry-after"], "1");
      ++in_use;
    }
  }
  EXPECT_EQ(originals, 1);
  EXPECT_EQ(originals + replays + in_use, kClients);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_FALSE(ids.begin()->empty());
  // Once answered, every repeat is a replay of that answer.
  HttpAnswer later = Admin("POST", "/v1/customers", body, {"Idempotency-Key: ida-1"});
  EXPECT_EQ(later.status, 201);
  EXPECT_TRUE(Replayed(later));
  EXPECT_EQ(Body(later)["id"], *ids.begin());
}

TEST_F(GatewayIdempotencyE2eTest, ARepeatReplaysTheFirstAnswerAndAChangedBodyIs422) {
  ASSERT_NE(env, nullptr);
  const std::string body = json{{"name", "Jan Sequential"}, {"email", "jan@example.com"}}.dump();
  HttpAnswer first = Admin("POST", "/v1/customers", body, {"Idempotency-Key: jan-1"});
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_FALSE(Replayed(first));
  HttpAnswer again = Admin("POST", "/v1/customers", body, {"Idempotency-Key: jan-1"});
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_TRUE(Replayed(again));
  EXPECT_EQ(again.body, first.body) << "byte for byte the first answer";
  EXPECT_EQ(again.headers["content-type"], "application/json");
  EXPECT_NE(again.headers["x-request-id"], first.headers["x-request-id"]);

  HttpAnswer changed = Admin("POST", "/v1/customers",
                             json{{"name", "Jan Changed"}, {"email", "jan2@example.com"}}.dump(),
                             {"Idempotency-Key: jan-1"});
  EXPECT_EQ(changed.status, 422) << changed.body;
  EXPECT_EQ(Reason(changed), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_FALSE(Replayed(changed));
  // The same key on another route is another key.
  HttpAnswer product = Admin("POST", "/v1/products",
                             json{{"sku", "JAN-1"},
                                  {"name", "Jan's mug"},
                                  {"unitPrice", {{"currency", "EUR"}, {"amountMinor", "999"}}},
                                  {"weightGrams", "300"}}
                                 .dump(),
                             {"Idempotency-Key: jan-1"});
  EXPECT_EQ(product.status, 201) << product.body;
  EXPECT_FALSE(Replayed(product));

  // Keys belong to a client: another one's request with the same key and body runs, and finds
  // the email taken.
  HttpAnswer other =
      Call("POST", "/v1/customers", {Bearer(Token("", "admin")), "Idempotency-Key: jan-1"}, body);
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(Reason(other), "CUSTOMER_EXISTS");

  // Refusals that say nothing ran are not kept: after a 400, the corrected request runs.
  HttpAnswer bad =
      Admin("POST", "/v1/customers",
            json{{"name", "Kim"}, {"email", "kim@example.com"}, {"colour", "red"}}.dump(),
            {"Idempotency-Key: kim-1"});
  EXPECT_EQ(bad.status, 400) << bad.body;
  HttpAnswer corrected =
      Admin("POST", "/v1/customers", json{{"name", "Kim"}, {"email", "kim@example.com"}}.dump(),
            {"Idempotency-Key: kim-1"});
  EXPECT_EQ(corrected.status, 201) << corrected.body;
  EXPECT_FALSE(Replayed(corrected));
}

TEST_F(GatewayIdempotencyE2eTest, AnOrderThatOutlivesTheDeadlineIs202ThenConfirmed) {
  ASSERT_NE(env, nullptr);
  const std::string available_before =
      Body(Admin("GET", "/v1/products/MUG/availability")).value("totalAvailable", "");
  const std::string body = OrderBody(env->erika, 1).dump();
  HttpAnswer first, second;
  {
    // Capturing an order does not call shipping-service; its saga does, for the shipments,
    // and waits there while shipping is paused.
    Paused shipping(env->stack.shipping->process());
    auto a = std::async(std::launch::async, [&body] {
      return Admin("POST", "/v1/orders", body, {"Idempotency-Key: slow-1"});
    });
    auto b = std::async(std::launch::async, [&body] {
      return Admin("POST", "/v1/orders", body, {"Idempotency-Key: slow-1"});
    });
    first = a.get();
    second = b.get();
    if (first.status != 202) std::swap(first, second);
    // One ran: its saga outlived the request's deadline, so 202 with the PENDING order. The
    // other came while it ran: 409.
    ASSERT_EQ(first.status, 202) << first.body << second.body << env->stack.order->log();
    EXPECT_EQ(Body(first)["status"], "ORDER_STATUS_PENDING");
    EXPECT_FALSE(Replayed(first));
    EXPECT_EQ(second.status, 409) << second.body;
    EXPECT_EQ(Reason(second), "IDEMPOTENCY_KEY_IN_USE");
    EXPECT_GE(Sample(Metrics(env->stack.metrics_port),
                     R"(oms_gateway_idempotency_keys_total{outcome="in_use"})"),
              1);
    // The same key with another body: 422, whatever the state of the first.
    HttpAnswer changed =
        Admin("POST", "/v1/orders", OrderBody(env->erika, 2).dump(), {"Idempotency-Key: slow-1"});
    EXPECT_EQ(changed.status, 422) << changed.body;
    EXPECT_EQ(Reason(changed), "IDEMPOTENCY_KEY_REUSED");
  }
  // Shipping is back: the saga goes on to CONFIRMED, which a read shows.
  const std::string order_id = Body(first).value("id", "");
  ASSERT_FALSE(order_id.empty());
  json order;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    order = Body(Admin("GET", "/v1/orders/" + order_id));
    if (order.value("status", "") != "ORDER_STATUS_PENDING") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(order.value("status", ""), "ORDER_STATUS_CONFIRMED") << order.dump();
  EXPECT_EQ(order["shipments"].size(), 1u);

  // A replay answers the same order as it is now: 200, CONFIRMED.
  HttpAnswer replay = Admin("POST", "/v1/orders", body, {"Idempotency-Key: slow-1"});
  EXPECT_EQ(replay.status, 200) << replay.body;
  EXPECT_TRUE(Replayed(replay));
  EXPECT_EQ(Body(replay)["id"], order_id);
  EXPECT_EQ(Body(replay)["status"], "ORDER_STATUS_CONFIRMED");
  // One order, one unit held.
  const std::string available_after =
      Body(Admin("GET", "/v1/products/MUG/availability")).value("totalAvailable", "");
  EXPECT_EQ(std::stoi(available_before) - std::stoi(available_after), 1);
}

// Random, well-formed API keys that no one issued: each is checked by order-service.
std::string GuessedApiKey() {
  static std::mt19937_64 random(std::random_device{}());
  std::string bytes(32, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return "oms_" + absl::BytesToHexString(bytes);
}

TEST_F(GatewayIdempotencyE2eTest, RepeatedFailedAuthenticationIsThrottledButAValidKeyGoesOn) {
  ASSERT_NE(env, nullptr);
  const std::string verify_series =
      R"(grpc_server_started_total{grpc_method="VerifyApiKey",grpc_service="oms.order.v1.OrderService",grpc_type="unary"})";
  const double verified_before = Sample(Metrics(env->stack.order->metrics_port()), verify_series);
  // Another client address on loopback, so that the suite's own requests stay unthrottled.
  const std::string guesser = "127.0.0.7";
  for (int i = 0; i < kAuthFailureBurst; ++i) {
    HttpAnswer refused = Call("GET", "/v1/orders", {Bearer(GuessedApiKey())}, "", guesser);
    EXPECT_EQ(refused.status, 401) << i << refused.body << refused.error;
  }
  const double verified = Sample(Metrics(env->stack.order->metrics_port()), verify_series);
  EXPECT_EQ(verified - verified_before, kAuthFailureBurst) << "each guess was checked";

  for (int i = 0; i < 3; ++i) {
    HttpAnswer throttled = Call("GET", "/v1/orders", {Bearer(GuessedApiKey())}, "", guesser);
    EXPECT_EQ(throttled.status, 429) << throttled.body;
    EXPECT_EQ(Reason(throttled), "AUTH_THROTTLED");
    EXPECT_GE(std::stoi(throttled.headers["retry-after"]), 1);
  }
  // A valid credential from the throttled address (someone else behind the same NAT) is still
  // accepted: the bootstrap key, and an API key order-service has to verify.
  EXPECT_EQ(Call("GET", "/v1/orders", {Bearer(kAdminKey)}, "", guesser).status, 200);
  HttpAnswer created =
      Admin("POST", "/v1/apiKeys",
            json{{"name", "behind the same NAT"}, {"scopes", {"orders:read"}}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string secret = json::parse(created.body)["secret"];
  EXPECT_EQ(Call("GET", "/v1/orders", {Bearer(secret)}, "", guesser).status, 200);
  EXPECT_EQ(Call("GET", "/v1/orders", {Bearer(GuessedApiKey())}, "", guesser).status, 429)
      << "and still throttles the guesses";
  // Other addresses are not affected.
  EXPECT_EQ(Admin("GET", "/v1/orders").status, 200);

  // Tokens of no known kind count the same (no backend involved at all).
  const std::string other_guesser = "127.0.0.8";
  for (int i = 0; i < kAuthFailureBurst; ++i) {
    EXPECT_EQ(
        Call("GET", "/v1/orders", {Bearer("guess-" + std::to_string(i))}, "", other_guesser).status,
        401);
  }
  EXPECT_EQ(Call("GET", "/v1/orders", {Bearer("guess-x")}, "", other_guesser).status, 429);
  // No credentials at all guess nothing and are not counted.
  const std::string anonymous = "127.0.0.9";
  for (int i = 0; i < kAuthFailureBurst + 2; ++i) {
    EXPECT_EQ(Call("GET", "/v1/orders", {}, "", anonymous).status, 401);
  }

  const std::string metrics = Metrics(env->stack.metrics_port);
  EXPECT_GE(Sample(metrics, R"(oms_gateway_auth_rejected_total{reason="throttled"})"), 5);
  EXPECT_GE(Sample(metrics, R"(oms_gateway_auth_rejected_total{reason="invalid"})"),
            2 * kAuthFailureBurst);
  EXPECT_GE(Sample(metrics, "oms_gateway_rate_limited_total"), 5);
}

// Each test runs in a process of its own (ctest): this one makes the outcomes it counts.
TEST_F(GatewayIdempotencyE2eTest, KeysAreCountedInMetrics) {
  ASSERT_NE(env, nullptr);
  auto count = [](const std::string& exposition, const char* outcome) {
    return Sample(exposition, absl::StrCat(R"(oms_gateway_idempotency_keys_total{outcome=")",
                                           outcome, R"("})"));
  };
  const std::string before = Metrics(env->stack.metrics_port);
  const std::string body = json{{"name", "Lena"}, {"email", "lena@example.com"}}.dump();
  EXPECT_EQ(Admin("POST", "/v1/customers", body, {"Idempotency-Key: metrics-1"}).status, 201);
  EXPECT_EQ(Admin("POST", "/v1/customers", body, {"Idempotency-Key: metrics-1"}).status, 201);
  EXPECT_EQ(
      Admin("POST", "/v1/customers", json{{"name", "Lena"}, {"email", "lena2@example.com"}}.dump(),
            {"Idempotency-Key: metrics-1"})
          .status,
      422);
  const std::string after = Metrics(env->stack.metrics_port);
  absl::Status lint = oms::testing::PromtoolCheckMetrics(after);
  EXPECT_TRUE(lint.ok()) << lint;
  for (const char* outcome : {"claimed", "replayed", "mismatch"}) {
    EXPECT_EQ(count(after, outcome) - count(before, outcome), 1) << outcome;
  }
  // Every outcome's series exists from the start (in_use is counted by the 202 test).
  for (const char* outcome : {"in_use", "unavailable"}) {
    EXPECT_TRUE(oms::testing::SampleValue(
                    before, absl::StrCat(R"(oms_gateway_idempotency_keys_total{outcome=")", outcome,
                                         R"("})"))
                    .ok())
        << outcome;
  }
  EXPECT_NE(after.find("oms_gateway_open_streams"), std::string::npos);
}

}  // namespace
}  // namespace oms::gateway
