// StreamEvents end to end inside one process: the real use cases on PostgreSQL, the LISTEN/NOTIFY
// listener, the hub and the reactor behind a gRPC server on an in-process channel. A subscriber
// sees every event exactly once across a reconnect with its cursor, including the events
// committed while it was away and writes made through another pool (another replica); shutdown
// ends open streams with UNAVAILABLE; the subscriber and lag metrics follow.
#include "shipping-service/src/event_stream.h"

#include <chrono>
#include <functional>
#include <thread>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "common/metrics.h"
#include "common/pg_pool.h"
#include "common/server.h"
#include "common/testing/pg_test_database.h"
#include "common/testing/scrape.h"
#include "shipping-service/src/outbox_listener.h"
#include "shipping-service/src/schema.h"
#include "shipping-service/src/shipping_metrics.h"
#include "shipping-service/src/shipping_service.h"

namespace oms::shipping {
namespace {

using google::protobuf::util::TimeUtil;

// Waits for `condition` with a deadline; never a fixed sleep.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::seconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

class EventStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    ASSERT_TRUE(ApplyMigrations(db_.url(), Migrations()).ok());
    auto pool = PgPool::Create(
        {db_.url(), 4, std::chrono::seconds(10), PgShippingUseCases::Statements()}, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    auto other_pool = PgPool::Create(
        {db_.url(), 2, std::chrono::seconds(10), PgShippingUseCases::Statements()}, nullptr);
    ASSERT_TRUE(other_pool.ok()) << other_pool.status();
    other_pool_ = std::move(*other_pool);
    shipping_metrics_ = std::make_unique<ShippingMetrics>(metrics_.registry());
    use_cases_ = std::make_unique<PgShippingUseCases>(*pool_, shipping_metrics_.get());
    other_replica_ = std::make_unique<PgShippingUseCases>(*other_pool_, nullptr);
    OutboxListener::Options options;
    options.database_url = db_.url();
    options.lag_interval = std::chrono::milliseconds(50);
    // Only NOTIFY can wake a stream within the test's lifetime: the safety re-check never fires.
    options.recheck_interval = std::chrono::hours(1);
    listener_ = std::make_unique<OutboxListener>(options, hub_, shipping_metrics_.get());
    listener_->Start();
    ASSERT_TRUE(listener_->WaitUntilListening(std::chrono::seconds(20)));
    executor_ = std::make_unique<BoundedExecutor>(4, 64);
    service_ = std::make_unique<ShippingServiceImpl>(*use_cases_, *executor_, hub_,
                                                     shipping_metrics_.get());
    ServerConfig config;
    config.drain_timeout = std::chrono::seconds(60);
    auto server = GrpcServer::Start(
        config, {{service_.get(), v1::ShippingService::service_full_name()}}, metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::ShippingService::NewStub(server_->InProcessChannel());
  }

  void TearDown() override {
    hub_.Close();
    if (server_) server_->Shutdown();
    if (executor_) executor_->Stop();
    if (listener_) listener_->Stop();
  }

  // One order: two shipments (2 events), then PICKED on each (2 more).
  void WriteOrder(ShippingUseCases& use_cases, const std::string& order_id) {
    v1::CreateShipmentsRequest request;
    request.set_request_id(order_id + ":create");
    request.set_order_id(order_id);
    request.mutable_destination()->set_line1("1 Main St");
    request.mutable_destination()->set_city("Paris");
    request.mutable_destination()->set_country("FR");
    for (const char* warehouse :
         {"11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"}) {
      auto* group = request.add_groups();
      group->set_warehouse_id(warehouse);
      auto* line = group->add_lines();
      line->set_sku("SKU-1");
      line->set_quantity(1);
      line->set_unit_weight_grams(100);
    }
    v1::CreateShipmentsResponse created;
    ASSERT_TRUE(use_cases.CreateShipments(request, &created).ok());
    for (const auto& shipment : created.shipments()) {
      v1::RecordShipmentEventRequest event;
      event.set_shipment_id(shipment.id());
      event.set_type(v1::SHIPMENT_EVENT_TYPE_PICKED);
      *event.mutable_occurred_at() = TimeUtil::GetCurrentTime();
      v1::RecordShipmentEventResponse recorded;
      ASSERT_TRUE(use_cases.RecordShipmentEvent(event, &recorded).ok());
    }
  }

  struct Subscription {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::OutboxEvent>> reader;
  };

  Subscription Subscribe(std::int64_t after_sequence) {
    Subscription subscription;
    subscription.context = std::make_unique<grpc::ClientContext>();
    // A broken stream fails the test instead of hanging it.
    subscription.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::StreamEventsRequest request;
    request.set_after_sequence(after_sequence);
    subscription.reader = stub_->StreamEvents(subscription.context.get(), request);
    return subscription;
  }

  // Reads `count` events, checking each continues the cursor by exactly one.
  void ReadContiguous(Subscription& subscription, int count, std::int64_t* cursor,
                      std::vector<v1::OutboxEvent>* seen) {
    for (int i = 0; i < count; ++i) {
      v1::OutboxEvent event;
      ASSERT_TRUE(subscription.reader->Read(&event)) << "stream ended after " << i << " events";
      ASSERT_EQ(event.sequence(), *cursor + 1) << "skipped or repeated a sequence";
      *cursor = event.sequence();
      seen->push_back(event);
    }
  }

  double Sample(const std::string& series) {
    auto value = testing::SampleValue(metrics_.Render(), series);
    return value.ok() ? *value : -1;
  }

  testing::PgTestDatabase db_{"shipping_stream"};
  Metrics metrics_{"shipping-service", "test"};
  std::unique_ptr<ShippingMetrics> shipping_metrics_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgPool> other_pool_;
  std::unique_ptr<PgShippingUseCases> use_cases_;
  std::unique_ptr<PgShippingUseCases> other_replica_;
  EventHub hub_{16};
  std::unique_ptr<OutboxListener> listener_;
  std::unique_ptr<BoundedExecutor> executor_;
  std::unique_ptr<ShippingServiceImpl> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::ShippingService::Stub> stub_;
};

TEST_F(EventStreamTest, ASubscriberSeesEveryEventOnceAcrossAReconnect) {
  WriteOrder(*use_cases_, "ord-0");  // 4 events before anyone subscribes
  std::int64_t cursor = 0;
  std::vector<v1::OutboxEvent> seen;

  auto first = Subscribe(cursor);
  ReadContiguous(first, 4, &cursor, &seen);
  ASSERT_TRUE(WaitFor([&] { return Sample("oms_shipping_stream_subscribers") == 1; }));
  // Live: commits made while connected arrive without polling, from this replica and another.
  WriteOrder(*use_cases_, "ord-1");
  ReadContiguous(first, 4, &cursor, &seen);
  WriteOrder(*other_replica_, "ord-2");
  ReadContiguous(first, 4, &cursor, &seen);
  ASSERT_EQ(cursor, 12);

  // Go away, with the cursor stored.
  first.context->TryCancel();
  v1::OutboxEvent ignored;
  while (first.reader->Read(&ignored)) {
  }
  EXPECT_EQ(first.reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitFor([&] { return hub_.size() == 0; }));
  ASSERT_TRUE(WaitFor([&] { return Sample("oms_shipping_stream_subscribers") == 0; }));

  // Committed while away: more than one read batch, through both replicas.
  for (int order = 3; order < 33; ++order) {
    WriteOrder(order % 2 == 0 ? *use_cases_ : *other_replica_, "ord-" + std::to_string(order));
  }
  constexpr int kAway = 30 * 4;
  static_assert(kAway > kStreamBatch, "the backlog must span more than one read");
  ASSERT_TRUE(WaitFor([&] { return Sample("oms_shipping_outbox_lag_seconds") > 0; }));

  auto second = Subscribe(cursor);
  ReadContiguous(second, kAway, &cursor, &seen);
  WriteOrder(*other_replica_, "ord-live");
  ReadContiguous(second, 4, &cursor, &seen);

  // Exactly once: sequences 1..N, each once, and N is everything the outbox holds.
  v1::ListEventsResponse tail;
  ASSERT_TRUE(use_cases_->ListEvents(cursor, 10, &tail).ok());
  EXPECT_EQ(tail.events_size(), 0);
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(cursor));
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].sequence(), static_cast<std::int64_t>(i) + 1);
  }
  EXPECT_EQ(seen[4].order_id(), "ord-1");
  EXPECT_EQ(seen.back().order_id(), "ord-live");
  EXPECT_EQ(seen.back().type(), v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED);
  // Everything was sent: the lag drops back to zero.
  EXPECT_TRUE(WaitFor([&] { return Sample("oms_shipping_outbox_lag_seconds") == 0; }));
  second.context->TryCancel();
  while (second.reader->Read(&ignored)) {
  }
  (void)second.reader->Finish();
}

TEST_F(EventStreamTest, ShutdownEndsOpenStreamsWithUnavailable) {
  WriteOrder(*use_cases_, "ord-0");
  std::int64_t cursor = 0;
  std::vector<v1::OutboxEvent> seen;
  auto idle = Subscribe(cursor);
  ReadContiguous(idle, 4, &cursor, &seen);
  ASSERT_TRUE(WaitFor([&] { return hub_.size() == 1; }));

  hub_.Close();
  v1::OutboxEvent event;
  EXPECT_FALSE(idle.reader->Read(&event));
  grpc::Status status = idle.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE(WaitFor([&] { return hub_.size() == 0; }));

  // Late subscribers are turned away the same way.
  auto late = Subscribe(cursor);
  EXPECT_FALSE(late.reader->Read(&event));
  EXPECT_EQ(late.reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(EventStreamTest, DomainMetricsAreCountedAndLintClean) {
  WriteOrder(*use_cases_, "ord-0");
  const std::string text = metrics_.Render();
  EXPECT_EQ(*testing::SampleValue(text, "oms_shipping_shipments_created_total{kind=\"OUTBOUND\"}"),
            2);
  EXPECT_EQ(*testing::SampleValue(
                text, "oms_shipping_journal_events_total{outcome=\"recorded\",type=\"PICKED\"}"),
            2);
  EXPECT_EQ(*testing::SampleValue(text, "oms_shipping_status_transitions_total{to=\"PICKED\"}"), 2);
  EXPECT_EQ(*testing::SampleValue(text, "oms_shipping_shipments_cancelled_total"), 0);
  absl::Status lint = testing::PromtoolCheckMetrics(text);
  EXPECT_TRUE(lint.ok()) << lint;
}

}  // namespace
}  // namespace oms::shipping
