#include "order-service/src/shipment_feed.h"

#include <algorithm>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "common/log.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "order-service/src/coordinator.h"
#include "order-service/src/order_metrics.h"
#include "order-service/src/shipment_event_store.h"

namespace oms::order {
namespace {

constexpr auto kLagInterval = std::chrono::seconds(2);

}  // namespace

ShipmentFeed::ShipmentFeed(PgShipmentEventStore& store, Coordinator& coordinator,
                           OrderMetrics& metrics, std::shared_ptr<grpc::Channel> shipping)
    : store_(store), coordinator_(coordinator), metrics_(metrics), shipping_(std::move(shipping)) {}

ShipmentFeed::~ShipmentFeed() { Stop(); }

void ShipmentFeed::Start() {
  thread_ = std::thread([this] { Loop(); });
  lag_thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      MeasureLag();
      lock.lock();
      stopped_.wait_for(lock, kLagInterval, [this] { return stopping_; });
    }
  });
}

void ShipmentFeed::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (current_ != nullptr) current_->TryCancel();
  }
  stopped_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (lag_thread_.joinable()) lag_thread_.join();
}

void ShipmentFeed::MeasureLag() {
  auto cursor = store_.Cursor();
  if (!cursor.ok()) return;  // the gauge keeps its last value; the next round tries again
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kLagInterval);
  shipping::v1::ListEventsRequest request;
  request.set_after_sequence(*cursor);
  request.set_limit(1);
  shipping::v1::ListEventsResponse response;
  auto stub = shipping::v1::ShippingService::NewStub(shipping_);
  if (!stub->ListEvents(&context, request, &response).ok()) return;
  if (response.events().empty()) {
    metrics_.ConsumerLag(0);
    return;
  }
  const auto created =
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(response.events(0).create_time());
  const auto now = google::protobuf::util::TimeUtil::TimestampToMicroseconds(
      google::protobuf::util::TimeUtil::GetCurrentTime());
  metrics_.ConsumerLag(std::max<double>(0, static_cast<double>(now - created) / 1e6));
}

void ShipmentFeed::Loop() {
  for (;;) {
    FollowOnce();
    // The stream broke (shipping restarting, a network blip): reconnect after a pause, from
    // the stored cursor.
    std::unique_lock<std::mutex> lock(mu_);
    if (stopped_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) return;
  }
}

void ShipmentFeed::FollowOnce() {
  auto cursor = store_.Cursor();
  if (!cursor.ok()) {
    log::Warn("", "shipment feed cannot read its cursor", {{"error", cursor.status().ToString()}});
    return;
  }
  grpc::ClientContext context;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    current_ = &context;
  }
  auto stub = shipping::v1::ShippingService::NewStub(shipping_);
  shipping::v1::StreamEventsRequest request;
  request.set_after_sequence(*cursor);
  auto reader = stub->StreamEvents(&context, request);
  shipping::v1::OutboxEvent event;
  while (reader->Read(&event)) {
    // Until it is applied, the event is not consumed: on failure the stream is dropped and
    // read again from the stored cursor.
    auto saga_id = store_.Apply(event);
    if (!saga_id.ok()) {
      log::Warn(
          "", "shipment event not applied",
          {{"sequence", std::to_string(event.sequence())}, {"error", saga_id.status().ToString()}});
      context.TryCancel();
      break;
    }
    if (!saga_id->empty()) coordinator_.Kick(*saga_id);
  }
  grpc::Status status = reader->Finish();
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = nullptr;
  }
  if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
    log::Info("", "shipment feed reconnecting", {{"error", status.error_message()}});
  }
}

}  // namespace oms::order
