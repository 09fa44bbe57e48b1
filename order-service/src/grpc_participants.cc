// The participants over gRPC: one stub per service, created once; a fresh context with a
// deadline and the request id per call.
#include <grpcpp/channel.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>

#include "common/grpc_interceptors.h"
#include "common/grpc_status.h"
#include "common/status.h"
#include "oms/billing/v1/billing.grpc.pb.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "order-service/src/participants.h"

namespace oms::order {
namespace {

namespace billing_v1 = ::oms::billing::v1;
namespace inventory_v1 = ::oms::inventory::v1;
namespace shipping_v1 = ::oms::shipping::v1;

inventory_v1::Destination DestinationOf(const v1::Order& order) {
  inventory_v1::Destination destination;
  destination.set_country(order.shipping_address().country());
  destination.set_region(order.shipping_address().region());
  return destination;
}

class GrpcParticipants : public Participants {
 public:
  explicit GrpcParticipants(const ParticipantChannels& channels)
      : inventory_(inventory_v1::InventoryService::NewStub(channels.inventory)),
        billing_(billing_v1::BillingService::NewStub(channels.billing)),
        shipping_(shipping_v1::ShippingService::NewStub(channels.shipping)),
        deadline_(channels.deadline) {}

  StepResult Reserve(const std::string& request_id, const v1::Order& order) override {
    inventory_v1::ReserveStockRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    for (const auto& line : order.lines()) {
      auto* reserved = request.add_lines();
      reserved->set_sku(line.sku());
      reserved->set_quantity(line.quantity());
    }
    *request.mutable_destination() = DestinationOf(order);
    request.set_strategy(order.allocation_strategy());
    inventory_v1::Reservation reservation;
    auto context = Context(request_id);
    StepResult result = Result(inventory_->ReserveStock(context.get(), request, &reservation));
    if (result.outcome.result == CallResult::kOk) result.allocation = reservation.allocation();
    return result;
  }

  StepResult ReleaseReservation(const std::string& request_id, const v1::Order& order) override {
    inventory_v1::ReleaseReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    inventory_v1::Reservation reservation;
    auto context = Context(request_id);
    return Result(inventory_->ReleaseReservation(context.get(), request, &reservation));
  }

  StepResult ExtendReservation(const std::string& request_id, const v1::Order& order) override {
    inventory_v1::ExtendReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_ttl_seconds(30 * 24 * 3600);
    inventory_v1::Reservation reservation;
    auto context = Context(request_id);
    return Result(inventory_->ExtendReservation(context.get(), request, &reservation));
  }

  StepResult Authorize(const std::string& request_id, const v1::Order& order,
                       const std::string& payment_token) override {
    billing_v1::AuthorizePaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    *request.mutable_amount() = order.total();
    request.set_method(billing_v1::PAYMENT_METHOD_CARD);
    request.set_token(payment_token);
    billing_v1::Payment payment;
    auto context = Context(request_id);
    StepResult result = Result(billing_->AuthorizePayment(context.get(), request, &payment));
    if (result.outcome.result == CallResult::kOk) result.payment_id = payment.id();
    return result;
  }

  StepResult VoidPayment(const std::string& request_id, const v1::Order& order) override {
    billing_v1::VoidPaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_reason("order rejected");
    billing_v1::Payment payment;
    auto context = Context(request_id);
    return Result(billing_->VoidPayment(context.get(), request, &payment));
  }

  StepResult CreateShipments(const std::string& request_id, const v1::Order& order) override {
    shipping_v1::CreateShipmentsRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    *request.mutable_destination() = order.shipping_address();
    std::map<std::string, int64_t> weights;
    for (const auto& line : order.lines()) weights[line.sku()] = line.unit_weight_grams();
    for (const auto& group : order.allocation().groups()) {
      auto* shipment = request.add_groups();
      shipment->set_warehouse_id(group.warehouse_id());
      for (const auto& line : group.lines()) {
        auto* item = shipment->add_lines();
        item->set_sku(line.sku());
        item->set_quantity(line.quantity());
        item->set_unit_weight_grams(weights[line.sku()]);
      }
    }
    shipping_v1::CreateShipmentsResponse response;
    auto context = Context(request_id);
    StepResult result = Result(shipping_->CreateShipments(context.get(), request, &response));
    if (result.outcome.result == CallResult::kOk) {
      std::vector<v1::ShipmentSummary> shipments;
      for (const auto& shipment : response.shipments()) {
        v1::ShipmentSummary summary;
        summary.set_shipment_id(shipment.id());
        summary.set_warehouse_id(shipment.warehouse_id());
        summary.set_status(shipping_v1::ShipmentStatus_Name(shipment.status()));
        shipments.push_back(std::move(summary));
      }
      result.shipments = std::move(shipments);
    }
    return result;
  }

  StepResult CommitShipment(const std::string& request_id, const v1::Order& order,
                            const shipping_v1::OutboxEvent& shipped) override {
    inventory_v1::CommitReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    for (const auto& line : shipped.lines()) {
      auto* commit = request.add_lines();
      commit->set_warehouse_id(shipped.warehouse_id());
      commit->set_sku(line.sku());
      commit->set_quantity(line.quantity());
    }
    inventory_v1::Reservation reservation;
    auto context = Context(request_id);
    return Result(inventory_->CommitReservation(context.get(), request, &reservation));
  }

  StepResult CaptureShipment(const std::string& request_id, const v1::Order& order,
                             const shipping_v1::OutboxEvent& shipped) override {
    billing_v1::CapturePaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_shipment_id(shipped.shipment_id());
    for (const auto& line : shipped.lines()) {
      for (const auto& ordered : order.lines()) {
        if (ordered.sku() != line.sku()) continue;
        auto* billable = request.add_lines();
        billable->set_sku(line.sku());
        billable->set_description(ordered.name());
        billable->set_quantity(line.quantity());
        *billable->mutable_unit_price() = ordered.unit_price();
      }
    }
    *request.mutable_billing_address() = order.billing_address();
    *request.mutable_destination() = order.shipping_address();
    billing_v1::CapturePaymentResponse response;
    auto context = Context(request_id);
    return Result(billing_->CapturePayment(context.get(), request, &response));
  }

  StepResult CancelShipment(const std::string& request_id,
                            const std::string& shipment_id) override {
    shipping_v1::CancelShipmentRequest request;
    request.set_request_id(request_id);
    request.set_shipment_id(shipment_id);
    request.set_reason("order cancelled");
    shipping_v1::CancelShipmentResponse response;
    auto context = Context(request_id);
    return Result(shipping_->CancelShipment(context.get(), request, &response));
  }

  StepResult ReleaseWarehouse(const std::string& request_id, const v1::Order& order,
                              const std::string& warehouse_id) override {
    inventory_v1::ReleaseReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_warehouse_id(warehouse_id);
    inventory_v1::Reservation reservation;
    auto context = Context(request_id);
    return Result(inventory_->ReleaseReservation(context.get(), request, &reservation));
  }

  StepResult VoidShare(const std::string& request_id, const v1::Order& order,
                       int64_t amount_minor) override {
    billing_v1::VoidPaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_reason("order cancelled");
    if (amount_minor > 0) {
      request.mutable_amount()->set_currency(order.currency());
      request.mutable_amount()->set_amount_minor(amount_minor);
    }
    billing_v1::Payment payment;
    auto context = Context(request_id);
    return Result(billing_->VoidPayment(context.get(), request, &payment));
  }

  StepResult CreateReturnShipment(const std::string& request_id, const v1::Order& order,
                                  const v1::Return& ret) override {
    shipping_v1::CreateReturnShipmentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_return_id(ret.id());
    request.set_warehouse_id(ret.warehouse_id());
    *request.mutable_pickup_address() = order.shipping_address();
    for (const auto& line : ret.lines()) {
      auto* returned = request.add_lines();
      returned->set_sku(line.sku());
      returned->set_quantity(line.quantity());
    }
    shipping_v1::Shipment shipment;
    auto context = Context(request_id);
    StepResult result = Result(shipping_->CreateReturnShipment(context.get(), request, &shipment));
    if (result.outcome.result == CallResult::kOk) {
      v1::Return updated = ret;
      updated.set_return_shipment_id(shipment.id());
      result.return_update = std::move(updated);
    }
    return result;
  }

  StepResult Restock(const std::string& request_id, const v1::Return& ret, const std::string& sku,
                     int64_t resellable, int64_t damaged) override {
    inventory_v1::RestockReturnRequest request;
    request.set_request_id(request_id);
    request.set_order_id(ret.order_id());
    request.set_warehouse_id(ret.warehouse_id());
    request.set_sku(sku);
    request.set_resellable_quantity(resellable);
    request.set_damaged_quantity(damaged);
    request.set_note("return " + ret.id());
    inventory_v1::RestockReturnResponse response;
    auto context = Context(request_id);
    return Result(inventory_->RestockReturn(context.get(), request, &response));
  }

  StepResult Refund(const std::string& request_id, const v1::Return& ret,
                    const v1::RefundShare& share) override {
    billing_v1::RefundPaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(ret.order_id());
    request.set_shipment_id(share.shipment_id());
    for (const auto& line : share.lines()) {
      auto* refunded = request.add_lines();
      refunded->set_sku(line.sku());
      refunded->set_quantity(line.quantity());
    }
    request.set_reason("return " + ret.id());
    billing_v1::RefundPaymentResponse response;
    auto context = Context(request_id);
    return Result(billing_->RefundPayment(context.get(), request, &response));
  }

  StepResult RecordReceived(const std::string& request_id, const v1::Return& ret) override {
    shipping_v1::RecordShipmentEventRequest request;
    request.set_request_id(request_id);
    request.set_shipment_id(ret.return_shipment_id());
    request.set_type(shipping_v1::SHIPMENT_EVENT_TYPE_RECEIVED);
    *request.mutable_occurred_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    // Shipping deduplicates by the carrier event id, so a retry journals it once.
    request.set_carrier_event_id("oms-receive-" + ret.id());
    request.set_note("received by the warehouse");
    shipping_v1::RecordShipmentEventResponse response;
    auto context = Context(request_id);
    return Result(shipping_->RecordShipmentEvent(context.get(), request, &response));
  }

  StepResult CancelShipments(const std::string& request_id, const v1::Order& order) override {
    shipping_v1::CancelShipmentRequest request;
    request.set_request_id(request_id);
    request.mutable_order()->set_order_id(order.id());
    request.set_reason("order rejected");
    shipping_v1::CancelShipmentResponse response;
    auto context = Context(request_id);
    return Result(shipping_->CancelShipment(context.get(), request, &response));
  }

 private:
  std::unique_ptr<grpc::ClientContext> Context(const std::string& request_id) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + deadline_);
    SetRequestId(*context, request_id);
    return context;
  }

  static StepResult Result(const grpc::Status& status) {
    StepResult result;
    result.outcome = OutcomeOf(status);
    result.detail = status.error_message();
    return result;
  }

  std::unique_ptr<inventory_v1::InventoryService::Stub> inventory_;
  std::unique_ptr<billing_v1::BillingService::Stub> billing_;
  std::unique_ptr<shipping_v1::ShippingService::Stub> shipping_;
  const std::chrono::milliseconds deadline_;
};

}  // namespace

CallOutcome OutcomeOf(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return {CallResult::kOk, ""};
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::CANCELLED:
      return {CallResult::kTransient, ""};
    default: {
      std::string reason = ReasonOf(FromGrpcStatus(status));
      if (reason.empty()) reason = absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
      return {CallResult::kRefused, reason};
    }
  }
}

std::unique_ptr<Participants> MakeGrpcParticipants(const ParticipantChannels& channels) {
  return std::make_unique<GrpcParticipants>(channels);
}

}  // namespace oms::order
