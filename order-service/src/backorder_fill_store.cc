#include "order-service/src/backorder_fill_store.h"

#include <pqxx/pqxx>

#include "common/pg_pool.h"
#include "common/validation.h"
#include "order-service/src/event_cursor.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/pg_saga_writes.h"

namespace oms::order {
namespace {

constexpr char kStream[] = "backorders";

constexpr char kCursorMove[] = "backorder_cursor_move";
constexpr char kFillsInsert[] = "order_backorder_fills_insert";
constexpr char kCancelStarted[] = "sagas_cancel_started";

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // Only the next fill moves the cursor. A replica taking the same fill in at the same time
      // waits for the row and then finds it moved: nothing is updated, and it skips the fill.
      {kCursorMove,
       "UPDATE event_cursors SET last_sequence = $2 "
       "WHERE stream = $1 AND last_sequence = $2 - 1 RETURNING last_sequence"},
      {kFillsInsert,
       "INSERT INTO order_backorder_fills (sequence, order_id, fill) "
       "VALUES ($1, $2::uuid, decode($3, 'hex')) ON CONFLICT (sequence) DO NOTHING"},
      {kCancelStarted,
       "SELECT 1 FROM sagas WHERE order_id = $1::uuid AND kind = 'CANCEL' AND subject = 'cancel'"},
  };
  return kStatements;
}

}  // namespace

const std::vector<PreparedStatement>& PgBackorderFillStore::Statements() { return OwnStatements(); }

absl::StatusOr<int64_t> PgBackorderFillStore::Cursor() { return ReadEventCursor(pool_, kStream); }

absl::StatusOr<std::vector<std::string>> PgBackorderFillStore::Apply(
    const inventory::v1::BackorderFill& fill) {
  std::vector<std::string> started;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    started.clear();
    if (tx.exec_prepared(kCursorMove, kStream, fill.sequence()).empty()) return absl::OkStatus();
    if (!ValidateUuid(fill.order_id(), "order_id", "an order id").ok()) return absl::OkStatus();
    const pqxx::result rows = tx.exec_prepared(kOrdersLock, fill.order_id());
    if (rows.empty()) return absl::OkStatus();  // not an order of ours
    v1::Order order;
    ReadOrder(rows[0], &order);
    tx.exec_prepared(kFillsInsert, fill.sequence(), fill.order_id(), Hex(fill));
    // Filled before the cancellation reached inventory: the cancellation voided these units, or
    // will once it takes the queue off. Taken in, the fill would ship: the cancellation planned
    // without its shipment. Its saga releases the units instead (not among the order's fills).
    const bool voided = order.backordered_units() == 0 && !order.allocation().backordered().empty();
    if ((voided || !tx.exec_prepared(kCancelStarted, fill.order_id()).empty()) &&
        order.status() != v1::ORDER_STATUS_PENDING) {
      started = FollowOrderStatus(tx, fill.order_id(), order.status());
      return absl::OkStatus();
    }
    v1::BackorderState filled;
    *filled.add_fills() = fill;
    AppendBackorders(tx, fill.order_id(), filled);
    started =
        FollowOrderStatus(tx, fill.order_id(),
                          WriteFulfilment(tx, fill.order_id(), order.status(), order.shipments()));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return started;
}

}  // namespace oms::order
