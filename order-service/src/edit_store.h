// Order edits in the order database: starting an order's EDIT saga, in the transaction that
// locks the order. What an edit changes is decided in order_edit.h.
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

// An edit saga started (or the one a repeat of its request id started).
struct StartedEdit {
  std::string saga_id;
  bool created = false;
};

class EditStore {
 public:
  virtual ~EditStore() = default;
  // The saga of the edit `request_id` of the order, when one was started.
  [[nodiscard]] virtual absl::StatusOr<StartedEdit> FindEdit(const std::string& order_id,
                                                             const std::string& request_id) = 0;
  // Starts the order's EDIT saga with `plan`, or answers the one `plan.request_id` started.
  // NOT_FOUND for an unknown order; the refusals of CheckEditable when the order changed since
  // the plan was made (a new version, a shipment shipped); ABORTED / EDIT_IN_PROGRESS while
  // another edit of the order runs or is parked; ORDER_NOT_EDITABLE while it is being cancelled.
  [[nodiscard]] virtual absl::StatusOr<StartedEdit> StartEdit(const std::string& order_id,
                                                              const v1::EditPlan& plan) = 0;
};

class PgEditStore final : public EditStore {
 public:
  explicit PgEditStore(PgPool& pool) : pool_(pool) {}
  // The statements below, for the pool's list.
  static const std::vector<PreparedStatement>& Statements();

  [[nodiscard]] absl::StatusOr<StartedEdit> FindEdit(const std::string& order_id,
                                                     const std::string& request_id) override;
  [[nodiscard]] absl::StatusOr<StartedEdit> StartEdit(const std::string& order_id,
                                                      const v1::EditPlan& plan) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::order
