// WebhookDispatcher with PgWebhookStore on a real PostgreSQL, delivering to a real HTTP endpoint
// on loopback: every event once, signed, in feed order; a failing endpoint retried without loss;
// an event failing for the whole window dead-lettered, then redelivered on request; a slow
// endpoint holding up no other; two replicas delivering each event once; an inner address
// refused unless allowed.
#include "order-service/src/webhook_dispatcher.h"

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <prometheus/registry.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/testing/query_plan.h"
#include "order-service/src/event_feed_store.h"
#include "order-service/src/webhook_store.h"
#include "order-service/tests/order_db_fixture.h"
#include "tests/support/http_receiver.h"
#include "tests/support/standard_webhooks.h"

namespace oms::order {
namespace {

using oms::testing::HttpReceiver;
using oms::testing::ReceivedRequest;

template <class Condition>
bool Eventually(Condition condition, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

class WebhookDispatcherTest : public OrderDbTest {
 protected:
  WebhookDispatcherTest() : OrderDbTest("order_webhooks") {}

  void SetUp() override {
    OrderDbTest::SetUp();
    store_ = std::make_unique<PgWebhookStore>(*pool_);
    feed_ = std::make_unique<PgEventFeed>(*pool_);
    customer_ = Customer("hooks@example.com").id();
  }

  WebhookDispatcherOptions Options(const std::string& owner) {
    WebhookDispatcherOptions options;
    options.owner = owner;
    options.idle_pause = std::chrono::milliseconds(20);
    options.retry_base = std::chrono::milliseconds(20);
    options.retry_cap = std::chrono::milliseconds(200);
    options.page_size = 3;  // several pages in every test
    options.sender.allowed = *NetworkAllowList::Parse("127.0.0.0/8");
    options.sender.timeout = std::chrono::seconds(5);
    return options;
  }

  v1::CreatedWebhook Subscribe(const std::string& url, std::vector<std::string> types = {}) {
    v1::CreateWebhookRequest request;
    request.set_url(url);
    for (auto& type : types) request.add_event_types(type);
    v1::CreatedWebhook created;
    created.set_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    EXPECT_TRUE(store_->Create(request, created.secret(), created.mutable_webhook()).ok());
    return created;
  }

  // Places `count` orders; each has one event (STATUS_PENDING). Their order ids.
  std::vector<std::string> Place(int count, const std::string& prefix) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      ids.push_back(Insert(Request(customer_, absl::StrCat(prefix, i))).order_id);
    }
    return ids;
  }

  // The feed's events from the start, as the subscription should get them.
  std::vector<std::string> FeedCursors(const std::string& after) {
    v1::ListEventsResponse page;
    EXPECT_TRUE(feed_->ReadFeed(*ParseFeedCursor(after), 500, &page).ok());
    std::vector<std::string> cursors;
    for (const auto& event : page.events()) cursors.push_back(event.cursor());
    return cursors;
  }

  static std::vector<std::string> Ids(const std::vector<ReceivedRequest>& requests) {
    std::vector<std::string> ids;
    for (const auto& request : requests) ids.push_back(request.headers.at("webhook-id"));
    return ids;
  }

  std::vector<v1::WebhookDelivery> Log(const std::string& webhook_id) {
    v1::ListWebhookDeliveriesResponse log;
    EXPECT_TRUE(store_->ListDeliveries(webhook_id, "", 500, &log).ok());
    return {log.deliveries().begin(), log.deliveries().end()};
  }

  prometheus::Registry registry_;
  WebhookMetrics metrics_{registry_};
  std::unique_ptr<PgWebhookStore> store_;
  std::unique_ptr<PgEventFeed> feed_;
  std::string customer_;
};

TEST_F(WebhookDispatcherTest, EveryEventArrivesOnceSignedAndInFeedOrder) {
  HttpReceiver endpoint;
  ASSERT_NE(endpoint.port(), 0);
  const v1::CreatedWebhook hook = Subscribe(endpoint.url() + "/hooks/oms");
  const std::vector<std::string> orders = Place(7, "in-order-");
  WebhookDispatcher dispatcher(*store_, *feed_, metrics_, Options("replica-a"));
  dispatcher.Start();
  ASSERT_TRUE(Eventually([&] { return endpoint.Received().size() >= 7; }));
  dispatcher.Stop();

  const std::vector<ReceivedRequest> got = endpoint.Received();
  EXPECT_EQ(Ids(got), FeedCursors(""));
  std::vector<std::string> ordered;
  for (const auto& request : got) {
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/hooks/oms");
    EXPECT_EQ(request.headers.at("content-type"), "application/json");
    EXPECT_TRUE(oms::testing::StandardWebhookSignatureVerifies(hook.secret(), request))
        << request.body;
    const nlohmann::json body = nlohmann::json::parse(request.body);
    EXPECT_EQ(body["type"], "order.status.pending");
    EXPECT_EQ(body["data"]["cursor"], request.headers.at("webhook-id"));
    EXPECT_EQ(body["data"]["event"]["kind"], "STATUS_PENDING");
    ordered.push_back(body["data"]["orderId"]);
  }
  EXPECT_EQ(ordered, orders);
  const std::vector<v1::WebhookDelivery> log = Log(hook.webhook().id());
  ASSERT_EQ(log.size(), 7u);
  for (const auto& delivery : log) {
    EXPECT_EQ(delivery.outcome(), v1::WEBHOOK_DELIVERY_OUTCOME_DELIVERED);
    EXPECT_EQ(delivery.attempts(), 1);
    EXPECT_EQ(delivery.last_status_code(), 200);
  }
  EXPECT_EQ(log.front().event_id(), got.back().headers.at("webhook-id"));  // newest first
}

TEST_F(WebhookDispatcherTest, OnlyTheTypesAskedForAreSent) {
  HttpReceiver endpoint;
  Subscribe(endpoint.url(), {"order.status.confirmed"});
  const std::vector<std::string> orders = Place(4, "typed-");
  {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec_params(
        "INSERT INTO order_status_history (order_id, status) VALUES ($1::uuid, "
        "'CONFIRMED')",
        orders[2]);
    tx.commit();
  }
  WebhookDispatcher dispatcher(*store_, *feed_, metrics_, Options("replica-a"));
  dispatcher.Start();
  ASSERT_TRUE(Eventually([&] { return !endpoint.Received().empty(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // time for any stray delivery
  dispatcher.Stop();
  const auto got = endpoint.Received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(got[0].body)["data"]["orderId"], orders[2]);
}

// oms_order_feed_consumer_lag_seconds of `consumer` (none: no such series).
std::optional<double> FollowerLag(prometheus::Registry& registry, const std::string& consumer) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "oms_order_feed_consumer_lag_seconds") continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "consumer" && label.value == consumer) return metric.gauge.value;
      }
    }
  }
  return std::nullopt;
}

// Each follower's lag is exported: a subscription whose endpoint fails falls behind, and a
// deleted one loses its series.
TEST_F(WebhookDispatcherTest, EachFollowersLagIsExported) {
  HttpReceiver endpoint([](const ReceivedRequest&) { return 503; });
  const v1::CreatedWebhook hook = Subscribe(endpoint.url());
  const std::string consumer = "webhook:" + hook.webhook().id();
  Place(2, "lagging-");
  WebhookDispatcher dispatcher(*store_, *feed_, metrics_, Options("replica-a"));
  dispatcher.Start();
  ASSERT_TRUE(Eventually([&] { return FollowerLag(registry_, consumer).value_or(0) > 0.5; },
                         std::chrono::seconds(20)));
  EXPECT_TRUE(FollowerLag(registry_, "customer-notifier").has_value());
  v1::Webhook deleted;
  ASSERT_TRUE(store_->Delete(hook.webhook().id(), &deleted).ok());
  EXPECT_TRUE(Eventually([&] { return !FollowerLag(registry_, consumer).has_value(); },
                         std::chrono::seconds(20)));
  dispatcher.Stop();
}

TEST_F(WebhookDispatcherTest, AFailingEndpointIsRetriedUntilItTakesEveryEventInOrder) {
  std::atomic<int> refused{0};
  HttpReceiver endpoint([&refused](const ReceivedRequest&) {
    return refused.fetch_add(1) < 5 ? 503 : 200;  // down for its first five requests
  });
  const v1::CreatedWebhook hook = Subscribe(endpoint.url());
  Place(4, "retried-");
  WebhookDispatcher dispatcher(*store_, *feed_, metrics_, Options("replica-a"));
  dispatcher.Start();
  ASSERT_TRUE(Eventually([&] { return endpoint.Received().size() >= 9; }));
  dispatcher.Stop();

  const std::vector<std::string> ids = Ids(endpoint.Received());
  const std::vector<std::string> expected = FeedCursors("");
  // The first event five times refused, then taken; the others once each, in order.
  ASSERT_EQ(ids.size(), 9u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(ids[i], expected[0]);
  EXPECT_EQ(std::vector<std::string>(ids.begin() + 5, ids.end()), expected);
  const auto log = Log(hook.webhook().id());
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log.back().attempts(), 6);
  EXPECT_EQ(log.back().outcome(), v1::WEBHOOK_DELIVERY_OUTCOME_DELIVERED);
}

TEST_F(WebhookDispatcherTest, AnEventFailingForTheWholeWindowIsDeadLetteredThenRedelivered) {
  std::atomic<bool> down{true};
  HttpReceiver endpoint([&down](const ReceivedRequest&) { return down ? 500 : 204; });
  const v1::CreatedWebhook hook = Subscribe(endpoint.url());
  const std::string first = Place(1, "dead-")[0];
  WebhookDispatcherOptions options = Options("replica-a");
  options.retry_window = std::chrono::milliseconds(300);
  WebhookDispatcher dispatcher(*store_, *feed_, metrics_, options);
  dispatcher.Start();
  ASSERT_TRUE(Eventually([&] { return !Log(hook.webhook().id()).empty(); }));
  std::vector<v1::WebhookDelivery> log = Log(hook.webhook().id());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].outcome(), v1::WEBHOOK_DELIVERY_OUTCOME_DEAD_LETTERED);
  EXPECT_EQ(log[0].order_id(), first);
  EXPECT_GT(log[0].attempts(), 1);
  EXPECT_EQ(log[0].last_status_code(), 500);
  EXPECT_TRUE(absl::StrContains(log[0].last_error(), "500")) << log[0].last_error();

  // The endpoint is back: the next event goes through, and the dead one when asked.
  down = false;
  const std::string second = Place(1, "alive-")[0];
  ASSERT_TRUE(Eventually([&] { return Log(hook.webhook().id()).size() == 2; }));
  v1::WebhookDelivery redelivery;
  ASSERT_TRUE(store_->Redeliver(hook.webhook().id(), log[0].id(), &redelivery).ok());
  EXPECT_TRUE(redelivery.redelivery_pending());
  ASSERT_TRUE(Eventually([&] {
    const auto now = Log(hook.webhook().id());
    return now.back().outcome() == v1::WEBHOOK_DELIVERY_OUTCOME_DELIVERED &&
           !now.back().redelivery_pending();
  }));
  dispatcher.Stop();
  const auto answered_204 = endpoint.Received();
  std::vector<std::string> taken;
  for (std::size_t i = answered_204.size() - 2; i < answered_204.size(); ++i) {
    taken.push_back(nlohmann::json::parse(answered_204[i].body)["data"]["orderId"]);
  }
  EXPECT_EQ(taken, (std::vector<std::string>{second, first}));
  EXPECT_EQ(Log(hook.webhook().id()).back().last_status_code(), 204);

  v1::WebhookDelivery missing;
  EXPECT_EQ(store_->Redeliver(hook.webhook().id(), "999999", &missing).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(WebhookDispatcherTest, ASlowEndpointHoldsUpNoOther) {
  HttpReceiver slow([](const ReceivedRequest&) {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    return 200;
  });
  HttpReceiver quick;
  Subscribe(slow.url());
  Subscribe(quick.url());
  Place(5, "slow-");
  WebhookDispatcher dispatcher(*store_, *feed_, metrics_, Options("replica-a"));
  dispatcher.Start();
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually([&] { return quick.Received().size() == 5; }));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500));
  EXPECT_LE(slow.Received().size(), 1u);
  dispatcher.Stop();
}

TEST_F(WebhookDispatcherTest, TwoReplicasDeliverEachEventOnce) {
  HttpReceiver endpoint;
  Subscribe(endpoint.url());
  Subscribe(endpoint.url() + "/second");
  WebhookDispatcher a(*store_, *feed_, metrics_, Options("replica-a"));
  WebhookDispatcher b(*store_, *feed_, metrics_, Options("replica-b"));
  a.Start();
  b.Start();
  Place(10, "two-");
  ASSERT_TRUE(Eventually([&] { return endpoint.Received().size() >= 20; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  a.Stop();
  b.Stop();
  std::map<std::string, std::vector<std::string>> by_target;
  for (const auto& request : endpoint.Received()) {
    by_target[request.target].push_back(request.headers.at("webhook-id"));
  }
  EXPECT_EQ(by_target["/"], FeedCursors(""));
  EXPECT_EQ(by_target["/second"], FeedCursors(""));
}

TEST_F(WebhookDispatcherTest, TheDispatchersStatementsAreServedByIndexes) {
  const std::string webhook = "'00000000-0000-4000-8000-000000000001'";
  testing::ExpectServedByIndexes(
      *pool_, PgWebhookStore::Statements(),
      {{"webhooks_claim", "'replica-a', 60000"},
       {"webhook_deliveries_list", webhook + ", 9223372036854775807, 51"},
       {"webhook_deliveries_next_redelivery", webhook},
       {"webhooks_release", webhook + ", 'replica-a', 500"}});
}

TEST_F(WebhookDispatcherTest, AnInnerAddressIsRefusedUnlessAllowed) {
  HttpReceiver endpoint;
  const v1::CreatedWebhook hook = Subscribe(endpoint.url());
  Place(1, "inner-");
  WebhookDispatcherOptions options = Options("replica-a");
  options.sender.allowed = NetworkAllowList();
  WebhookDispatcher dispatcher(*store_, *feed_, metrics_, options);
  dispatcher.Start();
  v1::ListWebhooksResponse listed;
  ASSERT_TRUE(Eventually([&] {
    listed.Clear();
    EXPECT_TRUE(store_->List("", 10, &listed).ok());
    return listed.webhooks_size() == 1 && listed.webhooks(0).failed_attempts() > 0;
  }));
  dispatcher.Stop();
  EXPECT_TRUE(endpoint.Received().empty());
  EXPECT_TRUE(absl::StrContains(listed.webhooks(0).last_error(), "refused to connect to 127.0.0.1"))
      << listed.webhooks(0).last_error();
  EXPECT_TRUE(listed.webhooks(0).has_failing_since());
}

}  // namespace
}  // namespace oms::order
