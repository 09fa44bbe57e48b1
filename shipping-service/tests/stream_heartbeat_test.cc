// StreamEvents' liveness and identity, inside one process on a real PostgreSQL: a quiet stream
// sends heartbeats carrying the outbox's identity and head; every event carries the identity;
// a consumer whose cursor is past the head (a reset outbox) hears the head below it, and its
// cursor is not counted as sent.
#include <chrono>
#include <functional>
#include <thread>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/metrics.h"
#include "common/server.h"
#include "shipping-service/src/event_stream.h"
#include "shipping-service/src/outbox_listener.h"
#include "shipping-service/src/shipping_service.h"
#include "shipping-service/tests/shipping_store_fixture.h"

namespace oms::shipping {
namespace {

using Clock = std::chrono::steady_clock;

TEST(HeartbeatDueTest, OnlyAfterAWholeIntervalWithoutASend) {
  const Clock::time_point sent = Clock::now();
  const std::chrono::milliseconds interval(5000);
  EXPECT_FALSE(HeartbeatDue(sent, sent, interval));
  EXPECT_FALSE(HeartbeatDue(sent, sent + std::chrono::milliseconds(4999), interval));
  EXPECT_TRUE(HeartbeatDue(sent, sent + interval, interval));
  const v1::OutboxEvent heartbeat = MakeHeartbeat("id-1", 42);
  EXPECT_EQ(heartbeat.sequence(), 0);  // no event: older consumers skip it as taken already
  EXPECT_EQ(heartbeat.stream_id(), "id-1");
  EXPECT_EQ(heartbeat.heartbeat().head_sequence(), 42);
}

class StreamHeartbeatTest : public ShippingStoreTest {
 protected:
  void SetUp() override {
    ShippingStoreTest::SetUp();
    OutboxListener::Options options;
    options.database_url = db_.url();
    options.recheck_interval = std::chrono::hours(1);  // only NOTIFY and heartbeats wake
    listener_ = std::make_unique<OutboxListener>(options, hub_, nullptr);
    listener_->Start();
    ASSERT_TRUE(listener_->WaitUntilListening(std::chrono::seconds(20)));
    service_ = std::make_unique<ShippingServiceImpl>(*store_, executor_, hub_, nullptr);
    auto server = GrpcServer::Start(
        {}, {{service_.get(), v1::ShippingService::service_full_name()}}, metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::ShippingService::NewStub(server_->InProcessChannel());
    pqxx::connection connection(db_.url());
    pqxx::nontransaction tx(connection);
    stream_id_ = tx.exec1("SELECT stream_id::text FROM outbox_identity")[0].as<std::string>();
  }

  void TearDown() override {
    hub_.Close();
    if (server_) server_->Shutdown();
    executor_.Stop();
    if (listener_) listener_->Stop();
  }

  // Two shipments of one order: two events.
  void CreateShipments(const std::string& order_id) {
    v1::CreateShipmentsResponse created;
    ASSERT_TRUE(store_->CreateShipments(CreateRequest(order_id), &created).ok());
  }

  std::unique_ptr<grpc::ClientReader<v1::OutboxEvent>> Subscribe(std::int64_t after) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::StreamEventsRequest request;
    request.set_after_sequence(after);
    return stub_->StreamEvents(&context_, request);
  }

  void EndStream(grpc::ClientReader<v1::OutboxEvent>& reader) {
    context_.TryCancel();
    v1::OutboxEvent ignored;
    while (reader.Read(&ignored)) {
    }
    (void)reader.Finish();
  }

  Metrics metrics_{"shipping-service", "test"};
  EventHub hub_{4, std::chrono::milliseconds(200)};
  std::unique_ptr<OutboxListener> listener_;
  BoundedExecutor executor_{4, 64};
  std::unique_ptr<ShippingServiceImpl> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::ShippingService::Stub> stub_;
  grpc::ClientContext context_;
  std::string stream_id_;
};

TEST_F(StreamHeartbeatTest, AQuietStreamSendsHeartbeatsAndEveryMessageCarriesTheIdentity) {
  ASSERT_FALSE(stream_id_.empty());
  auto reader = Subscribe(0);
  v1::OutboxEvent message;
  ASSERT_TRUE(reader->Read(&message));  // nothing to send: a heartbeat within an interval or so
  ASSERT_TRUE(message.has_heartbeat());
  EXPECT_EQ(message.sequence(), 0);
  EXPECT_EQ(message.stream_id(), stream_id_);
  EXPECT_EQ(message.heartbeat().head_sequence(), 0);

  CreateShipments("ord-1");
  std::vector<v1::OutboxEvent> events;
  while (events.size() < 2 && reader->Read(&message)) {
    EXPECT_EQ(message.stream_id(), stream_id_);
    if (!message.has_heartbeat()) events.push_back(message);
  }
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].sequence(), 1);
  EXPECT_EQ(events[1].sequence(), 2);
  // Quiet again: the next heartbeat shows the head the stream reached.
  ASSERT_TRUE(reader->Read(&message));
  ASSERT_TRUE(message.has_heartbeat());
  EXPECT_EQ(message.heartbeat().head_sequence(), 2);
  EXPECT_EQ(hub_.sent_mark(), 2);
  EndStream(*reader);

  v1::ListEventsResponse page;
  ASSERT_TRUE(store_->ListEvents(0, 10, &page).ok());
  EXPECT_EQ(page.stream_id(), stream_id_);
  EXPECT_EQ(page.head_sequence(), 2);
  ASSERT_EQ(page.events_size(), 2);
  EXPECT_EQ(page.events(1).stream_id(), stream_id_);
}

TEST_F(StreamHeartbeatTest, ACursorPastTheHeadHearsTheHeadBelowIt) {
  CreateShipments("ord-1");
  auto reader = Subscribe(500);  // a consumer of an outbox that had 500 events
  v1::OutboxEvent message;
  ASSERT_TRUE(reader->Read(&message));
  ASSERT_TRUE(message.has_heartbeat());
  EXPECT_EQ(message.heartbeat().head_sequence(), 2);
  EXPECT_EQ(message.stream_id(), stream_id_);
  // Sequences 3..500 of this outbox were never sent to anyone.
  EXPECT_EQ(hub_.sent_mark(), 0);
  EndStream(*reader);
}

}  // namespace
}  // namespace oms::shipping
