// The order saga's calls to inventory, billing and shipping. Each call carries the saga's
// deterministic request id and a deadline, and answers as the saga engine needs it: done, a
// transient failure (retry with the same id), or a business refusal with its reason.
//
// Calls are asynchronous: each returns at once and calls `done` exactly once, on a gRPC thread,
// when the answer (or the deadline) comes. No thread waits for a participant, so the number of
// sagas in flight is not bounded by threads. `done` must not block.
#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "oms/inventory/v1/inventory.pb.h"
#include "oms/order/v1/order.pb.h"
#include "oms/shipping/v1/shipping.pb.h"
#include "order-service/src/saga.h"

namespace grpc {
class Status;
}  // namespace grpc

namespace oms::order {

// What a step learned that its saga keeps, one type per kind of fact: the order saga keeps the
// allocation, the payment and the shipments; a cancellation its progress, or that it cancelled
// everything; a return its return shipment.
struct Reserved {
  inventory::v1::Allocation allocation;
};
// A short pick re-sourced: where its units are held now, and those no warehouse had.
struct Resourced {
  inventory::v1::Allocation moved;
  std::vector<inventory::v1::OrderLine> cancelled;
};
struct Authorized {
  std::string payment_id;
};
struct ShipmentsCreated {
  std::vector<v1::ShipmentSummary> shipments;
};
struct CancelProgress {
  v1::CancelPlan plan;
};
struct CancelledEverything {};
// What was still queued for the order is off the queue (CancelBackorders).
struct BackordersCancelled {};
// An edit's pivot: every shipment of the order's version in effect is cancelled (EDIT saga).
struct PreviousVersionCancelled {};
struct ReturnShipmentCreated {
  v1::Return ret;
};
using StepOutput = std::variant<std::monostate, Reserved, Authorized, ShipmentsCreated,
                                CancelProgress, CancelledEverything, ReturnShipmentCreated,
                                Resourced, BackordersCancelled, PreviousVersionCancelled>;

// A step call's outcome, the participant's message for the journal, and what it learned.
struct StepResult {
  CallOutcome outcome;
  std::string detail;
  StepOutput output;
};

using StepDone = std::function<void(StepResult)>;

// How long an order's stock is held before its goods ship: for good, in practice (30 days).
inline constexpr int kOrderHoldSeconds = 30 * 24 * 3600;

class Participants {
 public:
  virtual ~Participants() = default;
  // Holds stock for `hold_seconds` (0: inventory's default, short hold).
  virtual void Reserve(const std::string& request_id, const v1::Order& order, int hold_seconds,
                       StepDone done) = 0;
  virtual void ReleaseReservation(const std::string& request_id, const v1::Order& order,
                                  StepDone done) = 0;
  virtual void Authorize(const std::string& request_id, const v1::Order& order,
                         const std::string& payment_token, StepDone done) = 0;
  virtual void VoidPayment(const std::string& request_id, const v1::Order& order,
                           StepDone done) = 0;
  virtual void CreateShipments(const std::string& request_id, const v1::Order& order,
                               StepDone done) = 0;
  virtual void CancelShipments(const std::string& request_id, const v1::Order& order,
                               StepDone done) = 0;
  // Keeps the reservation alive until the goods ship (kOrderHoldSeconds).
  virtual void ExtendReservation(const std::string& request_id, const v1::Order& order,
                                 StepDone done) = 0;
  // A shipment left its warehouse: commit its reserved lines, then capture its share and have
  // billing invoice it.
  virtual void CommitShipment(const std::string& request_id, const v1::Order& order,
                              const shipping::v1::OutboxEvent& shipped, StepDone done) = 0;
  virtual void CaptureShipment(const std::string& request_id, const v1::Order& order,
                               const shipping::v1::OutboxEvent& shipped, StepDone done) = 0;
  // Cancellation: one shipment (refused once it shipped), the stock held for one cancelled
  // shipment, and a share of the authorization (all that is uncaptured when `amount_minor` is 0).
  virtual void CancelShipment(const std::string& request_id, const std::string& shipment_id,
                              StepDone done) = 0;
  virtual void ReleaseShipment(const std::string& request_id, const v1::Order& order,
                               const v1::ShipmentSummary& shipment, StepDone done) = 0;
  virtual void VoidShare(const std::string& request_id, const v1::Order& order,
                         int64_t amount_minor, StepDone done) = 0;
  // Returns: the return shipment; restocking one SKU; refunding one shipment's invoice lines;
  // the receipt in the return shipment's journal.
  virtual void CreateReturnShipment(const std::string& request_id, const v1::Order& order,
                                    const v1::Return& ret, StepDone done) = 0;
  virtual void Restock(const std::string& request_id, const v1::Return& ret, const std::string& sku,
                       int64_t resellable, int64_t damaged, StepDone done) = 0;
  virtual void Refund(const std::string& request_id, const v1::Return& ret,
                      const v1::RefundShare& share, StepDone done) = 0;
  virtual void RecordReceived(const std::string& request_id, const v1::Return& ret,
                              StepDone done) = 0;
  // A short pick (shipping's SHIPMENT_SHORT_PICKED event): inventory holds the missing units
  // at other warehouses instead, and cancels those none has (Resourced); shipping creates a
  // shipment per warehouse for them (ShipmentsCreated, with their lines).
  virtual void ResourceReservation(const std::string& request_id, const v1::Order& order,
                                   const shipping::v1::OutboxEvent& short_picked,
                                   StepDone done) = 0;
  virtual void CreateResourcedShipments(const std::string& request_id, const v1::Order& order,
                                        const std::string& short_picked_shipment_id,
                                        const inventory::v1::Allocation& moved, StepDone done) = 0;
  // Backorders: the shipment of the units one fill holds (ShipmentsCreated, with its lines and
  // fill sequence); taking what is still queued for the order off the queue.
  virtual void CreateFillShipment(const std::string& request_id, const v1::Order& order,
                                  const inventory::v1::BackorderFill& fill, StepDone done) = 0;
  virtual void CancelBackorders(const std::string& request_id, const v1::Order& order,
                                StepDone done) = 0;
  // An edit (EDIT saga): the added units held in the order's reservation (Reserved, with where
  // they are held); `lines` units held at `warehouse_id` released (the removed ones, or the
  // added ones when the edit is undone); `amount_minor` more authorized; the shipments of the
  // order's version in effect (`order.allocation()`, `order.version()`).
  virtual void AddToReservation(
      const std::string& request_id, const v1::Order& order,
      const google::protobuf::RepeatedPtrField<inventory::v1::OrderLine>& lines, StepDone done) = 0;
  virtual void ReleaseUnits(const std::string& request_id, const v1::Order& order,
                            const std::string& warehouse_id,
                            const std::vector<inventory::v1::OrderLine>& lines, StepDone done) = 0;
  virtual void IncrementAuthorization(const std::string& request_id, const v1::Order& order,
                                      int64_t amount_minor, StepDone done) = 0;
  virtual void CreateVersionShipments(const std::string& request_id, const v1::Order& order,
                                      StepDone done) = 0;
  // Every shipment of the order, all or none (refused SHIPMENT_ALREADY_SHIPPED when one
  // shipped), for an edit.
  virtual void CancelForEdit(const std::string& request_id, const v1::Order& order,
                             StepDone done) = 0;
  // A parcel returned to sender and refunded: `quantity` units of `sku` back on hand at its
  // warehouse; its invoice refunded whole, shipping included.
  virtual void RestockParcel(const std::string& request_id, const v1::Order& order,
                             const v1::ShipmentSummary& parcel, const std::string& sku,
                             int64_t quantity, StepDone done) = 0;
  virtual void RefundParcel(const std::string& request_id, const v1::Order& order,
                            const v1::ShipmentSummary& parcel, StepDone done) = 0;
  // A parcel lost in transit and reshipped: `quantity` units of `sku` taken off the shelf at its
  // warehouse for the replacement (a CORRECTION: the lost ones left with the parcel).
  virtual void TakeReplacementUnits(const std::string& request_id, const v1::Order& order,
                                    const v1::ShipmentSummary& parcel, const std::string& sku,
                                    int64_t quantity, StepDone done) = 0;
  // A parcel returned to sender: shipping creates its replacement (the same goods again).
  virtual void CreateReplacementShipment(const std::string& request_id, const v1::Order& order,
                                         const v1::ReshipShipmentRequest& reship,
                                         StepDone done) = 0;
};

// Maps a participant's status: UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED,
// INTERNAL and UNKNOWN are transient; any other error is a refusal carrying its ErrorInfo
// reason (or the code's name when it has none).
CallOutcome OutcomeOf(const grpc::Status& status);
// The same for a status that never crossed the wire: a failpoint failing a call before it is
// made (`order.before_<step>=error(FAILED_PRECONDITION)` is a refusal, error(UNAVAILABLE) not).
CallOutcome OutcomeOf(const absl::Status& status);

}  // namespace oms::order
