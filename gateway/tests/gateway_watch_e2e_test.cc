// GET /v1/orders/{id}:watch through the gateway in front of all four real services: a watcher
// sees every event of its order in timeline order as they happen, heartbeats while idle, and
// after a reconnect with Last-Event-ID resumes without repeats or gaps; the ownership rule and
// scopes of GET /v1/orders/{id}; the caps on open streams, in all and per credential; a stream
// ended soon after its API key is revoked; and streams ended cleanly when the gateway shuts
// down.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "common/testing/scrape.h"
#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/http_client.h"
#include "gateway/tests/order_json.h"
#include "gateway/tests/sse_client.h"
#include "gateway/tests/test_keys.h"
#include "tests/support/order_fixtures.h"
#include "tests/support/process.h"
#include "tests/support/service_under_test.h"

namespace oms::gateway {
namespace {

using google::protobuf::util::TimeUtil;
using nlohmann::json;
using testing::Admin;
using testing::Bearer;
using testing::Body;
using testing::Call;
using testing::HttpAnswer;
using testing::ServerSentEvent;
using testing::SseClient;
using testing::Token;

constexpr char kAdminKey[] = "watch-e2e-bootstrap-admin-key-0123";
constexpr char kMissingId[] = "00000000-0000-4000-8000-000000000000";
constexpr int kMaxStreams = 4;
constexpr int kMaxStreamsPerCredential = 2;
// Small, so that a revoked key's stream ends within seconds: its credential is verified every
// 300 ms, and an API key's verification is remembered for 1 s.
constexpr std::chrono::milliseconds kRecheck{300};
constexpr std::chrono::seconds kApiKeyCache{1};

struct Env {
  testing::GatewayStack stack;
  testing::TestKey key;
  std::string erika, max;
};
Env* env = nullptr;

// A confirmed order of one MUG for `customer_id`.
json PlaceOrder(const std::string& customer_id, const std::string& key) {
  const json body = testing::HamburgOrderJson(customer_id, "MUG", 1);
  HttpAnswer placed = Admin("POST", "/v1/orders", body.dump(), {"Idempotency-Key: " + key});
  EXPECT_EQ(placed.status, 201) << placed.body;
  json order = Body(placed);
  EXPECT_EQ(order.value("status", ""), "ORDER_STATUS_CONFIRMED") << order.dump();
  return order;
}

void PostEvent(const std::string& shipment_id, const std::string& type) {
  HttpAnswer event = Call("POST", "/v1/shipments/" + shipment_id + "/events",
                          {Bearer(Token("", "shipments:write"))},
                          json{{"type", "SHIPMENT_EVENT_TYPE_" + type},
                               {"occurredAt", TimeUtil::ToString(TimeUtil::GetCurrentTime())},
                               {"location", "Hamburg"}}
                              .dump());
  ASSERT_EQ(event.status, 200) << event.body;
}

std::vector<std::string> TimelineIds(const std::string& order_id) {
  HttpAnswer timeline = Admin("GET", "/v1/orders/" + order_id + "/timeline");
  EXPECT_EQ(timeline.status, 200) << timeline.body;
  const json body = Body(timeline);
  std::vector<std::string> ids;
  if (body.contains("events")) {
    for (const auto& event : body["events"]) ids.push_back(event.value("id", ""));
  }
  return ids;
}

// The timeline id of a watched event (its SSE id is the resume token).
std::string TimelineIdOf(const ServerSentEvent& event) {
  return json::parse(event.data, nullptr, false).value("id", "");
}

std::string WatchPath(const std::string& order_id) { return "/v1/orders/" + order_id + ":watch"; }

// Bearer credentials of `n` different callers, none bound to a customer: tokens of the same
// service told apart by their `jti`.
std::vector<std::string> Callers(int n) {
  std::vector<std::string> callers;
  for (int i = 0; i < n; ++i) {
    json claims = testing::ValidClaims("", "orders:read");
    claims["jti"] = absl::StrCat("watcher-", i);
    callers.push_back(Bearer(testing::SignJwt(env->key, "RS256", claims)));
  }
  return callers;
}

// An API key with orders:read, made by the admin: its id and its Authorization header.
struct ApiKey {
  std::string id;
  std::string bearer;
};
ApiKey CreateApiKey(const std::string& name) {
  HttpAnswer created =
      Admin("POST", "/v1/apiKeys", json{{"name", name}, {"scopes", {"orders:read"}}}.dump());
  EXPECT_EQ(created.status, 201) << created.body;
  const json body = Body(created);
  return {body["key"].value("id", ""), Bearer(body.value("secret", ""))};
}

// A watch of `path` with `credential` that is running: answered 200 and its first event read.
std::unique_ptr<SseClient> OpenRunningWatch(const std::string& path,
                                            const std::string& credential) {
  auto watch = std::make_unique<SseClient>();
  EXPECT_TRUE(watch->Open(env->stack.http_port, path, {credential}).ok());
  EXPECT_EQ(watch->status(), 200) << watch->body();
  EXPECT_TRUE(watch->Next(std::chrono::seconds(10)).has_value());
  return watch;
}

// The error body's reason of a refused watch.
std::string RefusalReason(const SseClient& refused) {
  const json body = json::parse(refused.body(), nullptr, false);
  return body.is_discarded() ? "" : body["error"].value("reason", "");
}

// Waits until the gateway holds no stream (its oms_gateway_open_streams gauge), so that a test
// of the caps starts with every slot free, whatever streams earlier tests left closing.
void WaitForNoOpenStreams() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string exposition;
  while (std::chrono::steady_clock::now() < deadline) {
    auto scraped = oms::testing::HttpGet(
        absl::StrCat("http://127.0.0.1:", env->stack.metrics_port, "/metrics"));
    if (scraped.ok()) {
      exposition = *scraped;
      auto open = oms::testing::SampleValue(exposition, "oms_gateway_open_streams");
      if (open.ok() && *open == 0) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "streams are still open:\n" << exposition;
}

// The watch path of a fresh order (placed with Idempotency-Key `key`), once no stream is open.
std::string CapTestPath(const std::string& key) {
  const json order = PlaceOrder(env->erika, key);
  WaitForNoOpenStreams();
  return WatchPath(order.value("id", ""));
}

// Reads events into `seen` until the order's timeline holds exactly the events seen and no
// more arrive for a moment (the order has settled), or 30 s pass.
void ReadUntilSettled(SseClient& watch, const std::string& order_id,
                      std::vector<ServerSentEvent>& seen) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto event = watch.Next(std::chrono::milliseconds(700));
    if (event) {
      seen.push_back(*event);
      continue;
    }
    if (watch.ended()) return;
    std::vector<std::string> ids;
    for (const auto& e : seen) ids.push_back(TimelineIdOf(e));
    std::vector<std::string> timeline = TimelineIds(order_id);
    std::sort(ids.begin(), ids.end());
    std::sort(timeline.begin(), timeline.end());
    if (ids == timeline) return;
  }
}

class GatewayWatchE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->key = testing::MakeRsaKey("watch-e2e-key");
    testing::UseGateway(env->stack, env->key, kAdminKey);
    absl::Status started = env->stack.Start(
        kAdminKey, {&env->key},
        {{"OMS_GATEWAY_WATCH_HEARTBEAT_MS", "200"},
         {"OMS_GATEWAY_MAX_WATCH_STREAMS", std::to_string(kMaxStreams)},
         {"OMS_GATEWAY_MAX_WATCH_STREAMS_PER_CREDENTIAL", std::to_string(kMaxStreamsPerCredential)},
         {"OMS_GATEWAY_WATCH_RECHECK_MS", std::to_string(kRecheck.count())},
         {"OMS_GATEWAY_API_KEY_CACHE_SECONDS", std::to_string(kApiKeyCache.count())}});
    ASSERT_TRUE(started.ok()) << started;
    auto seeded = oms::testing::SeedTwoWarehouses(env->stack.inventory->channel(), 6, 20);
    ASSERT_TRUE(seeded.ok()) << seeded.status();
    for (auto [who, email] :
         {std::pair{&env->erika, "erika@example.com"}, std::pair{&env->max, "max@example.com"}}) {
      auto id = oms::testing::CreateHamburgCustomer(env->stack.order->channel(), email);
      ASSERT_TRUE(id.ok()) << id.status();
      *who = *id;
    }
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }
};

TEST_F(GatewayWatchE2eTest, AWatcherSeesEveryEventInOrderAndResumesWithoutRepeatsOrGaps) {
  ASSERT_NE(env, nullptr);
  const json order = PlaceOrder(env->erika, "watch-1");
  const std::string order_id = order.value("id", "");
  const std::string shipment_id = order["shipments"][0].value("shipmentId", "");
  ASSERT_FALSE(shipment_id.empty()) << order.dump();
  const std::string erika = Bearer(Token(env->erika, "orders:read"));

  SseClient watch;
  ASSERT_TRUE(watch.Open(env->stack.http_port, WatchPath(order_id), {erika}).ok());
  ASSERT_EQ(watch.status(), 200) << watch.body();
  EXPECT_EQ(watch.headers().at("content-type"), "text/event-stream");
  EXPECT_EQ(watch.headers().at("cache-control"), "no-cache");

  // Everything so far, in timeline order.
  std::vector<ServerSentEvent> seen;
  ReadUntilSettled(watch, order_id, seen);
  ASSERT_FALSE(seen.empty());
  const std::size_t placed = seen.size();
  for (const auto& event : seen) {
    EXPECT_EQ(event.event, "timeline");
    json data = json::parse(event.data, nullptr, false);
    ASSERT_FALSE(data.is_discarded()) << event.data;
    EXPECT_EQ(data.value("resumeToken", ""), event.id);
    EXPECT_EQ(event.id.rfind("r1~", 0), 0u) << event.id;
    EXPECT_FALSE(data.value("kind", "").empty());
  }
  // Then what happens, as it happens.
  PostEvent(shipment_id, "PICKED");
  auto picked = watch.Next(std::chrono::seconds(15));
  ASSERT_TRUE(picked.has_value()) << "a new event reaches the watcher";
  seen.push_back(*picked);
  ReadUntilSettled(watch, order_id, seen);
  EXPECT_GT(seen.size(), placed);
  // Idle: heartbeats keep the stream open.
  const int heartbeats = watch.heartbeats();
  EXPECT_FALSE(watch.Next(std::chrono::milliseconds(700)).has_value());
  EXPECT_GT(watch.heartbeats(), heartbeats);
  EXPECT_FALSE(watch.ended());

  // The client goes away; the order moves on meanwhile.
  watch.Close();
  PostEvent(shipment_id, "PACKED");
  PostEvent(shipment_id, "SHIPPED");
  PostEvent(shipment_id, "DELIVERED");
  // It comes back with the last SSE id it saw (a resume token), and gets exactly what it missed,
  // then what follows.
  SseClient resumed;
  ASSERT_TRUE(resumed
                  .Open(env->stack.http_port, WatchPath(order_id),
                        {erika, "Last-Event-ID: " + seen.back().id})
                  .ok());
  ASSERT_EQ(resumed.status(), 200) << resumed.body();
  const std::size_t before_resume = seen.size();
  ReadUntilSettled(resumed, order_id, seen);
  EXPECT_GT(seen.size(), before_resume) << "what happened while away";

  // Every event of the timeline exactly once: none repeated across the reconnect, none missed.
  std::vector<std::string> seen_ids;
  std::string story;
  for (const auto& event : seen) {
    seen_ids.push_back(TimelineIdOf(event));
    absl::StrAppend(&story, event.data, "\n");
  }
  std::vector<std::string> timeline = TimelineIds(order_id);
  std::sort(seen_ids.begin(), seen_ids.end());
  EXPECT_EQ(std::adjacent_find(seen_ids.begin(), seen_ids.end()), seen_ids.end()) << story;
  std::sort(timeline.begin(), timeline.end());
  EXPECT_EQ(seen_ids, timeline) << story;
  // In the order things happened: the order's statuses as it moved on, the shipment's journal
  // as the warehouse posted it. (The stream follows the order oms recorded events in, the
  // timeline the times they happened: carrier times have whole seconds, so the two may
  // interleave sources differently.)
  auto kinds_of = [&seen](const std::string& source) {
    std::vector<std::string> kinds;
    for (const auto& event : seen) {
      json data = json::parse(event.data, nullptr, false);
      if (data.value("source", "") == source) kinds.push_back(data.value("kind", ""));
    }
    return kinds;
  };
  EXPECT_EQ(kinds_of("shipping"),
            (std::vector<std::string>{"PICKED", "PACKED", "SHIPPED", "DELIVERED"}))
      << story;
  EXPECT_EQ(kinds_of("order"),
            (std::vector<std::string>{"STATUS_PENDING", "STATUS_CONFIRMED", "STATUS_SHIPPED",
                                      "STATUS_DELIVERED", "STATUS_COMPLETED"}))
      << story;
}

TEST_F(GatewayWatchE2eTest, WatchingFollowsTheRulesOfReadingTheOrder) {
  ASSERT_NE(env, nullptr);
  const json order = PlaceOrder(env->erika, "watch-2");
  const std::string path = WatchPath(order.value("id", ""));
  const std::string rid = "X-Request-Id: same-request-id";
  auto open = [](const std::string& target, std::vector<std::string> headers) {
    auto watch = std::make_unique<SseClient>();
    EXPECT_TRUE(watch->Open(env->stack.http_port, target, headers).ok());
    return watch;
  };
  EXPECT_EQ(open(path, {})->status(), 401);
  EXPECT_EQ(open(path, {Bearer(Token(env->erika, "orders:write"))})->status(), 403);
  // Another customer's order: byte for byte a missing one.
  auto foreign = open(path, {Bearer(Token(env->max, "orders:read")), rid});
  auto missing = open(WatchPath(kMissingId), {Bearer(Token(env->max, "orders:read")), rid});
  auto missing_for_admin = open(WatchPath(kMissingId), {Bearer(kAdminKey), rid});
  EXPECT_EQ(foreign->status(), 404);
  std::string foreign_body = foreign->body();
  const std::string order_id = order.value("id", "");
  ASSERT_NE(foreign_body.find(order_id), std::string::npos) << foreign_body;
  foreign_body.replace(foreign_body.find(order_id), order_id.size(), kMissingId);
  EXPECT_EQ(foreign_body, missing->body());
  EXPECT_EQ(missing->body(), missing_for_admin->body());
  EXPECT_EQ(open(path, {Bearer(kAdminKey), "Last-Event-ID: has space"})->status(), 400);
  // Credentials not bound to a customer watch any order.
  auto service = open(path, {Bearer(Token("", "orders:read"))});
  EXPECT_EQ(service->status(), 200);
  EXPECT_TRUE(service->Next(std::chrono::seconds(10)).has_value());
}

TEST_F(GatewayWatchE2eTest, OpenStreamsAreCapped) {
  ASSERT_NE(env, nullptr);
  const std::string path = CapTestPath("watch-3");
  // One stream each, so that only the gateway's cap is reached.
  const std::vector<std::string> callers = Callers(kMaxStreams);
  std::vector<std::unique_ptr<SseClient>> open;
  for (const std::string& caller : callers) open.push_back(OpenRunningWatch(path, caller));
  SseClient refused;
  ASSERT_TRUE(refused.Open(env->stack.http_port, path, {Bearer(kAdminKey)}).ok());
  EXPECT_EQ(refused.status(), 503);
  EXPECT_EQ(RefusalReason(refused), "TOO_MANY_STREAMS") << refused.body();
  EXPECT_FALSE(refused.headers().at("retry-after").empty());
  // A watcher that goes away frees its slot.
  open.front()->Close();
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    SseClient again;
    ASSERT_TRUE(again.Open(env->stack.http_port, path, {callers.front()}).ok());
    status = again.status();
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (status != 200 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(status, 200);
}

TEST_F(GatewayWatchE2eTest, OneCredentialHoldsAtMostItsCapOfStreams) {
  ASSERT_NE(env, nullptr);
  const std::string path = CapTestPath("watch-5");
  const ApiKey hungry = CreateApiKey("hungry watcher");
  const ApiKey other = CreateApiKey("other watcher");
  std::vector<std::unique_ptr<SseClient>> open;
  for (int i = 0; i < kMaxStreamsPerCredential; ++i) {
    open.push_back(OpenRunningWatch(path, hungry.bearer));
  }
  // One more of the same key: refused by its own cap, with room left on the gateway.
  SseClient refused;
  ASSERT_TRUE(refused.Open(env->stack.http_port, path, {hungry.bearer}).ok());
  EXPECT_EQ(refused.status(), 429) << refused.body();
  EXPECT_EQ(RefusalReason(refused), "TOO_MANY_STREAMS_FOR_CREDENTIAL") << refused.body();
  EXPECT_FALSE(refused.headers().at("retry-after").empty());
  // Another key still watches.
  open.push_back(OpenRunningWatch(path, other.bearer));
  // And the first key's streams were not disturbed.
  for (int i = 0; i < kMaxStreamsPerCredential; ++i) EXPECT_FALSE(open[i]->ended()) << i;
}

TEST_F(GatewayWatchE2eTest, AStreamEndsSoonAfterItsApiKeyIsRevoked) {
  ASSERT_NE(env, nullptr);
  const std::string path = CapTestPath("watch-6");
  const ApiKey key = CreateApiKey("revoked watcher");
  auto revoked = OpenRunningWatch(path, key.bearer);
  auto bystander = OpenRunningWatch(path, Bearer(kAdminKey));

  HttpAnswer revocation = Admin("DELETE", "/v1/apiKeys/" + key.id);
  ASSERT_EQ(revocation.status, 200) << revocation.body;
  const auto revoked_at = std::chrono::steady_clock::now();
  // Within a check interval after the cached answer expires; the deadline only bounds the wait.
  std::optional<ServerSentEvent> why;
  const auto deadline = revoked_at + std::chrono::seconds(15);
  while (!revoked->ended() && std::chrono::steady_clock::now() < deadline) {
    auto event = revoked->Next(std::chrono::milliseconds(100));
    if (event && event->event == "stream-error") why = event;
  }
  const auto ended_after = std::chrono::steady_clock::now() - revoked_at;
  EXPECT_TRUE(revoked->terminated()) << "the body ended with its last chunk";
  EXPECT_LT(ended_after, kRecheck + kApiKeyCache + std::chrono::seconds(2));
  // The client was told why, in the API's error body.
  ASSERT_TRUE(why.has_value()) << "a stream-error event before the end";
  const json body = json::parse(why->data, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << why->data;
  EXPECT_EQ(body["error"].value("code", 0), 401) << why->data;
  EXPECT_EQ(body["error"].value("status", ""), "UNAUTHENTICATED") << why->data;
  EXPECT_EQ(body["error"].value("reason", ""), "INVALID_CREDENTIALS") << why->data;

  // Only that stream: the admin's goes on (its heartbeats keep coming).
  const int heartbeats = bystander->heartbeats();
  const auto beat_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (bystander->heartbeats() == heartbeats && !bystander->ended() &&
         std::chrono::steady_clock::now() < beat_deadline) {
    (void)bystander->Next(std::chrono::milliseconds(100));
  }
  EXPECT_GT(bystander->heartbeats(), heartbeats);
  EXPECT_FALSE(bystander->ended());
  // And the key opens no new one.
  SseClient again;
  ASSERT_TRUE(again.Open(env->stack.http_port, path, {key.bearer}).ok());
  EXPECT_EQ(again.status(), 401) << again.body();
}

// Last: stops the gateway.
TEST_F(GatewayWatchE2eTest, ShutdownEndsOpenStreamsCleanly) {
  ASSERT_NE(env, nullptr);
  const json order = PlaceOrder(env->erika, "watch-4");
  SseClient watch;
  ASSERT_TRUE(
      watch.Open(env->stack.http_port, WatchPath(order.value("id", "")), {Bearer(kAdminKey)}).ok());
  ASSERT_EQ(watch.status(), 200);
  ASSERT_TRUE(watch.Next(std::chrono::seconds(10)).has_value());
  ASSERT_EQ(kill(env->stack.gateway.pid(), SIGTERM), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!watch.ended() && std::chrono::steady_clock::now() < deadline) {
    (void)watch.Next(std::chrono::milliseconds(500));
  }
  EXPECT_TRUE(watch.terminated()) << "the body ended with its last chunk";
  auto exited = env->stack.gateway.WaitForExit(std::chrono::seconds(15));
  ASSERT_TRUE(exited.ok()) << exited.status();
  EXPECT_TRUE(WIFEXITED(*exited)) << env->stack.GatewayLog();
  EXPECT_EQ(WEXITSTATUS(*exited), 0) << env->stack.GatewayLog();
}

}  // namespace
}  // namespace oms::gateway
