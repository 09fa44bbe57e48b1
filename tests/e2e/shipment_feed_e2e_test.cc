// order-service following the real shipping-service's event stream when shipping stops
// answering (SIGSTOP: its sockets stay open, nothing comes back, as with a half-open connection):
// the consumer lag rises instead of keeping its last value, the silent stream is given up and
// reconnected, and once shipping runs again the feed catches up. The cursor is bound to the
// identity of shipping's outbox.
#include <functional>
#include <sstream>
#include <thread>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/testing/scrape.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "tests/support/service_under_test.h"

namespace oms {
namespace {

namespace shp = oms::shipping::v1;
using testing::ServiceUnderTest;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  return context;
}

// Polls `condition` until it holds or a minute passes.
bool WaitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

class ShipmentFeedE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status started = shipping_.Start();
    ASSERT_TRUE(started.ok()) << started;
    const std::string shipping = absl::StrCat("127.0.0.1:", shipping_.grpc_port());
    // The feed needs shipping only; the other peers are never called here.
    started = order_.Start({{"OMS_SHIPPING_ADDR", shipping},
                            {"OMS_INVENTORY_ADDR", "127.0.0.1:1"},
                            {"OMS_BILLING_ADDR", "127.0.0.1:1"}});
    ASSERT_TRUE(started.ok()) << started << order_.log();
    stub_ = shp::ShippingService::NewStub(shipping_.channel());
  }

  void TearDown() override {
    if (shipping_.process().running()) kill(shipping_.process().pid(), SIGCONT);
  }

  std::string Metrics() {
    auto body =
        testing::HttpGet(absl::StrCat("http://127.0.0.1:", order_.metrics_port(), "/metrics"));
    return body.ok() ? *body : "";
  }
  double Lag() {
    auto value = testing::SampleValue(Metrics(),
                                      R"(oms_order_event_consumer_lag_seconds{stream="shipping"})");
    return value.ok() ? *value : -1;
  }
  // StreamEvents calls order-service started.
  double StreamsStarted() {
    std::istringstream lines(Metrics());
    double total = 0;
    for (std::string line; std::getline(lines, line);) {
      if (absl::StartsWith(line, "grpc_client_started_total{") &&
          absl::StrContains(line, R"(grpc_method="StreamEvents")")) {
        total += std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
    return total;
  }
  std::string Query(const std::string& url, const std::string& sql) {
    pqxx::connection connection(url);
    pqxx::nontransaction tx(connection);
    return tx.exec1(sql)[0].as<std::string>();
  }
  int64_t Cursor() {
    return std::stoll(Query(order_.database_url(),
                            "SELECT last_sequence FROM event_cursors WHERE stream = 'shipping'"));
  }

  std::string CreateShipment() {
    shp::CreateShipmentsRequest create;
    create.set_request_id("feed-e2e:create");
    create.set_order_id("ord-feed-e2e");
    create.mutable_destination()->set_line1("1 Main St");
    create.mutable_destination()->set_city("Vienna");
    create.mutable_destination()->set_country("AT");
    auto* line = create.add_groups();
    line->set_warehouse_id("11111111-1111-4111-8111-111111111111");
    line->add_lines()->set_sku("SKU-1");
    line->mutable_lines(0)->set_quantity(1);
    line->mutable_lines(0)->set_unit_weight_grams(250);
    shp::CreateShipmentsResponse created;
    grpc::Status status = stub_->CreateShipments(Context().get(), create, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created.shipments_size() == 1 ? created.shipments(0).id() : "";
  }

  ServiceUnderTest shipping_{OMS_SHIPPING_BIN, "OMS_SHIPPING"};
  ServiceUnderTest order_{OMS_ORDER_BIN, "OMS_ORDER"};
  std::unique_ptr<shp::ShippingService::Stub> stub_;
};

TEST_F(ShipmentFeedE2eTest, AStalledStreamRaisesTheLagAndIsReconnected) {
  const std::string shipment = CreateShipment();  // event 1
  ASSERT_FALSE(shipment.empty());
  ASSERT_TRUE(WaitFor([&] { return Cursor() == 1 && Lag() == 0; }))
      << "cursor " << Cursor() << ", lag " << Lag() << order_.log();
  EXPECT_EQ(
      Query(order_.database_url(), "SELECT stream_id FROM event_cursors WHERE stream = 'shipping'"),
      Query(shipping_.database_url(), "SELECT stream_id::text FROM outbox_identity"));
  const double streams = StreamsStarted();
  ASSERT_GE(streams, 1);

  ASSERT_EQ(kill(shipping_.process().pid(), SIGSTOP), 0);
  // Nothing comes any more: without liveness the gauge would keep its 0 for ever.
  ASSERT_TRUE(WaitFor([&] { return Lag() > 0; })) << Lag() << order_.log();
  const double first = Lag();
  ASSERT_TRUE(WaitFor([&] { return Lag() > first; })) << Lag();
  // The silent stream is given up and another one opened (it hangs too while shipping sleeps).
  ASSERT_TRUE(WaitFor([&] { return StreamsStarted() > streams; })) << order_.log();

  ASSERT_EQ(kill(shipping_.process().pid(), SIGCONT), 0);
  shp::RecordShipmentEventRequest picked;
  picked.set_shipment_id(shipment);
  picked.set_type(shp::SHIPMENT_EVENT_TYPE_PICKED);
  *picked.mutable_occurred_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  shp::RecordShipmentEventResponse recorded;
  grpc::Status status = stub_->RecordShipmentEvent(Context().get(), picked, &recorded);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(WaitFor([&] { return Cursor() == 2 && Lag() == 0; }))
      << "cursor " << Cursor() << ", lag " << Lag() << order_.log();
}

}  // namespace
}  // namespace oms
