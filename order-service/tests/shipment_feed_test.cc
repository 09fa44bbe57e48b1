// The shipment feed on a real order database against a scripted shipping stream: a stream that
// goes silent is ended and reconnected while the lag grows; a gap, another outbox identity or a
// head below the cursor stops it without taking anything in, counted by reason, until the
// operator points the cursor at the new outbox. Also the cursor's identity in the store.
#include "order-service/src/shipment_feed.h"

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <pqxx/pqxx>

#include "common/metrics.h"
#include "common/server.h"
#include "common/testing/scrape.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "order-service/src/order_metrics.h"
#include "order-service/src/shipment_event_store.h"
#include "order-service/tests/order_db_fixture.h"

namespace oms::order {
namespace {

namespace shp = oms::shipping::v1;

shp::OutboxEvent Event(int64_t sequence, const std::string& stream_id) {
  shp::OutboxEvent event;
  event.set_sequence(sequence);
  event.set_stream_id(stream_id);
  event.set_type(shp::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED);
  event.set_kind(shp::SHIPMENT_KIND_OUTBOUND);
  event.set_order_id("not-an-order-of-ours");
  *event.mutable_create_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  return event;
}

shp::OutboxEvent Heartbeat(int64_t head, const std::string& stream_id) {
  shp::OutboxEvent heartbeat;
  heartbeat.set_stream_id(stream_id);
  heartbeat.mutable_heartbeat()->set_head_sequence(head);
  return heartbeat;
}

// StreamEvents as the test scripts it: per call (by the cursor asked from), the messages to
// send, then either silence or a heartbeat every 20 ms, until the client goes away.
class ScriptedShipping final : public shp::ShippingService::Service {
 public:
  struct Call {
    std::vector<shp::OutboxEvent> messages;
    std::optional<shp::OutboxEvent> then_every_20ms;  // none: silence
  };

  void Script(std::function<Call(int64_t after)> script) {
    std::lock_guard<std::mutex> lock(mu_);
    script_ = std::move(script);
  }
  // Ends the open calls with UNAVAILABLE, as a shipping restarting would.
  void EndStreams() { ++generation_; }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(afters_.size());
  }
  int64_t last_after() {
    std::lock_guard<std::mutex> lock(mu_);
    return afters_.empty() ? -1 : afters_.back();
  }

  grpc::Status StreamEvents(grpc::ServerContext* context, const shp::StreamEventsRequest* request,
                            grpc::ServerWriter<shp::OutboxEvent>* writer) override {
    Call call;
    const int generation = generation_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      afters_.push_back(request->after_sequence());
      call = script_(request->after_sequence());
    }
    for (const auto& message : call.messages) {
      if (!writer->Write(message)) return grpc::Status::CANCELLED;
    }
    while (!context->IsCancelled()) {
      if (generation != generation_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "ended");
      if (call.then_every_20ms && !writer->Write(*call.then_every_20ms)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return grpc::Status::CANCELLED;
  }

 private:
  std::mutex mu_;
  std::function<Call(int64_t)> script_;
  std::vector<int64_t> afters_;
  std::atomic<int> generation_{0};
};

bool WaitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class ShipmentFeedTest : public OrderDbTest {
 protected:
  ShipmentFeedTest() : OrderDbTest("shipment_feed") {}

  void SetUp() override {
    OrderDbTest::SetUp();
    auto server = GrpcServer::Start({}, {{&shipping_, shp::ShippingService::service_full_name()}},
                                    server_metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    store_ = std::make_unique<PgShipmentEventStore>(*pool_);
    order_metrics_ = std::make_unique<OrderMetrics>(metrics_.registry());
  }

  void TearDown() override {
    if (feed_) feed_->Stop();
    if (server_) server_->Shutdown();
  }

  void StartFeed() {
    // Heartbeats every 100 ms: silent after 300 ms, the lag counts after 200 ms.
    feed_ = std::make_unique<ShipmentFeed>(
        *store_, [](const std::string&) {}, *order_metrics_, server_->InProcessChannel(),
        ShipmentFeed::Options{std::chrono::milliseconds(100), std::chrono::milliseconds(50)});
    feed_->Start();
  }

  StreamPosition Position() {
    auto position = store_->Position();
    EXPECT_TRUE(position.ok()) << position.status();
    return position.ok() ? *position : StreamPosition{-1, ""};
  }

  double Sample(const std::string& series) {
    auto value = testing::SampleValue(metrics_.Render(), series);
    return value.ok() ? *value : -1;
  }
  double Lag() { return Sample(R"(oms_order_event_consumer_lag_seconds{stream="shipping"})"); }
  double Errors(const std::string& reason) {
    return Sample(R"(oms_order_event_stream_errors_total{reason=")" + reason +
                  R"(",stream="shipping"})");
  }

  // The outbox "A" with events 1..head, as a live stream (heartbeats) or one that goes silent.
  static ScriptedShipping::Call OutboxA(int64_t after, int64_t head, bool live) {
    ScriptedShipping::Call call;
    call.messages.push_back(Heartbeat(head, "A"));
    for (int64_t sequence = after + 1; sequence <= head; ++sequence) {
      call.messages.push_back(Event(sequence, "A"));
    }
    if (live) call.then_every_20ms = Heartbeat(head, "A");
    return call;
  }

  Metrics server_metrics_{"shipping-service", "test"};
  Metrics metrics_{"order-service", "test"};
  ScriptedShipping shipping_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<PgShipmentEventStore> store_;
  std::unique_ptr<OrderMetrics> order_metrics_;
  std::unique_ptr<ShipmentFeed> feed_;
};

TEST_F(ShipmentFeedTest, TheCursorBindsTheFirstIdentityItIsGiven) {
  EXPECT_EQ(Position().stream_id, "");
  auto bound = store_->BindStream("A");
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ(*bound, "A");
  bound = store_->BindStream("B");
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ(*bound, "A");
  EXPECT_EQ(Position().stream_id, "A");
  EXPECT_EQ(Position().cursor, 0);
}

TEST_F(ShipmentFeedTest, ASilentStreamIsEndedAndReconnectedWhileTheLagGrows) {
  // Shipping hangs after the first call: it accepts the reconnections and sends nothing, not
  // even the heartbeat that would prove the feed caught up (and so reset its lag).
  std::atomic<bool> live{false};
  shipping_.Script([&live](int64_t after) {
    if (!live && after > 0) return ScriptedShipping::Call{};
    return OutboxA(after, 1, live);
  });
  StartFeed();
  ASSERT_TRUE(WaitFor([&] { return Position().cursor == 1; }));
  EXPECT_EQ(Position().stream_id, "A");

  // Nothing more comes: the lag is no longer known to be 0 and grows; the stream is given up.
  ASSERT_TRUE(WaitFor([&] { return Lag() > 0; })) << Lag();
  const double earlier = Lag();
  ASSERT_TRUE(WaitFor([&] { return Lag() > earlier; })) << Lag();
  ASSERT_TRUE(WaitFor([&] { return shipping_.calls() >= 3; }));
  EXPECT_EQ(shipping_.last_after(), 1);  // from the stored cursor

  live = true;
  ASSERT_TRUE(WaitFor([&] { return Lag() == 0; })) << Lag();
  EXPECT_EQ(Errors("gap") + Errors("identity_changed") + Errors("head_behind_cursor"), 0);
}

TEST_F(ShipmentFeedTest, AGapStopsTheFeedWithoutTakingTheEventIn) {
  shipping_.Script([](int64_t after) {
    ScriptedShipping::Call call = OutboxA(after, 1, true);
    call.messages.push_back(Event(3, "A"));  // 2 is missing
    return call;
  });
  StartFeed();
  ASSERT_TRUE(WaitFor([&] { return Errors("gap") >= 2; }));  // and it keeps trying
  EXPECT_EQ(Position().cursor, 1);
  EXPECT_GE(shipping_.calls(), 2);
  EXPECT_GT(Lag(), 0);  // event 3 waits
}

TEST_F(ShipmentFeedTest, AnotherOutboxStopsTheFeedUntilTheOperatorPointsTheCursorAtIt) {
  std::atomic<bool> replaced{false};
  shipping_.Script([&replaced](int64_t after) {
    if (!replaced) return OutboxA(after, 1, true);
    // A recreated outbox "B": its own events 1 and 2, whatever the cursor asked for.
    ScriptedShipping::Call call;
    call.messages.push_back(Heartbeat(2, "B"));
    for (int64_t sequence = after + 1; sequence <= 2; ++sequence) {
      call.messages.push_back(Event(sequence, "B"));
    }
    call.then_every_20ms = Heartbeat(2, "B");
    return call;
  });
  StartFeed();
  ASSERT_TRUE(WaitFor([&] { return Position().cursor == 1; }));
  replaced = true;
  shipping_.EndStreams();
  ASSERT_TRUE(WaitFor([&] { return Errors("identity_changed") >= 2; }));
  EXPECT_EQ(Position().cursor, 1);  // B's event 2 was not taken for A's
  EXPECT_EQ(Position().stream_id, "A");
  ASSERT_TRUE(WaitFor([&] { return Lag() > 0; }));

  {  // The operator's action (migration 0011): take B's events from its start.
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec(
        "UPDATE event_cursors SET stream_id = NULL, last_sequence = 0 "
        "WHERE stream = 'shipping'");
    tx.commit();
  }
  ASSERT_TRUE(WaitFor([&] { return Position().cursor == 2; }));
  EXPECT_EQ(Position().stream_id, "B");
  ASSERT_TRUE(WaitFor([&] { return Lag() == 0; })) << Lag();
}

TEST_F(ShipmentFeedTest, AnOutboxThatLostEventsTheCursorTookStopsTheFeed) {
  std::atomic<bool> reset{false};
  shipping_.Script([&reset](int64_t after) {
    ScriptedShipping::Call call = OutboxA(after, 2, true);
    if (reset) call = OutboxA(after, 0, true);  // the same outbox, restored to before 1
    return call;
  });
  StartFeed();
  ASSERT_TRUE(WaitFor([&] { return Position().cursor == 2; }));
  reset = true;
  shipping_.EndStreams();
  ASSERT_TRUE(WaitFor([&] { return Errors("head_behind_cursor") >= 1; }));
  EXPECT_EQ(Position().cursor, 2);
}

TEST_F(ShipmentFeedTest, ABurstOfEventsIsTakenInInBatchesOfAtMostTheBatchSize) {
  shipping_.Script([](int64_t after) { return OutboxA(after, 300, true); });
  StartFeed();
  ASSERT_TRUE(WaitFor([&] { return Position().cursor == 300; })) << Position().cursor;
  const std::string series = "oms_order_event_batch_events";
  EXPECT_EQ(Sample(series + R"(_sum{stream="shipping"})"), 300);  // each event in one batch
  const double batches = Sample(series + R"(_count{stream="shipping"})");
  // The events that arrived while a batch was committed share the next commit: a burst takes
  // far fewer commits than events, and no batch is over 64.
  EXPECT_LT(batches, 100);
  EXPECT_GE(batches, 300 / 64 + 1);
  EXPECT_EQ(Sample(series + R"(_bucket{stream="shipping",le="64"})"), batches);
  ASSERT_TRUE(WaitFor([&] { return Lag() == 0; })) << Lag();
}

TEST_F(ShipmentFeedTest, ABatchThatFailsIsReadAgainFromTheCursor) {
  {  // The database refuses to move the cursor to event 5, as a failing statement would.
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec(
        "CREATE FUNCTION refuse_five() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.last_sequence = 5 THEN RAISE EXCEPTION 'event 5 refused'; END IF; "
        "RETURN NEW; END $$");
    tx.exec(
        "CREATE TRIGGER refuse_five BEFORE UPDATE ON event_cursors "
        "FOR EACH ROW EXECUTE FUNCTION refuse_five()");
    tx.commit();
  }
  shipping_.Script([](int64_t after) { return OutboxA(after, 10, true); });
  StartFeed();
  // The batch holding event 5 is not taken in, nor anything after it; the stream is read again
  // from the stored cursor, again and again.
  ASSERT_TRUE(WaitFor([&] { return shipping_.calls() >= 3; }));
  EXPECT_LT(Position().cursor, 5);
  EXPECT_GT(Lag(), 0);
  {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec("DROP TRIGGER refuse_five ON event_cursors");
    tx.commit();
  }
  ASSERT_TRUE(WaitFor([&] { return Position().cursor == 10; })) << Position().cursor;
  ASSERT_TRUE(WaitFor([&] { return Lag() == 0; })) << Lag();
}

}  // namespace
}  // namespace oms::order
