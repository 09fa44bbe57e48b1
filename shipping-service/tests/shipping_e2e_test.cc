// shipping-service as a real process: a create and an event through the gRPC stub, a stream that
// follows them, its /metrics, and SIGTERM ending an open stream with UNAVAILABLE well inside a
// long drain (streams must not hold the shutdown).
#include <google/protobuf/util/time_util.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "common/testing/scrape.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "tests/support/service_under_test.h"

namespace oms {
namespace {

namespace ship = oms::shipping::v1;
using google::protobuf::util::TimeUtil;

std::unique_ptr<grpc::ClientContext> Context(int seconds = 10) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

TEST(ShippingE2eTest, StreamsFollowCommitsAndEndWithUnavailableOnSigterm) {
  testing::ServiceUnderTest service(OMS_SHIPPING_BIN, "OMS_SHIPPING");
  // A drain far longer than the stop timeout below: only ending the streams lets it exit in time.
  absl::Status started = service.Start({{"OMS_DRAIN_SECONDS", "120"}});
  ASSERT_TRUE(started.ok()) << started;
  auto stub = ship::ShippingService::NewStub(service.channel());

  auto stream_context = Context(60);
  auto stream = stub->StreamEvents(stream_context.get(), ship::StreamEventsRequest());

  ship::CreateShipmentsRequest create;
  create.set_request_id("e2e:create");
  create.set_order_id("ord-e2e");
  create.mutable_destination()->set_line1("1 Main St");
  create.mutable_destination()->set_city("Vienna");
  create.mutable_destination()->set_country("AT");
  auto* group = create.add_groups();
  group->set_warehouse_id("11111111-1111-4111-8111-111111111111");
  auto* line = group->add_lines();
  line->set_sku("SKU-1");
  line->set_quantity(3);
  line->set_unit_weight_grams(250);
  ship::CreateShipmentsResponse created;
  grpc::Status status = stub->CreateShipments(Context().get(), create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message() << service.log();
  ASSERT_EQ(created.shipments_size(), 1);
  EXPECT_EQ(created.shipments(0).carrier(), "Austrian Post");

  ship::RecordShipmentEventRequest shipped;
  shipped.set_shipment_id(created.shipments(0).id());
  shipped.set_type(ship::SHIPMENT_EVENT_TYPE_SHIPPED);
  *shipped.mutable_occurred_at() = TimeUtil::GetCurrentTime();
  ship::RecordShipmentEventResponse recorded;
  ASSERT_TRUE(stub->RecordShipmentEvent(Context().get(), shipped, &recorded).ok());

  ship::OutboxEvent event;
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.sequence(), 1);
  EXPECT_EQ(event.type(), ship::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED);
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.sequence(), 2);
  EXPECT_EQ(event.type(), ship::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED);
  ASSERT_EQ(event.lines_size(), 1);
  EXPECT_EQ(event.lines(0).quantity(), 3);

  ship::CreateShipmentsRequest unserved = create;
  unserved.set_request_id("e2e:create-2");
  unserved.set_order_id("ord-e2e-2");
  unserved.mutable_destination()->set_country("AQ");
  status = stub->CreateShipments(Context().get(), unserved, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_details().find("DESTINATION_NOT_SERVED"), std::string::npos);

  auto body =
      testing::HttpGet(absl::StrCat("http://127.0.0.1:", service.metrics_port(), "/metrics"));
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*testing::SampleValue(*body, "oms_shipping_stream_subscribers"), 1);
  EXPECT_EQ(*testing::SampleValue(*body, "oms_shipping_shipments_created_total{kind=\"OUTBOUND\"}"),
            1);
  absl::Status lint = testing::PromtoolCheckMetrics(*body);
  EXPECT_TRUE(lint.ok()) << lint;

  // SIGTERM: the open stream ends with UNAVAILABLE at once, then the process exits.
  ASSERT_EQ(kill(service.process().pid(), SIGTERM), 0);
  EXPECT_FALSE(stream->Read(&event));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  auto exited = service.process().WaitForExit(std::chrono::seconds(30));
  ASSERT_TRUE(exited.ok()) << exited.status() << service.log();
  EXPECT_TRUE(WIFEXITED(*exited));
  EXPECT_EQ(WEXITSTATUS(*exited), 0) << service.log();
}

}  // namespace
}  // namespace oms
