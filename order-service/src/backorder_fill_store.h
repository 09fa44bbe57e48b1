// Inventory's backorder fills taken into the orders they belong to, exactly once and in sequence
// order: the cursor (event_cursors 'backorders') moves in the same transaction as the reaction.
// Fill sequences are dense, so the next fill is always the cursor + 1; any other is skipped
// (taken in already, by this replica or another).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

class PgBackorderFillStore {
 public:
  explicit PgBackorderFillStore(PgPool& pool) : pool_(pool) {}
  static const std::vector<PreparedStatement>& Statements();

  // The sequence of the last fill taken in.
  [[nodiscard]] absl::StatusOr<int64_t> Cursor();
  // Takes one fill into its order: recorded with it (the order's BackorderState, unless its
  // backorders were cancelled: then the fill's units are not the order's to ship and its
  // BACKORDER saga releases them), its status derived again (PARTIALLY_BACKORDERED until
  // nothing is queued) and, once the order is confirmed, its BACKORDER saga started. Answers the
  // ids of the sagas started (none for a fill taken already or of no order of ours).
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> Apply(
      const inventory::v1::BackorderFill& fill);

 private:
  PgPool& pool_;
};

}  // namespace oms::order
