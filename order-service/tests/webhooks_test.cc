// The pure rules of webhooks: event types, which subscriptions want them, the checks of a
// subscription's types, the body, the retry schedule.
#include "order-service/src/webhooks.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "google/protobuf/util/time_util.h"
#include "order-service/tests/timeline_event_of.h"

namespace oms::order {
namespace {

google::protobuf::RepeatedPtrField<std::string> Types(std::initializer_list<const char*> types) {
  google::protobuf::RepeatedPtrField<std::string> out;
  for (const char* type : types) out.Add(type);
  return out;
}

TEST(WebhookEventTypeTest, NamesStatusChangesSagaStepsAndShipmentEventsInLowerCaseSegments) {
  EXPECT_EQ(WebhookEventType(TimelineEventOf("shipping", "OUT_FOR_DELIVERY")),
            "shipping.out_for_delivery");
  EXPECT_EQ(WebhookEventType(TimelineEventOf("order", "STATUS_CONFIRMED")),
            "order.status.confirmed");
  EXPECT_EQ(WebhookEventType(TimelineEventOf("order", "STATUS_PARTIALLY_SHIPPED")),
            "order.status.partially_shipped");
  EXPECT_EQ(WebhookEventType(TimelineEventOf("saga", "capture FORWARD OK")),
            "saga.capture.forward.ok");
  EXPECT_EQ(WebhookEventType(TimelineEventOf("saga", "authorize FORWARD REFUSED")),
            "saga.authorize.forward.refused");
  // Whatever a kind holds, the type is one a subscription can name.
  EXPECT_EQ(WebhookEventType(TimelineEventOf("saga", "odd-step/x FORWARD OK")),
            "saga.odd_step_x.forward.ok");
}

TEST(WebhookWantsTest, APrefixMatchesWholeSegmentsAndNoPrefixMatchesAll) {
  EXPECT_TRUE(WebhookWants(Types({}), "saga.capture.forward.ok"));
  EXPECT_TRUE(WebhookWants(Types({"order.status"}), "order.status.confirmed"));
  EXPECT_TRUE(WebhookWants(Types({"order.status.confirmed"}), "order.status.confirmed"));
  EXPECT_FALSE(WebhookWants(Types({"order.status.confirmed"}), "order.status.cancelled"));
  EXPECT_FALSE(WebhookWants(Types({"order.stat"}), "order.status.confirmed"));
  EXPECT_TRUE(WebhookWants(Types({"saga.refund", "order"}), "order.status.returned"));
  EXPECT_FALSE(WebhookWants(Types({"saga.refund"}), "saga.capture.forward.ok"));
}

TEST(ValidateWebhookEventTypesTest, RefusesNamingTheTypeAndTakesPrefixes) {
  EXPECT_TRUE(ValidateWebhookEventTypes(Types({})).ok());
  EXPECT_TRUE(ValidateWebhookEventTypes(Types({"order", "saga.capture", "order.status.x_1"})).ok());
  for (const char* bad : {"", "Order", "order..status", ".order", "order.", "order status",
                          "order,status", "ordér"}) {
    absl::Status status = ValidateWebhookEventTypes(Types({"order", bad}));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(status.message(), "event_types[1]")) << status.message();
  }
  google::protobuf::RepeatedPtrField<std::string> many;
  for (int i = 0; i <= kMaxWebhookEventTypes; ++i) many.Add("order");
  EXPECT_TRUE(absl::StartsWith(ValidateWebhookEventTypes(many).message(), "event_types"));
  EXPECT_FALSE(ValidateWebhookEventTypes(Types({std::string(101, 'a').c_str()})).ok());
}

TEST(WebhookPayloadTest, CarriesTheTypeTheEventsTimeAndTheFedEvent) {
  v1::FeedEvent fed;
  fed.set_order_id("2f1e7f4e-0000-4000-8000-000000000001");
  fed.set_cursor("812.0.5");
  *fed.mutable_event() = TimelineEventOf("order", "STATUS_SHIPPED");
  *fed.mutable_event()->mutable_time() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(1'800'000'000);
  const std::string body = WebhookPayload(fed);
  EXPECT_EQ(body, WebhookPayload(fed));  // a pure function of the event: every attempt alike
  const nlohmann::json json = nlohmann::json::parse(body);
  EXPECT_EQ(json["type"], "order.status.shipped");
  EXPECT_EQ(json["timestamp"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(json["data"]["orderId"], fed.order_id());
  EXPECT_EQ(json["data"]["cursor"], "812.0.5");
  EXPECT_EQ(json["data"]["event"]["kind"], "STATUS_SHIPPED");
}

TEST(WebhookBackoffTest, DoublesFromTheBaseUpToTheCap) {
  using std::chrono::milliseconds;
  EXPECT_EQ(WebhookBackoff(1, milliseconds(1000), milliseconds(60000)), milliseconds(1000));
  EXPECT_EQ(WebhookBackoff(2, milliseconds(1000), milliseconds(60000)), milliseconds(2000));
  EXPECT_EQ(WebhookBackoff(5, milliseconds(1000), milliseconds(60000)), milliseconds(16000));
  EXPECT_EQ(WebhookBackoff(7, milliseconds(1000), milliseconds(60000)), milliseconds(60000));
  EXPECT_EQ(WebhookBackoff(1000, milliseconds(1000), milliseconds(60000)), milliseconds(60000));
}

}  // namespace
}  // namespace oms::order
