#include "order-service/src/timeline.h"

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "google/protobuf/util/time_util.h"
#include "order-service/src/order_repository.h"
#include "order-service/tests/peer_fakes.h"
#include "order-service/tests/saga_fakes.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

v1::TimelineEvent Event(int64_t micros, const std::string& source, const std::string& kind,
                        const std::string& subject = "") {
  v1::TimelineEvent event;
  *event.mutable_time() = TimeUtil::MicrosecondsToTimestamp(micros);
  event.set_source(source);
  event.set_kind(kind);
  event.set_subject(subject);
  return event;
}

std::vector<std::string> Ids(const v1::OrderTimeline& timeline) {
  std::vector<std::string> ids;
  for (const auto& event : timeline.events()) ids.push_back(event.id());
  return ids;
}

TEST(TimelineTest, TheTimelineSortsByTimeAndIdsAreStableAcrossReads) {
  v1::OrderTimeline first;
  *first.add_events() = Event(3'000'000, "shipping", "SHIPPED", "s1");
  *first.add_events() = Event(1'000'000, "order", "STATUS_PENDING");
  *first.add_events() = Event(2'000'000, "saga", "reserve FORWARD OK");
  AssignIdsAndSort(&first);
  ASSERT_EQ(first.events_size(), 3);
  EXPECT_EQ(first.events(0).kind(), "STATUS_PENDING");
  EXPECT_EQ(first.events(1).kind(), "reserve FORWARD OK");
  EXPECT_EQ(first.events(2).kind(), "SHIPPED");
  EXPECT_EQ(first.events(0).id().substr(0, 18), "00000000001000000-");
  for (const auto& id : Ids(first)) EXPECT_TRUE(IsTimelineEventId(id)) << id;

  // The same events read again, in another order and with one more: the same ids.
  v1::OrderTimeline second;
  *second.add_events() = Event(2'000'000, "saga", "reserve FORWARD OK");
  *second.add_events() = Event(4'000'000, "shipping", "DELIVERED", "s1");
  *second.add_events() = Event(1'000'000, "order", "STATUS_PENDING");
  *second.add_events() = Event(3'000'000, "shipping", "SHIPPED", "s1");
  AssignIdsAndSort(&second);
  std::vector<std::string> expected = Ids(first);
  expected.push_back(second.events(3).id());
  EXPECT_EQ(Ids(second), expected);
  EXPECT_EQ(second.events(3).kind(), "DELIVERED");
}

TEST(TimelineTest, ALateCarrierScanSitsAtItsTimeButItsIdSaysWhenItWasRecorded) {
  v1::OrderTimeline timeline;
  *timeline.add_events() = Event(1'000'000, "order", "STATUS_CONFIRMED");
  *timeline.add_events() = Event(2'000'000, "saga", "keep-reservation FORWARD OK");
  v1::TimelineEvent late = Event(500'000, "shipping", "PICKED", "s1");
  *late.mutable_recorded_time() = TimeUtil::MicrosecondsToTimestamp(3'000'000);
  *timeline.add_events() = late;
  AssignIdsAndSort(&timeline);
  ASSERT_EQ(timeline.events_size(), 3);
  EXPECT_EQ(timeline.events(0).kind(), "PICKED");  // first by time
  EXPECT_EQ(timeline.events(0).id().substr(0, 18), "00000000003000000-");
  EXPECT_GT(timeline.events(0).id(), timeline.events(2).id());  // learned of last
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(timeline.events(1).recorded_time()), 1'000'000);
}

TEST(TimelineTest, IdenticalEventsGetDistinctIds) {
  v1::OrderTimeline timeline;
  *timeline.add_events() = Event(5, "saga", "capture-payment FORWARD TRANSIENT");
  *timeline.add_events() = Event(5, "saga", "capture-payment FORWARD TRANSIENT");
  *timeline.add_events() = Event(5, "saga", "other");
  AssignIdsAndSort(&timeline);
  EXPECT_NE(timeline.events(0).id(), timeline.events(1).id());
  EXPECT_NE(timeline.events(1).id(), timeline.events(2).id());
  EXPECT_NE(timeline.events(0).id(), timeline.events(2).id());
}

TEST(TimelineTest, ResumeCursorsAreCheckedForShape) {
  EXPECT_TRUE(IsTimelineEventId("00001764160000000-0123456789abcdef"));
  EXPECT_FALSE(IsTimelineEventId(""));
  EXPECT_FALSE(IsTimelineEventId("00001764160000000-0123456789ABCDEF"));
  EXPECT_FALSE(IsTimelineEventId("1764160000000-0123456789abcdef"));
  EXPECT_FALSE(IsTimelineEventId("00001764160000000_0123456789abcdef"));
  EXPECT_FALSE(IsTimelineEventId("00001764160000000-0123456789abcdef0"));
}

const std::string kOrderId = "11111111-2222-3333-4444-555555555555";

// One order with one event of its own.
class OneOrder : public OrderRepository {
 public:
  absl::StatusOr<std::optional<InsertedOrder>> FindExisting(const v1::CreateOrderRequest&,
                                                            const std::string&) override {
    return absl::UnimplementedError("not read by the timeline");
  }
  absl::StatusOr<InsertedOrder> InsertOrder(const v1::Order&, const v1::CreateOrderRequest&,
                                            const std::string&, std::chrono::milliseconds,
                                            const SagaLease&) override {
    return absl::UnimplementedError("not read by the timeline");
  }
  absl::Status GetOrder(const std::string& id, v1::Order* out) override {
    if (id != kOrderId) return absl::NotFoundError("order " + id + " does not exist");
    out->set_id(id);
    return absl::OkStatus();
  }
  absl::Status ListOrders(const OrderFilter&, v1::ListOrdersResponse*) override {
    return absl::UnimplementedError("not read by the timeline");
  }
  absl::Status OrderEvents(const std::string&, v1::OrderTimeline* out,
                           SourcePositions* positions) override {
    *out->add_events() = Event(1'000'000, "order", "STATUS_PENDING");
    positions->xacts.push_back(700);
    positions->floor = 690;
    return absl::OkStatus();
  }
};

billing::v1::ListPaymentsResponse OneAuthorization() {
  billing::v1::ListPaymentsResponse payments;
  auto* payment = payments.add_payments();
  payment->set_id("pay-1");
  auto* transaction = payment->add_transactions();
  transaction->set_kind(billing::v1::TRANSACTION_KIND_AUTHORIZE);
  transaction->set_outcome(billing::v1::TRANSACTION_OUTCOME_APPROVED);
  transaction->mutable_amount()->set_amount_minor(2599);
  transaction->mutable_amount()->set_currency("EUR");
  *transaction->mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(2'000'000);
  transaction->set_recording_xact(71);
  payments.set_xact_floor(70);
  return payments;
}

shipping::v1::ListShipmentsResponse OneScan() {
  shipping::v1::ListShipmentsResponse shipments;
  auto* shipment = shipments.add_shipments();
  shipment->set_id("ship-1");
  auto* entry = shipment->add_journal();
  entry->set_type(shipping::v1::SHIPMENT_EVENT_TYPE_SHIPPED);
  entry->set_location("Leipzig");
  *entry->mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(3'000'000);
  *entry->mutable_recorded_at() = TimeUtil::MicrosecondsToTimestamp(3'000'000);
  entry->set_recording_xact(900);
  shipments.set_xact_floor(880);
  return shipments;
}

class ReadTimelineTest : public ::testing::Test {
 protected:
  OneOrder orders_;
  FakeBillingClient billing_;
  FakeShippingClient shipping_;
};

TEST_F(ReadTimelineTest, TheOrdersEventsPaymentsAndScansAreMergedInTimeOrder) {
  billing_.Script("ListPayments", grpc::Status::OK, OneAuthorization());
  shipping_.Script("ListShipments", grpc::Status::OK, OneScan());
  v1::OrderTimeline timeline;
  TimelineRead read;
  ASSERT_TRUE(ReadTimeline(orders_, billing_, shipping_, kOrderId, "req-1", &timeline, &read).ok());
  EXPECT_EQ(timeline.order_id(), kOrderId);
  ASSERT_EQ(timeline.events_size(), 3);
  EXPECT_EQ(timeline.events(0).kind(), "STATUS_PENDING");
  EXPECT_EQ(timeline.events(1).source(), "billing");
  EXPECT_EQ(timeline.events(1).kind(), "AUTHORIZE APPROVED");
  EXPECT_EQ(timeline.events(1).detail(), "2599 EUR");
  EXPECT_EQ(timeline.events(1).subject(), "pay-1");
  EXPECT_EQ(timeline.events(2).source(), "shipping");
  EXPECT_EQ(timeline.events(2).kind(), "SHIPPED");
  EXPECT_EQ(timeline.events(2).subject(), "ship-1");
  // Each event's transaction and each source's floor, for WatchOrder's resume positions.
  EXPECT_EQ(read.floors, (std::array<std::int64_t, kTimelineSources>{690, 70, 880}));
  ASSERT_EQ(read.events.size(), 3u);
  const std::vector<std::pair<TimelineSource, std::int64_t>> positions = {
      {TimelineSource::kOrder, 700},
      {TimelineSource::kBilling, 71},
      {TimelineSource::kShipping, 900}};
  for (int i = 0; i < 3; ++i) {
    const EventPosition& where = read.events.at(timeline.events(i).id());
    EXPECT_EQ(where.source, positions[i].first) << i;
    EXPECT_EQ(where.xact, positions[i].second) << i;
  }
  EXPECT_EQ(billing_.Calls(),
            std::vector<std::string>{"ListPayments req-1 order_id: \"" + kOrderId + "\""});
  EXPECT_EQ(shipping_.Calls(),
            std::vector<std::string>{"ListShipments req-1 order_id: \"" + kOrderId + "\""});
}

TEST_F(ReadTimelineTest, AnUnknownOrderIsNotFoundAndNoPeerIsAsked) {
  v1::OrderTimeline timeline;
  absl::Status status = ReadTimeline(orders_, billing_, shipping_,
                                     "11111111-2222-3333-4444-000000000000", "req-1", &timeline);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(billing_.Calls().empty());
  EXPECT_TRUE(shipping_.Calls().empty());
}

TEST_F(ReadTimelineTest, APeerThatCannotBeReadMakesTheTimelineUnavailableNamingIt) {
  billing_.Script<billing::v1::ListPaymentsResponse>(
      "ListPayments", grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline exceeded"));
  v1::OrderTimeline timeline;
  absl::Status status = ReadTimeline(orders_, billing_, shipping_, kOrderId, "req-1", &timeline);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "billing is unavailable: deadline exceeded");

  billing_.Script("ListPayments", grpc::Status::OK, OneAuthorization());
  shipping_.Script<shipping::v1::ListShipmentsResponse>(
      "ListShipments", grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"));
  status = ReadTimeline(orders_, billing_, shipping_, kOrderId, "req-2", &timeline);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "shipping is unavailable: connection refused");
}

// Billing's answer held back until shipping has been asked too.
class SlowBilling : public FakeBillingClient {
 public:
  void Payments(const std::string&, const std::string&,
                ReadDone<billing::v1::ListPaymentsResponse> done) override {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = std::move(done);
  }
  bool Asked() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_ != nullptr;
  }
  void Answer() {
    std::lock_guard<std::mutex> lock(mu_);
    if (held_) held_(OneAuthorization());
  }

 private:
  std::mutex mu_;
  ReadDone<billing::v1::ListPaymentsResponse> held_;
};

TEST_F(ReadTimelineTest, BillingAndShippingAreAskedTogether) {
  SlowBilling billing;
  v1::OrderTimeline timeline;
  absl::Status status;
  std::thread reader(
      [&] { status = ReadTimeline(orders_, billing, shipping_, kOrderId, "req-1", &timeline); });
  const bool together =
      Eventually([&] { return billing.Asked() && shipping_.Calls().size() == 1; });
  billing.Answer();
  reader.join();
  EXPECT_TRUE(together) << "shipping was not asked while billing's answer was outstanding";
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(timeline.events_size(), 2);
}

}  // namespace
}  // namespace oms::order
