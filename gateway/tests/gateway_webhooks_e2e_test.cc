// Webhooks through the gateway, in front of the four real services, with endpoints on loopback:
// every event of 200 orders reaches a subscribed endpoint, each id taken once, in feed order,
// signed, across a gateway restart, an order-service crash and a minute in which the endpoint
// fails; an endpoint that fails for the whole retry window gets its event dead-lettered, and a
// redelivery brings it once the endpoint is back.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/order_json.h"
#include "gateway/tests/test_keys.h"
#include "tests/support/http_receiver.h"
#include "tests/support/standard_webhooks.h"

namespace oms::gateway {
namespace {

using nlohmann::json;
using oms::testing::HttpReceiver;
using oms::testing::ReceivedRequest;
using testing::Admin;
using testing::Body;
using testing::HttpAnswer;
using testing::Reason;
using Clock = std::chrono::steady_clock;

constexpr char kAdminKey[] = "webhooks-e2e-bootstrap-admin-key-0001";
constexpr int kOrders = 200;
constexpr auto kOutage = std::chrono::seconds(60);
constexpr int kRetryWindowSeconds = 75;  // longer than the outage: nothing of it is dead-lettered

struct Env {
  testing::GatewayStack stack;
  testing::TestKey key;
  std::string erika;
};
Env* env = nullptr;

template <class Condition>
bool Eventually(Condition condition, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

class GatewayWebhooksE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // order-service inherits these: endpoints on loopback, quick retries, a short window.
    setenv("OMS_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8", 1);
    setenv("OMS_WEBHOOK_RETRY_BASE_MS", "200", 1);
    setenv("OMS_WEBHOOK_RETRY_CAP_MS", "3000", 1);
    setenv("OMS_WEBHOOK_RETRY_WINDOW_SECONDS", std::to_string(kRetryWindowSeconds).c_str(), 1);
    env = new Env;
    env->key = testing::MakeRsaKey("webhooks-e2e-key");
    auto seeded = testing::StartWithErika(env->stack, env->key, kAdminKey, 5, kOrders);
    ASSERT_TRUE(seeded.ok()) << seeded.status();
    env->erika = seeded->erika;
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }

  // Subscribes `url` through the API: the answer's body (webhook and secret).
  static json Subscribe(const std::string& url, const json& types, const std::string& key) {
    HttpAnswer created =
        Admin("POST", "/v1/webhooks", json{{"url", url}, {"eventTypes", types}}.dump(),
              {"Idempotency-Key: " + key});
    EXPECT_EQ(created.status, 201) << created.body;
    return Body(created);
  }

  // Every event of the feed after `cursor` whose order is one of `orders`, in feed order.
  static std::vector<std::string> FeedIds(std::string cursor, const std::set<std::string>& orders) {
    std::vector<std::string> ids;
    for (int pages = 0; pages < 1000; ++pages) {
      HttpAnswer page = Admin("GET", "/v1/events?pageSize=500&after=" + cursor);
      EXPECT_EQ(page.status, 200) << page.body;
      const json body = Body(page);
      const json events = body.value("events", json::array());
      for (const auto& fed : events) {
        if (orders.count(fed.value("orderId", "")) > 0) ids.push_back(fed.value("cursor", ""));
      }
      cursor = body.value("nextCursor", cursor);
      if (events.empty()) break;
    }
    return ids;
  }
};

TEST_F(GatewayWebhooksE2eTest, EveryEventOf200OrdersArrivesOnceByIdThroughRestartsAndAnOutage) {
  ASSERT_NE(env, nullptr);
  const auto outage_ends = Clock::now() + kOutage;
  std::atomic<int> bad_signatures{0};
  std::string secret;
  HttpReceiver endpoint([&](const ReceivedRequest& request) {
    if (Clock::now() < outage_ends) return 503;
    if (!oms::testing::StandardWebhookSignatureVerifies(secret, request)) ++bad_signatures;
    return 200;
  });
  std::atomic<bool> dead{true};
  HttpReceiver dead_endpoint([&dead](const ReceivedRequest&) { return dead ? 500 : 200; });

  const json hook = Subscribe(endpoint.url() + "/oms", json::array(), "hook-all");
  secret = hook.value("secret", "");
  ASSERT_TRUE(absl::StartsWith(secret, "whsec_")) << hook.dump();
  const std::string hook_id = hook["webhook"].value("id", "");
  const std::string start = hook["webhook"].value("cursor", "");
  // The secret is not kept for a replay of the key: 409, and no second subscription.
  HttpAnswer again =
      Admin("POST", "/v1/webhooks",
            json{{"url", endpoint.url() + "/oms"}, {"eventTypes", json::array()}}.dump(),
            {"Idempotency-Key: hook-all"});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(Reason(again), "SECRET_NOT_REPLAYED");
  const json dead_hook =
      Subscribe(dead_endpoint.url(), json::array({"order.status.confirmed"}), "hook-dead");
  const std::string dead_id = dead_hook["webhook"].value("id", "");

  // 200 orders, with the gateway restarted after the first hundred and order-service killed and
  // started again after 150.
  std::set<std::string> orders;
  for (int i = 0; i < kOrders; ++i) {
    if (i == 100) {
      ASSERT_TRUE(env->stack.RestartGateway().ok()) << env->stack.GatewayLog();
    }
    if (i == 150) {
      ASSERT_TRUE(env->stack.order->Restart().ok()) << env->stack.order->log();
    }
    HttpAnswer placed =
        Admin("POST", "/v1/orders", testing::HamburgOrderJson(env->erika, "MUG", 1).dump(),
              {absl::StrCat("Idempotency-Key: webhooks-order-", i)});
    ASSERT_TRUE(placed.status == 201 || placed.status == 202) << placed.body;
    orders.insert(Body(placed).value("id", ""));
  }
  ASSERT_EQ(orders.size(), static_cast<std::size_t>(kOrders));

  // While the endpoint fails, the subscription says so.
  ASSERT_TRUE(Eventually(
      [&] {
        HttpAnswer listed = Admin("GET", "/v1/webhooks");
        for (const auto& webhook : Body(listed).value("webhooks", json::array())) {
          if (webhook.value("id", "") == hook_id) {
            return webhook.value("failedAttempts", 0) > 0 &&
                   absl::StrContains(webhook.value("lastError", ""), "503");
          }
        }
        return false;
      },
      std::chrono::seconds(30)));
  // ... and so does its lag, the age of the oldest event it has not delivered.
  const auto lag_of_hook = [&] {
    HttpAnswer lag = Admin("GET", "/v1/consumers");
    EXPECT_EQ(lag.status, 200) << lag.body;
    for (const auto& consumer : Body(lag).value("consumers", json::array())) {
      if (consumer.value("consumer", "") == "webhook:" + hook_id) {
        return consumer.value("lagSeconds", 0.0);  // JSON leaves a zero out
      }
    }
    return -1.0;
  };
  ASSERT_TRUE(Eventually([&] { return lag_of_hook() >= 2.0; }, std::chrono::seconds(20)))
      << Admin("GET", "/v1/consumers").body;
  ASSERT_LT(Clock::now(), outage_ends) << "the orders took longer than the outage";

  // Every order confirmed (the saga of the one caught by the crash resumes), then every event
  // of theirs taken by the endpoint once the outage is over.
  ASSERT_TRUE(Eventually(
      [&] {
        for (const auto& order : orders) {
          if (Body(Admin("GET", "/v1/orders/" + order)).value("status", "") !=
              "ORDER_STATUS_CONFIRMED") {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(60)));
  const std::vector<std::string> expected = FeedIds(start, orders);
  ASSERT_GE(expected.size(), static_cast<std::size_t>(kOrders) * 3);  // pending, steps, confirmed
  const auto taken = [&] {
    std::vector<std::string> ids;  // the first 2xx of each id, in arrival order
    std::set<std::string> seen;
    for (const auto& request : endpoint.Received()) {
      if (request.status / 100 != 2) continue;
      const std::string& id = request.headers.at("webhook-id");
      if (seen.insert(id).second) ids.push_back(id);
    }
    return ids;
  };
  ASSERT_TRUE(
      Eventually([&] { return taken().size() >= expected.size(); }, std::chrono::seconds(120)))
      << taken().size() << " of " << expected.size();
  EXPECT_EQ(taken(), expected);  // each once by id, in feed order, none missing
  EXPECT_TRUE(Eventually([&] { return lag_of_hook() == 0.0; }, std::chrono::seconds(10)))
      << Admin("GET", "/v1/consumers").body;
  EXPECT_EQ(bad_signatures.load(), 0);
  for (const auto& request : endpoint.Received()) EXPECT_EQ(request.target, "/oms");

  // The endpoint that always failed: its first event dead-lettered after the window, then sent
  // again on request once it answers.
  std::string dead_delivery;
  ASSERT_TRUE(Eventually(
      [&] {
        HttpAnswer log = Admin("GET", "/v1/webhooks/" + dead_id + "/deliveries?pageSize=500");
        for (const auto& delivery : Body(log).value("deliveries", json::array())) {
          if (delivery.value("outcome", "") == "WEBHOOK_DELIVERY_OUTCOME_DEAD_LETTERED") {
            dead_delivery = delivery.value("id", "");
            EXPECT_EQ(delivery.value("eventType", ""), "order.status.confirmed");
            EXPECT_EQ(delivery.value("lastStatusCode", 0), 500);
          }
        }
        return !dead_delivery.empty();
      },
      std::chrono::seconds(kRetryWindowSeconds + 30)));
  dead = false;
  HttpAnswer redelivered =
      Admin("POST", "/v1/webhooks/" + dead_id + "/deliveries/" + dead_delivery + ":redeliver", "",
            {"Idempotency-Key: redeliver-1"});
  ASSERT_EQ(redelivered.status, 200) << redelivered.body;
  EXPECT_TRUE(Body(redelivered).value("redeliveryPending", false));
  ASSERT_TRUE(Eventually(
      [&] {
        HttpAnswer log = Admin("GET", "/v1/webhooks/" + dead_id + "/deliveries?pageSize=500");
        for (const auto& delivery : Body(log).value("deliveries", json::array())) {
          if (delivery.value("id", "") == dead_delivery) {
            return delivery.value("outcome", "") == "WEBHOOK_DELIVERY_OUTCOME_DELIVERED" &&
                   !delivery.value("redeliveryPending", true);
          }
        }
        return false;
      },
      std::chrono::seconds(30)))
      << Admin("GET", "/v1/webhooks/" + dead_id + "/deliveries?pageSize=500").body << "\n"
      << Admin("GET", "/v1/webhooks").body << "\n"
      << dead_endpoint.Received().size();
  EXPECT_EQ(Admin("POST", "/v1/webhooks/" + dead_id + "/deliveries/999999:redeliver", "",
                  {"Idempotency-Key: redeliver-2"})
                .status,
            404);
  HttpAnswer deleted = Admin("DELETE", "/v1/webhooks/" + dead_id);
  EXPECT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_FALSE(Body(deleted).value("deleteTime", "").empty()) << deleted.body;
}

TEST_F(GatewayWebhooksE2eTest, BadSubscriptionsAreRefusedNamingTheFieldAndOnlyAdminsSubscribe) {
  ASSERT_NE(env, nullptr);
  const std::vector<std::pair<json, std::string>> refused = {
      {json{{"url", "ftp://example.com/x"}}, "url"},
      {json{{"url", "http://169.254.169.254/latest/meta-data"}}, "url"},
      {json{{"url", "http://10.1.2.3/hook"}}, "url"},
      {json{{"url", "https://user:pw@example.com/hook"}}, "url"},
      {json{{"url", "https://example.com/hook"}, {"eventTypes", {"Order.Status"}}},
       "event_types[0]"},
  };
  for (const auto& [body, field] : refused) {
    HttpAnswer answer =
        Admin("POST", "/v1/webhooks", body.dump(), {"Idempotency-Key: bad-" + field + body.dump()});
    EXPECT_EQ(answer.status, 400) << body.dump() << " " << answer.body;
    EXPECT_TRUE(absl::StrContains(answer.body, field)) << answer.body;
  }
  HttpAnswer reader =
      testing::Call("GET", "/v1/webhooks", {testing::Bearer(testing::Token("", "orders:read"))});
  EXPECT_EQ(reader.status, 403) << reader.body;
  EXPECT_EQ(Admin("DELETE", "/v1/webhooks/not-an-id").status, 404);
  EXPECT_EQ(Admin("GET", "/v1/webhooks/00000000-0000-4000-8000-000000000000/deliveries").status,
            404);
}

}  // namespace
}  // namespace oms::gateway
