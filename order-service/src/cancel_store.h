// Cancellations in the order database: starting an order's CANCEL saga, in the transaction that
// locks the order. What a cancellation takes is decided in cancellation.h.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

// A cancellation saga started (or the one already running) for an order.
struct StartedCancel {
  std::string saga_id;
  bool created = false;
};

class CancelStore {
 public:
  virtual ~CancelStore() = default;
  // Starts the order's cancellation saga for its shipments that have not shipped, or answers
  // the one already started. NOT_FOUND for an unknown order; FAILED_PRECONDITION:
  // ORDER_NOT_CONFIRMED while the order is being placed, NOTHING_TO_CANCEL when every shipment
  // shipped or the order is final; ABORTED / EDIT_IN_PROGRESS while an edit runs, ABORTED /
  // BACKORDER_FILL_IN_PROGRESS while a fill's shipment is being created (FillShipmentsListed).
  [[nodiscard]] virtual absl::StatusOr<StartedCancel> StartCancel(const std::string& order_id,
                                                                  const std::string& reason) = 0;
};

class PgCancelStore final : public CancelStore {
 public:
  explicit PgCancelStore(PgPool& pool) : pool_(pool) {}
  // The statements below, for the pool's list.
  static const std::vector<PreparedStatement>& Statements();

  [[nodiscard]] absl::StatusOr<StartedCancel> StartCancel(const std::string& order_id,
                                                          const std::string& reason) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::order
