// An operator's decision on a parcel returned to sender, in the order database: starting its
// RESHIP saga (ship the goods again) or its REFUND saga (restock them, refund the invoice), in
// the transaction that locks its order. One decision per parcel.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oms/order/v1/order.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

struct StartedDecision {
  std::string order_id;
  std::string saga_id;
  bool created = false;  // false: the same decision was made before
};

class ParcelDecisions {
 public:
  virtual ~ParcelDecisions() = default;
  // Starts the RESHIP (REFUND) saga of `request.shipment_id`, or answers the one started
  // before. NOT_FOUND when no order of ours has the shipment; FAILED_PRECONDITION
  // SHIPMENT_NOT_RETURNED_TO_SENDER unless shipping's last event said it was returned to sender
  // or lost;
  // SHIPMENT_ALREADY_DECIDED when the other decision was made.
  [[nodiscard]] virtual absl::StatusOr<StartedDecision> StartReship(
      const v1::ReshipShipmentRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<StartedDecision> StartRefund(
      const v1::RefundShipmentRequest& request) = 0;
};

class PgParcelDecisions final : public ParcelDecisions {
 public:
  explicit PgParcelDecisions(PgPool& pool) : pool_(pool) {}
  static const std::vector<PreparedStatement>& Statements();

  [[nodiscard]] absl::StatusOr<StartedDecision> StartReship(
      const v1::ReshipShipmentRequest& request) override;
  [[nodiscard]] absl::StatusOr<StartedDecision> StartRefund(
      const v1::RefundShipmentRequest& request) override;

 private:
  // Starts the saga of `kind` for `shipment_id` with `payload_hex`.
  absl::StatusOr<StartedDecision> Start(const std::string& kind, const std::string& shipment_id,
                                        const std::string& payload_hex);

  PgPool& pool_;
};

}  // namespace oms::order
