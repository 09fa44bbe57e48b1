// GET /v1/events through the gateway, in front of the four real services: an integrator follows
// every order from a cursor and gets each event once, shaped (and identified) as in the order's
// timeline; bad cursors, customer-bound credentials and missing scopes are refused. And the
// customer notifications that follow the same feed.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/order_json.h"
#include "gateway/tests/seeded_suite.h"
#include "oms/order/v1/order.grpc.pb.h"

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

constexpr char kAdminKey[] = "event-feed-e2e-bootstrap-admin-key-01";

class GatewayEventFeedE2eTest : public testing::SeededSuite<GatewayEventFeedE2eTest> {
 public:
  static testing::SeededOptions Options() { return {"event-feed-e2e-key", kAdminKey, 6, 5}; }

 protected:
  static std::string Place(const std::string& key, const std::string& token,
                           const std::string& status) {
    HttpAnswer placed =
        Admin("POST", "/v1/orders", testing::HamburgOrderJson(env->erika, "MUG", 1, token).dump(),
              {"Idempotency-Key: " + key});
    EXPECT_EQ(placed.status, 201) << placed.body;
    EXPECT_EQ(Body(placed).value("status", ""), status) << placed.body;
    return Body(placed).value("id", "");
  }

  // One page of the feed as `credential` reads it.
  static HttpAnswer Page(const std::string& query, const std::string& credential = "") {
    const std::string path = "/v1/events" + query;
    return credential.empty() ? Admin("GET", path) : Call("GET", path, {credential});
  }
};

TEST_F(GatewayEventFeedE2eTest, AnIntegratorFollowsEveryOrderFromItsCursorAndSeesEachEventOnce) {
  ASSERT_NE(env, nullptr);
  // Where the feed ends now: read to the end, then only what comes after matters.
  std::string cursor;
  for (int pages = 0; pages < 100; ++pages) {
    HttpAnswer page = Page(cursor.empty() ? "?pageSize=500" : "?pageSize=500&after=" + cursor);
    ASSERT_EQ(page.status, 200) << page.body;
    cursor = Body(page).value("nextCursor", "");
    if (Body(page).value("events", json::array()).empty()) break;
  }
  ASSERT_FALSE(cursor.empty());

  const std::string confirmed = Place("feed-confirmed", "tok_visa", "ORDER_STATUS_CONFIRMED");
  const std::string declined =
      Place("feed-declined", "tok_chargeDeclined", "ORDER_STATUS_REJECTED");
  // A warehouse's scan of the confirmed order's shipment: a shipment event of the feed.
  HttpAnswer read = Admin("GET", "/v1/orders/" + confirmed);
  ASSERT_EQ(read.status, 200) << read.body;
  const std::string shipment = Body(read)["shipments"][0].value("shipmentId", "");
  HttpAnswer picked = Admin("POST", "/v1/shipments/" + shipment + "/events",
                            json{{"type", "PICKED"},
                                 {"occurredAt", "2026-12-01T09:30:00Z"},
                                 {"location", "Hamburg DC"},
                                 {"note", "aisle 4"}}
                                .dump());
  ASSERT_EQ(picked.status, 200) << picked.body;

  // Followed three at a time until both orders reached their status (an integrator's poll).
  std::map<std::string, std::vector<json>> by_order;
  std::set<std::string> cursors, ids;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto has = [&](const std::string& order, const std::string& kind) {
    for (const auto& event : by_order[order]) {
      if (event.value("kind", "") == kind) return true;
    }
    return false;
  };
  while (!(has(confirmed, "PICKED") && has(declined, "STATUS_REJECTED")) &&
         std::chrono::steady_clock::now() < deadline) {
    HttpAnswer page = Page("?pageSize=3&after=" + cursor);
    ASSERT_EQ(page.status, 200) << page.body;
    const json body = Body(page);
    const json events = body.value("events", json::array());
    EXPECT_LE(events.size(), 3u);
    for (const auto& fed : events) {
      EXPECT_TRUE(cursors.insert(fed.value("cursor", "")).second) << fed.dump();
      const json event = fed.value("event", json::object());
      EXPECT_TRUE(ids.insert(event.value("id", "")).second) << fed.dump();
      by_order[fed.value("orderId", "")].push_back(event);
    }
    if (!events.empty()) {
      EXPECT_EQ(body.value("nextCursor", ""), events.back().value("cursor", ""));
    }
    cursor = body.value("nextCursor", cursor);
    if (events.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(has(confirmed, "PICKED")) << json(by_order[confirmed]).dump();
  EXPECT_TRUE(has(confirmed, "STATUS_CONFIRMED")) << json(by_order[confirmed]).dump();
  ASSERT_TRUE(has(declined, "STATUS_REJECTED")) << json(by_order[declined]).dump();
  EXPECT_TRUE(has(confirmed, "STATUS_PENDING"));
  EXPECT_TRUE(has(declined, "authorize FORWARD REFUSED")) << json(by_order[declined]).dump();

  // Every event fed is in the order's timeline under the same id, with the same shape.
  for (const std::string& order : {confirmed, declined}) {
    HttpAnswer timeline = Admin("GET", "/v1/orders/" + order + "/timeline");
    ASSERT_EQ(timeline.status, 200) << timeline.body;
    std::map<std::string, json> shown;
    const json shown_events = Body(timeline).value("events", json::array());
    for (const auto& event : shown_events) shown[event.value("id", "")] = event;
    for (const auto& event : by_order[order]) {
      ASSERT_EQ(shown.count(event.value("id", "")), 1u) << event.dump();
      const json& same = shown[event.value("id", "")];
      for (const char* field : {"source", "kind", "detail", "subject", "time", "recordedTime"}) {
        EXPECT_EQ(same.value(field, ""), event.value(field, "")) << field << " " << event.dump();
      }
    }
  }
}

TEST_F(GatewayEventFeedE2eTest, BadCursorsCustomerCredentialsAndMissingScopesAreRefused) {
  ASSERT_NE(env, nullptr);
  for (const char* after : {"garbage", "1.3.3", "-1.0.0", "1.0.1.1"}) {
    HttpAnswer refused = Page(std::string("?after=") + after);
    EXPECT_EQ(refused.status, 400) << after << " " << refused.body;
    EXPECT_EQ(Reason(refused), "INVALID_FIELD") << refused.body;
    EXPECT_NE(refused.body.find("after"), std::string::npos) << refused.body;
  }
  EXPECT_EQ(Page("?pageSize=-1").status, 400);
  EXPECT_EQ(Reason(Page("?from=1")), "UNKNOWN_QUERY_PARAMETER");

  HttpAnswer customer = Page("", Bearer(Token(env->erika, "orders:read")));
  EXPECT_EQ(customer.status, 403) << customer.body;
  EXPECT_EQ(Reason(customer), "CUSTOMER_MISMATCH");
  HttpAnswer warehouse = Page("", Bearer(Token("", "shipments:write")));
  EXPECT_EQ(warehouse.status, 403) << warehouse.body;
  EXPECT_EQ(Reason(warehouse), "MISSING_SCOPE");
  HttpAnswer integrator = Page("?pageSize=1", Bearer(Token("", "orders:read")));
  EXPECT_EQ(integrator.status, 200) << integrator.body;
  EXPECT_LE(Body(integrator).value("events", json::array()).size(), 1u);
  EXPECT_FALSE(Body(integrator).value("nextCursor", "").empty());
}

// order-service's StreamEvents: from a cursor, the same events in the same order as the pages of
// GET /v1/events, each new one as it commits; a reconnect from the last cursor repeats nothing.
TEST_F(GatewayEventFeedE2eTest, TheStreamSendsWhatThePagesHoldAndResumesFromItsLastCursor) {
  ASSERT_NE(env, nullptr);
  auto stub = oms::order::v1::OrderService::NewStub(env->stack.order->channel());
  std::string start;
  for (int pages = 0; pages < 100; ++pages) {
    HttpAnswer page = Page(start.empty() ? "?pageSize=500" : "?pageSize=500&after=" + start);
    ASSERT_EQ(page.status, 200) << page.body;
    start = Body(page).value("nextCursor", start);
    if (Body(page).value("events", json::array()).empty()) break;
  }

  // Reads the stream from `after` until an event of `order` of `kind` arrives: the cursors, in
  // the order they came.
  const auto follow = [&](const std::string& after, const std::string& order,
                          const std::string& kind) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    oms::order::v1::StreamEventsRequest request;
    request.set_after(after);
    auto reader = stub->StreamEvents(&context, request);
    std::vector<std::string> cursors;
    oms::order::v1::FeedEvent fed;
    while (reader->Read(&fed)) {
      cursors.push_back(fed.cursor());
      if (fed.order_id() == order && fed.event().kind() == kind) break;
    }
    context.TryCancel();
    return cursors;
  };

  const std::string first = Place("stream-1", "tok_visa", "ORDER_STATUS_CONFIRMED");
  const std::vector<std::string> streamed = follow(start, first, "STATUS_CONFIRMED");
  ASSERT_FALSE(streamed.empty());
  std::vector<std::string> paged;
  std::string cursor = start;
  while (paged.size() < streamed.size()) {
    HttpAnswer page = Page("?pageSize=2&after=" + cursor);
    ASSERT_EQ(page.status, 200) << page.body;
    const json events = Body(page).value("events", json::array());
    ASSERT_FALSE(events.empty()) << "the pages hold fewer events than the stream sent";
    for (const auto& fed : events) paged.push_back(fed.value("cursor", ""));
    cursor = Body(page).value("nextCursor", cursor);
  }
  paged.resize(streamed.size());
  EXPECT_EQ(streamed, paged);

  // Reconnecting after the last cursor received: only what came after it.
  const std::string second = Place("stream-2", "tok_visa", "ORDER_STATUS_CONFIRMED");
  const std::vector<std::string> resumed = follow(streamed.back(), second, "STATUS_CONFIRMED");
  ASSERT_FALSE(resumed.empty());
  for (const auto& seen : streamed) {
    EXPECT_EQ(std::count(resumed.begin(), resumed.end(), seen), 0) << seen;
  }

  // A cursor this feed never answered is refused before anything is sent.
  grpc::ClientContext bad;
  oms::order::v1::StreamEventsRequest garbage;
  garbage.set_after("not-a-cursor");
  auto refused = stub->StreamEvents(&bad, garbage);
  oms::order::v1::FeedEvent none;
  EXPECT_FALSE(refused->Read(&none));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// The customer hears of the order in their language: confirmed, then shipped with the parcel's
// tracking number; another customer's credential sees none of it.
TEST_F(GatewayEventFeedE2eTest, ACustomerIsToldInTheirLanguageWhenTheOrderIsConfirmedAndShipped) {
  ASSERT_NE(env, nullptr);
  HttpAnswer created = Admin(
      "POST", "/v1/customers",
      json{
          {"name", "Anna Schmidt"},
          {"email", "anna@example.com"},
          {"locale", "de"},
          {"addresses",
           {{{"kind", "SHIPPING"},
             {"address", {{"line1", "Jungfernstieg 1"}, {"city", "Hamburg"}, {"country", "DE"}}}}}}}
          .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Body(created).value("locale", ""), "de");
  const std::string anna = Body(created).value("id", "");
  HttpAnswer placed = Admin("POST", "/v1/orders", testing::HamburgOrderJson(anna, "MUG", 1).dump(),
                            {"Idempotency-Key: notify-anna"});
  ASSERT_EQ(placed.status, 201) << placed.body;
  const std::string order = Body(placed).value("id", "");
  const std::string shipment = Body(placed)["shipments"][0].value("shipmentId", "");
  HttpAnswer shipped = Admin("POST", "/v1/shipments/" + shipment + "/events",
                             json{{"type", "SHIPPED"},
                                  {"occurredAt", "2026-12-06T10:00:00Z"},
                                  {"location", "Hamburg"},
                                  {"trackingNumber", "00340434161234567890"}}
                                 .dump());
  ASSERT_EQ(shipped.status, 200) << shipped.body;

  json told;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpAnswer listed = Admin("GET", "/v1/orders/" + order + "/notifications");
    ASSERT_EQ(listed.status, 200) << listed.body;
    told = Body(listed).value("notifications", json::array());
    if (told.size() >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(told.size(), 2u) << told.dump();
  EXPECT_EQ(told[0].value("kind", ""), "ORDER_CONFIRMED");
  EXPECT_EQ(told[0].value("subject", ""), "Ihre Bestellung " + order + " ist bestätigt");
  EXPECT_EQ(told[0].value("recipient", ""), "anna@example.com");
  EXPECT_EQ(told[0].value("channel", ""), "outbox");
  EXPECT_EQ(told[1].value("kind", ""), "ORDER_SHIPPED");
  EXPECT_NE(told[1].value("body", "").find("Sendungsnummer DHL 00340434161234567890"),
            std::string::npos)
      << told[1].dump();

  EXPECT_EQ(Call("GET", "/v1/orders/" + order + "/notifications",
                 {Bearer(Token(env->erika, "orders:read"))})
                .status,
            404);
  HttpAnswer unknown =
      Admin("POST", "/v1/customers",
            json{{"name", "Luc"}, {"email", "luc@example.com"}, {"locale", "fr"}}.dump());
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_NE(unknown.body.find("customer.locale"), std::string::npos) << unknown.body;
}

}  // namespace
}  // namespace oms::gateway
