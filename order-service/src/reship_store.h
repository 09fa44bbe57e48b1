// Reshipping a parcel returned to sender, in the order database: starting the RESHIP saga of the
// shipment, in the transaction that locks its order.
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

struct StartedReship {
  std::string order_id;
  std::string saga_id;
  bool created = false;  // false: the shipment's RESHIP saga was started before
};

class ReshipStore {
 public:
  virtual ~ReshipStore() = default;
  // Starts the RESHIP saga of `request.shipment_id`, or answers the one started before.
  // NOT_FOUND when no order of ours has the shipment; FAILED_PRECONDITION
  // SHIPMENT_NOT_RETURNED_TO_SENDER unless shipping's last event said it was.
  [[nodiscard]] virtual absl::StatusOr<StartedReship> StartReship(
      const v1::ReshipShipmentRequest& request) = 0;
};

class PgReshipStore final : public ReshipStore {
 public:
  explicit PgReshipStore(PgPool& pool) : pool_(pool) {}
  static const std::vector<PreparedStatement>& Statements();

  [[nodiscard]] absl::StatusOr<StartedReship> StartReship(
      const v1::ReshipShipmentRequest& request) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::order
