#include "order-service/src/shipment_feed.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "common/log.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "order-service/src/coordinator.h"
#include "order-service/src/order_store.h"

namespace oms::order {

ShipmentFeed::ShipmentFeed(PgOrderStore& store, Coordinator& coordinator,
                           std::shared_ptr<grpc::Channel> shipping)
    : store_(store), coordinator_(coordinator), shipping_(std::move(shipping)) {}

ShipmentFeed::~ShipmentFeed() { Stop(); }

void ShipmentFeed::Start() { thread_ = std::thread([this] { Loop(); }); }

void ShipmentFeed::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (current_ != nullptr) current_->TryCancel();
  }
  stopped_.notify_all();
  if (thread_.joinable()) thread_.join();
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
  auto cursor = store_.ShippingCursor();
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
    auto saga_id = store_.ApplyShipmentEvent(event);
    if (!saga_id.ok()) {
      log::Warn("", "shipment event not applied",
                {{"sequence", std::to_string(event.sequence())},
                 {"error", saga_id.status().ToString()}});
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
