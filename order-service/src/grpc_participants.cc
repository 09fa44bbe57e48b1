// The participants as a mapping over the three peer clients: each step's request is built from
// the order and saga data alone (identical on every retry, so the participant's idempotency
// holds), and each answer is mapped to the step's outcome and what the saga keeps.
#include "order-service/src/grpc_participants.h"

#include <map>
#include <utility>
#include <vector>

#include <grpcpp/support/status.h>

#include "common/grpc_status.h"
#include "common/status.h"
#include "order-service/src/billing_client.h"
#include "order-service/src/inventory_client.h"
#include "order-service/src/sagas/step_chain.h"
#include "order-service/src/shipment_charges.h"
#include "order-service/src/shipping_client.h"

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

// A participant's answer that carries nothing the saga keeps.
struct NothingToKeep {
  template <class Reply>
  void operator()(const Reply&, StepResult&) const {}
};

// A step's answer: its outcome, the participant's message for the journal and, when it is OK,
// what `keep` takes from the reply.
template <class Keep = NothingToKeep>
auto Step(StepDone done, Keep keep = {}) {
  return [done = std::move(done), keep = std::move(keep)](const grpc::Status& status,
                                                          const auto& reply) {
    StepResult result;
    result.outcome = OutcomeOf(status);
    result.detail = status.error_message();
    if (result.outcome.result == CallResult::kOk) keep(reply, result);
    done(std::move(result));
  };
}

class GrpcParticipants final : public Participants {
 public:
  GrpcParticipants(InventoryClient& inventory, BillingClient& billing, ShippingClient& shipping)
      : inventory_(inventory), billing_(billing), shipping_(shipping) {}

  void Reserve(const std::string& request_id, const v1::Order& order, int hold_seconds,
               StepDone done) override {
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
    request.set_ttl_seconds(hold_seconds);
    request.set_cancel_unavailable(order.backorder_policy() ==
                                   inventory::v1::BACKORDER_POLICY_SHIP_AVAILABLE);
    request.set_backorder_unavailable(order.backorder_policy() ==
                                      inventory::v1::BACKORDER_POLICY_BACKORDER);
    request.set_product_policies(order.backorder_policy() ==
                                 inventory::v1::BACKORDER_POLICY_UNSPECIFIED);
    inventory_.ReserveStock(
        request_id, std::move(request),
        Step(std::move(done), [](const inventory_v1::Reservation& reservation, StepResult& result) {
          result.output = Reserved{reservation.allocation()};
        }));
  }

  void ReleaseReservation(const std::string& request_id, const v1::Order& order,
                          StepDone done) override {
    inventory_v1::ReleaseReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    inventory_.ReleaseReservation(request_id, std::move(request), Step(std::move(done)));
  }

  void ExtendReservation(const std::string& request_id, const v1::Order& order,
                         StepDone done) override {
    inventory_v1::ExtendReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_ttl_seconds(kOrderHoldSeconds);
    inventory_.ExtendReservation(request_id, std::move(request), Step(std::move(done)));
  }

  void Authorize(const std::string& request_id, const v1::Order& order,
                 const std::string& payment_token, StepDone done) override {
    billing_v1::AuthorizePaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    *request.mutable_amount() = order.total();
    request.set_method(billing_v1::PAYMENT_METHOD_CARD);
    request.set_token(payment_token);
    billing_.AuthorizePayment(
        request_id, std::move(request),
        Step(std::move(done), [](const billing_v1::Payment& payment, StepResult& result) {
          result.output = Authorized{payment.id()};
        }));
  }

  void VoidPayment(const std::string& request_id, const v1::Order& order, StepDone done) override {
    VoidShare(request_id, order, 0, "order rejected", std::move(done));
  }

  void CreateShipments(const std::string& request_id, const v1::Order& order,
                       StepDone done) override {
    CreateShipmentsFor(request_id, order, order.allocation(), {}, std::move(done));
  }

  void ResourceReservation(const std::string& request_id, const v1::Order& order,
                           const shipping_v1::OutboxEvent& short_picked, StepDone done) override {
    inventory_v1::ResourceReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_from_warehouse_id(short_picked.warehouse_id());
    for (const auto& line : short_picked.short_picked_lines()) {
      auto* missing = request.add_lines();
      missing->set_sku(line.sku());
      missing->set_quantity(line.quantity());
    }
    *request.mutable_destination() = DestinationOf(order);
    request.set_strategy(order.allocation_strategy());
    // With no stock anywhere the units are cancelled and their share voided: what an order
    // without a backorder policy gets (docs/commerce.md).
    request.set_cancel_unavailable(true);
    inventory_.ResourceReservation(
        request_id, std::move(request),
        Step(std::move(done), [](const inventory_v1::ResourceReservationResponse& response,
                                 StepResult& result) {
          result.output = Resourced{response.allocation(),
                                    {response.cancelled().begin(), response.cancelled().end()}};
        }));
  }

  void CreateResourcedShipments(const std::string& request_id, const v1::Order& order,
                                const std::string& short_picked_shipment_id,
                                const inventory_v1::Allocation& moved, StepDone done) override {
    shipping_v1::AllocationGroup origin;
    origin.set_resourced_from_shipment_id(short_picked_shipment_id);
    CreateShipmentsFor(request_id, order, moved, origin, std::move(done));
  }

  void CreateFillShipment(const std::string& request_id, const v1::Order& order,
                          const inventory_v1::BackorderFill& fill, StepDone done) override {
    inventory_v1::Allocation filled;
    auto* group = filled.add_groups();
    group->set_warehouse_id(fill.warehouse_id());
    group->set_warehouse_code(fill.warehouse_code());
    *group->mutable_lines() = fill.lines();
    shipping_v1::AllocationGroup origin;
    origin.set_backorder_fill_sequence(fill.sequence());
    CreateShipmentsFor(request_id, order, filled, origin, std::move(done));
  }

  void CancelBackorders(const std::string& request_id, const v1::Order& order,
                        StepDone done) override {
    inventory_v1::CancelBackordersRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    inventory_.CancelBackorders(
        request_id, std::move(request),
        Step(std::move(done), [](const inventory_v1::CancelBackordersResponse&,
                                 StepResult& result) { result.output = BackordersCancelled{}; }));
  }

  void CommitShipment(const std::string& request_id, const v1::Order& order,
                      const shipping_v1::OutboxEvent& shipped, StepDone done) override {
    inventory_v1::CommitReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    for (const auto& line : shipped.lines()) {
      auto* commit = request.add_lines();
      commit->set_warehouse_id(shipped.warehouse_id());
      commit->set_sku(line.sku());
      commit->set_quantity(line.quantity());
    }
    inventory_.CommitReservation(request_id, std::move(request), Step(std::move(done)));
  }

  void CaptureShipment(const std::string& request_id, const v1::Order& order,
                       const shipping_v1::OutboxEvent& shipped, StepDone done) override {
    billing_v1::CapturePaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_shipment_id(shipped.shipment_id());
    std::vector<std::pair<std::string, int64_t>> lines;
    for (const auto& line : shipped.lines()) lines.emplace_back(line.sku(), line.quantity());
    v1::ShipmentSummary shipment;
    shipment.set_shipment_id(shipped.shipment_id());
    shipment.set_warehouse_id(shipped.warehouse_id());
    shipment.set_resourced_from_shipment_id(shipped.resourced_from_shipment_id());
    shipment.set_backorder_fill_sequence(shipped.backorder_fill_sequence());
    auto charge = ChargeOfShipment(order, shipment, lines);
    if (!charge.ok()) {
      // A re-sourced shipment's lines may not be saved with the order yet: a retry finds them.
      done(UnitsUnknown(charge.status(), UnlistedShipment::kRetry));
      return;
    }
    for (auto& line : charge->lines) *request.add_lines() = std::move(line);
    if (charge->shipping > 0 || charge->shipping_tax > 0) {
      request.mutable_shipping()->set_currency(order.currency());
      request.mutable_shipping()->set_amount_minor(charge->shipping);
      request.mutable_shipping_tax()->set_currency(order.currency());
      request.mutable_shipping_tax()->set_amount_minor(charge->shipping_tax);
    }
    *request.mutable_billing_address() = order.billing_address();
    *request.mutable_destination() = order.shipping_address();
    billing_.CapturePayment(request_id, std::move(request), Step(std::move(done)));
  }

  void CancelShipment(const std::string& request_id, const std::string& shipment_id,
                      StepDone done) override {
    shipping_v1::CancelShipmentRequest request;
    request.set_request_id(request_id);
    request.set_shipment_id(shipment_id);
    request.set_reason("order cancelled");
    shipping_.CancelShipment(request_id, std::move(request), Step(std::move(done)));
  }

  void CancelShipments(const std::string& request_id, const v1::Order& order,
                       StepDone done) override {
    CancelOrderShipments(request_id, order, "order rejected", Step(std::move(done)));
  }

  void CancelForEdit(const std::string& request_id, const v1::Order& order,
                     StepDone done) override {
    CancelOrderShipments(
        request_id, order, "order edited",
        Step(std::move(done), [](const shipping_v1::CancelShipmentResponse&, StepResult& result) {
          result.output = PreviousVersionCancelled{};
        }));
  }

  void AddToReservation(const std::string& request_id, const v1::Order& order,
                        const google::protobuf::RepeatedPtrField<inventory_v1::OrderLine>& lines,
                        StepDone done) override {
    inventory_v1::AddToReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    *request.mutable_lines() = lines;
    *request.mutable_destination() = DestinationOf(order);
    request.set_strategy(order.allocation_strategy());
    inventory_.AddToReservation(
        request_id, std::move(request),
        Step(std::move(done),
             [](const inventory_v1::AddToReservationResponse& response, StepResult& result) {
               result.output = Reserved{response.allocation()};
             }));
  }

  void ReleaseUnits(const std::string& request_id, const v1::Order& order,
                    const std::string& warehouse_id,
                    const std::vector<inventory_v1::OrderLine>& lines, StepDone done) override {
    inventory_v1::ReleaseReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_warehouse_id(warehouse_id);
    for (const auto& line : lines) *request.add_lines() = line;
    inventory_.ReleaseReservation(request_id, std::move(request), Step(std::move(done)));
  }

  void IncrementAuthorization(const std::string& request_id, const v1::Order& order,
                              int64_t amount_minor, StepDone done) override {
    billing_v1::IncrementAuthorizationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.mutable_amount()->set_currency(order.currency());
    request.mutable_amount()->set_amount_minor(amount_minor);
    request.set_reason("order edited");
    billing_.IncrementAuthorization(request_id, std::move(request), Step(std::move(done)));
  }

  void CreateVersionShipments(const std::string& request_id, const v1::Order& order,
                              StepDone done) override {
    shipping_v1::AllocationGroup origin;
    origin.set_order_version(order.version());
    CreateShipmentsFor(request_id, order, order.allocation(), origin, std::move(done));
  }

  void ReleaseShipment(const std::string& request_id, const v1::Order& order,
                       const v1::ShipmentSummary& shipment, StepDone done) override {
    inventory_v1::ReleaseReservationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_warehouse_id(shipment.warehouse_id());
    // Only its own units: another shipment of the order at that warehouse (re-sourced from a
    // short pick) may have shipped and not be committed yet. A shipment whose units cannot be
    // told releases what the warehouse holds for the order, its one shipment there.
    // A backorder fill no shipment was made for (BACKORDER saga): its lines, whether the order
    // took the fill in or not (its backorders cancelled first).
    const bool unshipped_fill = shipment.backorder_fill_sequence() > 0 &&
                                shipment.shipment_id().empty() && !shipment.lines().empty();
    if (unshipped_fill) {
      *request.mutable_lines() = shipment.lines();
    } else if (auto units = UnitsOfShipment(order, shipment); units.ok()) {
      for (const auto& [sku, quantity] : *units) {
        auto* line = request.add_lines();
        line->set_sku(sku);
        line->set_quantity(quantity);
      }
      if (request.lines().empty()) return done({});  // it carried nothing (all short-picked)
    }
    inventory_.ReleaseReservation(request_id, std::move(request), Step(std::move(done)));
  }

  void VoidShare(const std::string& request_id, const v1::Order& order, int64_t amount_minor,
                 StepDone done) override {
    VoidShare(request_id, order, amount_minor, "order cancelled", std::move(done));
  }

  void CreateReturnShipment(const std::string& request_id, const v1::Order& order,
                            const v1::Return& ret, StepDone done) override {
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
    shipping_.CreateReturnShipment(
        request_id, std::move(request),
        Step(std::move(done), [ret](const shipping_v1::Shipment& shipment, StepResult& result) {
          v1::Return updated = ret;
          updated.set_return_shipment_id(shipment.id());
          result.output = ReturnShipmentCreated{std::move(updated)};
        }));
  }

  void CreateReplacementShipment(const std::string& request_id, const v1::Order& /*order*/,
                                 const v1::ReshipShipmentRequest& reship, StepDone done) override {
    shipping_v1::CreateReplacementShipmentRequest request;
    request.set_request_id(request_id);
    request.set_shipment_id(reship.shipment_id());
    request.set_reason(reship.note());
    shipping_.CreateReplacementShipment(request_id, std::move(request), Step(std::move(done)));
  }

  void Restock(const std::string& request_id, const v1::Return& ret, const std::string& sku,
               int64_t resellable, int64_t damaged, StepDone done) override {
    RestockAt(request_id, ret.order_id(), ret.warehouse_id(), sku, resellable, damaged,
              "return " + ret.id(), std::move(done));
  }

  void Refund(const std::string& request_id, const v1::Return& ret, const v1::RefundShare& share,
              StepDone done) override {
    std::vector<std::pair<std::string, int64_t>> lines;
    for (const auto& line : share.lines()) lines.emplace_back(line.sku(), line.quantity());
    RefundInvoice(request_id, ret.order_id(), share.shipment_id(), lines, "return " + ret.id(),
                  /*include_shipping=*/false, std::move(done));
  }

  void RestockParcel(const std::string& request_id, const v1::Order& order,
                     const v1::ShipmentSummary& parcel, const std::string& sku, int64_t quantity,
                     StepDone done) override {
    RestockAt(request_id, order.id(), parcel.warehouse_id(), sku, quantity, 0,
              "returned to sender: shipment " + parcel.shipment_id(), std::move(done));
  }

  void TakeReplacementUnits(const std::string& request_id, const v1::Order& order,
                            const v1::ShipmentSummary& parcel, const std::string& sku,
                            int64_t quantity, StepDone done) override {
    inventory_v1::AdjustStockRequest request;
    request.set_request_id(request_id);
    request.set_warehouse_id(parcel.warehouse_id());
    request.set_sku(sku);
    request.set_delta(-quantity);
    request.set_reason(inventory_v1::ADJUSTMENT_REASON_CORRECTION);
    request.set_note("replacement of lost shipment " + parcel.shipment_id() + " of order " +
                     order.id());
    inventory_.AdjustStock(request_id, std::move(request), Step(std::move(done)));
  }

  void RefundParcel(const std::string& request_id, const v1::Order& order,
                    const v1::ShipmentSummary& parcel, StepDone done) override {
    auto units = UnitsOfShipment(order, parcel);
    if (!units.ok()) {
      done(UnitsUnknown(units.status(), UnlistedShipment::kRefuse));
      return;
    }
    RefundInvoice(request_id, order.id(), parcel.shipment_id(), {units->begin(), units->end()},
                  "returned to sender", /*include_shipping=*/true, std::move(done));
  }

  void RecordReceived(const std::string& request_id, const v1::Return& ret,
                      StepDone done) override {
    shipping_v1::RecordShipmentEventRequest request;
    request.set_request_id(request_id);
    request.set_shipment_id(ret.return_shipment_id());
    request.set_type(shipping_v1::SHIPMENT_EVENT_TYPE_RECEIVED);
    // The receipt's recorded time, never the clock now: a retry must send the same event. A
    // return received before receive_time was kept falls back to its creation time.
    *request.mutable_occurred_at() =
        ret.has_receive_time() ? ret.receive_time() : ret.create_time();
    // Shipping deduplicates by the carrier event id, so a retry journals it once.
    request.set_carrier_event_id("oms-receive-" + ret.id());
    request.set_note("received by the warehouse");
    shipping_.RecordShipmentEvent(request_id, std::move(request), Step(std::move(done)));
  }

 private:
  void RestockAt(const std::string& request_id, const std::string& order_id,
                 const std::string& warehouse_id, const std::string& sku, int64_t resellable,
                 int64_t damaged, const std::string& note, StepDone done) {
    inventory_v1::RestockReturnRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order_id);
    request.set_warehouse_id(warehouse_id);
    request.set_sku(sku);
    request.set_resellable_quantity(resellable);
    request.set_damaged_quantity(damaged);
    request.set_note(note);
    inventory_.RestockReturn(request_id, std::move(request), Step(std::move(done)));
  }

  // Credits `lines` of shipment `shipment_id`'s invoice (and its shipping charge too).
  void RefundInvoice(const std::string& request_id, const std::string& order_id,
                     const std::string& shipment_id,
                     const std::vector<std::pair<std::string, int64_t>>& lines,
                     const std::string& reason, bool include_shipping, StepDone done) {
    billing_v1::RefundPaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order_id);
    request.set_shipment_id(shipment_id);
    for (const auto& [sku, quantity] : lines) {
      auto* refunded = request.add_lines();
      refunded->set_sku(sku);
      refunded->set_quantity(quantity);
    }
    request.set_reason(reason);
    request.set_include_shipping(include_shipping);
    billing_.RefundPayment(request_id, std::move(request), Step(std::move(done)));
  }
  // A shipment per group of `allocation`, each made to take over units of
  // `resourced_from_shipment_id` when that is set.
  void CreateShipmentsFor(const std::string& request_id, const v1::Order& order,
                          const inventory_v1::Allocation& allocation,
                          const shipping_v1::AllocationGroup& origin, StepDone done) {
    shipping_v1::CreateShipmentsRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    *request.mutable_destination() = order.shipping_address();
    std::map<std::string, int64_t> weights;
    for (const auto& line : order.lines()) weights[line.sku()] = line.unit_weight_grams();
    for (const auto& group : allocation.groups()) {
      // Where the units come from, when not from the order's own reserve (a short pick, a
      // backorder fill): a copy of `origin` for each group.
      auto* shipment = request.add_groups();
      *shipment = origin;
      shipment->set_warehouse_id(group.warehouse_id());
      for (const auto& line : group.lines()) {
        auto* item = shipment->add_lines();
        item->set_sku(line.sku());
        item->set_quantity(line.quantity());
        item->set_unit_weight_grams(weights[line.sku()]);
      }
    }
    shipping_.CreateShipments(
        request_id, std::move(request),
        Step(std::move(done),
             [](const shipping_v1::CreateShipmentsResponse& response, StepResult& result) {
               std::vector<v1::ShipmentSummary> shipments;
               for (const auto& shipment : response.shipments()) {
                 v1::ShipmentSummary summary;
                 summary.set_shipment_id(shipment.id());
                 summary.set_warehouse_id(shipment.warehouse_id());
                 summary.set_status(shipping_v1::ShipmentStatus_Name(shipment.status()));
                 summary.set_order_version(shipment.order_version());
                 if (!shipment.resourced_from_shipment_id().empty() ||
                     shipment.backorder_fill_sequence() > 0) {
                   summary.set_resourced_from_shipment_id(shipment.resourced_from_shipment_id());
                   summary.set_backorder_fill_sequence(shipment.backorder_fill_sequence());
                   for (const auto& line : shipment.lines()) {
                     auto* carried = summary.add_lines();
                     carried->set_sku(line.sku());
                     carried->set_quantity(line.quantity());
                   }
                 }
                 shipments.push_back(std::move(summary));
               }
               result.output = ShipmentsCreated{std::move(shipments)};
             }));
  }
  template <class Answer>
  void CancelOrderShipments(const std::string& request_id, const v1::Order& order,
                            const char* reason, Answer answer) {
    shipping_v1::CancelShipmentRequest request;
    request.set_request_id(request_id);
    request.mutable_order()->set_order_id(order.id());
    request.set_reason(reason);
    shipping_.CancelShipment(request_id, std::move(request), std::move(answer));
  }

  void VoidShare(const std::string& request_id, const v1::Order& order, int64_t amount_minor,
                 const char* reason, StepDone done) {
    billing_v1::VoidPaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order.id());
    request.set_reason(reason);
    if (amount_minor > 0) {
      request.mutable_amount()->set_currency(order.currency());
      request.mutable_amount()->set_amount_minor(amount_minor);
    }
    billing_.VoidPayment(request_id, std::move(request), Step(std::move(done)));
  }

  InventoryClient& inventory_;
  BillingClient& billing_;
  ShippingClient& shipping_;
};

}  // namespace

CallOutcome OutcomeOf(const grpc::Status& status) { return OutcomeOf(FromGrpcStatus(status)); }

CallOutcome OutcomeOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return {CallResult::kOk, ""};
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kCancelled:
      return {CallResult::kTransient, ""};
    default: {
      std::string reason = ReasonOf(status);
      if (reason.empty()) reason = absl::StatusCodeToString(status.code());
      return {CallResult::kRefused, reason};
    }
  }
}

std::unique_ptr<Participants> MakeGrpcParticipants(InventoryClient& inventory,
                                                   BillingClient& billing,
                                                   ShippingClient& shipping) {
  return std::make_unique<GrpcParticipants>(inventory, billing, shipping);
}

}  // namespace oms::order
