// The order saga's calls to inventory, billing and shipping. Each call carries the saga's
// deterministic request id and a deadline, and answers as the saga engine needs it: done, a
// transient failure (retry with the same id), or a business refusal with its reason.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oms/inventory/v1/inventory.pb.h"
#include "oms/order/v1/order.pb.h"
#include "oms/shipping/v1/shipping.pb.h"
#include "order-service/src/saga.h"

namespace grpc {
class Channel;
class Status;
}  // namespace grpc

namespace oms::order {

// What a step call learned besides its outcome.
struct StepResult {
  CallOutcome outcome;
  std::string detail;  // the participant's message, for the journal
  std::optional<inventory::v1::Allocation> allocation;
  std::optional<std::vector<v1::ShipmentSummary>> shipments;
  std::optional<std::string> payment_id;
  std::optional<v1::CancelPlan> plan;
  std::optional<std::string> order_status;
  std::optional<v1::Return> return_update;
};

class Participants {
 public:
  virtual ~Participants() = default;
  virtual StepResult Reserve(const std::string& request_id, const v1::Order& order) = 0;
  virtual StepResult ReleaseReservation(const std::string& request_id, const v1::Order& order) = 0;
  virtual StepResult Authorize(const std::string& request_id, const v1::Order& order,
                               const std::string& payment_token) = 0;
  virtual StepResult VoidPayment(const std::string& request_id, const v1::Order& order) = 0;
  virtual StepResult CreateShipments(const std::string& request_id, const v1::Order& order) = 0;
  virtual StepResult CancelShipments(const std::string& request_id, const v1::Order& order) = 0;
  // Keeps the reservation alive until the goods ship (30 days).
  virtual StepResult ExtendReservation(const std::string& request_id, const v1::Order& order) = 0;
  // A shipment left its warehouse: commit its reserved lines, then capture its share and have
  // billing invoice it.
  virtual StepResult CommitShipment(const std::string& request_id, const v1::Order& order,
                                    const shipping::v1::OutboxEvent& shipped) = 0;
  virtual StepResult CaptureShipment(const std::string& request_id, const v1::Order& order,
                                     const shipping::v1::OutboxEvent& shipped) = 0;
  // Cancellation: one shipment (refused once it shipped), one warehouse's held stock, and a
  // share of the authorization (all that is uncaptured when `amount_minor` is 0).
  virtual StepResult CancelShipment(const std::string& request_id,
                                    const std::string& shipment_id) = 0;
  virtual StepResult ReleaseWarehouse(const std::string& request_id, const v1::Order& order,
                                      const std::string& warehouse_id) = 0;
  virtual StepResult VoidShare(const std::string& request_id, const v1::Order& order,
                               int64_t amount_minor) = 0;
  // Returns: the return shipment; restocking one SKU; refunding one shipment's invoice lines;
  // the receipt in the return shipment's journal.
  virtual StepResult CreateReturnShipment(const std::string& request_id, const v1::Order& order,
                                          const v1::Return& ret) = 0;
  virtual StepResult Restock(const std::string& request_id, const v1::Return& ret,
                             const std::string& sku, int64_t resellable, int64_t damaged) = 0;
  virtual StepResult Refund(const std::string& request_id, const v1::Return& ret,
                            const v1::RefundShare& share) = 0;
  virtual StepResult RecordReceived(const std::string& request_id, const v1::Return& ret) = 0;
};

// Maps a participant's status: UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED,
// INTERNAL and UNKNOWN are transient; any other error is a refusal carrying its ErrorInfo
// reason (or the code's name when it has none).
CallOutcome OutcomeOf(const grpc::Status& status);

struct ParticipantChannels {
  std::shared_ptr<grpc::Channel> inventory;
  std::shared_ptr<grpc::Channel> billing;
  std::shared_ptr<grpc::Channel> shipping;
  std::chrono::milliseconds deadline{5000};
};

std::unique_ptr<Participants> MakeGrpcParticipants(const ParticipantChannels& channels);

}  // namespace oms::order
