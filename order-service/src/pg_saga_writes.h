// The saga hooks' writes to orders and returns (saga_store.h's SagaWrites) inside the
// transaction that saves a step, and the order writes the shipment event feed shares: both
// derive the order's status from its shipment rows (table order_shipments) the same way.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "order-service/src/fulfilment.h"
#include "order-service/src/saga_store.h"

namespace oms {
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

// The order's progress (SagaWrites::RecordOrderProgress) as SQL: the order's row updated and its
// history row, unless the latest says the same, named `updated` and `history` for a WITH
// clause. The arguments are the placeholders of the order id, its status, the rejection reason,
// the allocation and shipments (hex; '' keeps the order's), the payment id ('' keeps it), the
// status for the history, and a condition the update needs besides. Shared by the statement of
// PgSagaWrites and the save that carries the progress with it (pg_saga_store.cc).
#define OMS_ORDER_PROGRESS_CTES(order_id, status, reason, allocation, shipments, payment_id, \
                                history_status, condition)                                   \
  "updated AS (UPDATE orders SET status = " status ", rejection_reason = " reason            \
  ", "                                                                                       \
  "  allocation = COALESCE(decode(NULLIF(" allocation                                        \
  ", ''), 'hex'), allocation), "                                                             \
  "  shipments = COALESCE(decode(NULLIF(" shipments                                          \
  ", ''), 'hex'), shipments), "                                                              \
  "  payment_id = COALESCE(NULLIF(" payment_id                                               \
  ", ''), payment_id), "                                                                     \
  "  payment_token = CASE WHEN " payment_id " <> '' OR " history_status                      \
  "    IN ('CONFIRMED', 'REJECTED') THEN '' ELSE payment_token END, updated_at = now() "     \
  "  WHERE id = " order_id "::uuid AND " condition                                           \
  " RETURNING id), "                                                                         \
  "history AS (INSERT INTO order_status_history (order_id, status, reason) "                 \
  "  SELECT id, " history_status ", " reason                                                 \
  " FROM updated WHERE NOT EXISTS ("                                                         \
  "    SELECT 1 FROM order_status_history WHERE order_id = " order_id                        \
  "::uuid AND id = ("                                                                        \
  "      SELECT max(id) FROM order_status_history WHERE order_id = " order_id                \
  "::uuid) "                                                                                 \
  "      AND status = " history_status ")) "

// The order's progress when it is all a step's save writes and needs no read (LoneProgress).
struct ProgressRow {
  std::string status;            // the order's, and its history row's
  std::string rejection_reason;  // "" for none
  std::string allocation_hex;    // "" keeps the order's
  std::string payment_id;        // "" keeps the order's
};

// Whether `writes` (a kind's hook) writes nothing but the order's progress, of a kind that one
// statement writes without reading first: no shipments listed, and a status that neither follows
// the shipments nor starts their sagas (the order saga's steps before the pivot, and its
// compensation). Then `row` is what RecordOrderProgress would write. Runs `writes` against a
// recorder, which writes nothing.
bool LoneProgress(const std::function<void(SagaWrites&)>& writes, ProgressRow* row);

class PgSagaWrites final : public SagaWrites {
 public:
  explicit PgSagaWrites(pqxx::work& tx) : tx_(tx) {}
  static const std::vector<PreparedStatement>& Statements();

  // The order's status written is the saga's (progress.status) refined by the order's shipments
  // as their rows stand (OrderStatusWithShipments): events taken in while the order was PENDING
  // count. The ship step's shipments get their rows, an event's newer status kept; once the
  // order is confirmed, every shipment already shipped gets its saga (FollowOrderStatus).
  void RecordOrderProgress(const OrderProgress& progress) override;
  void MarkOrderCancelled(const std::string& order_id) override;
  void FlagOrderAttention(const std::string& order_id) override;
  void RecountOrderAttention(const std::string& order_id) override;
  void CompleteOrderIfDone(const std::string& order_id) override;
  void ListShipments(const std::string& order_id,
                     const std::vector<v1::ShipmentSummary>& shipments) override;
  void MarkParcelRefunded(const std::string& order_id, const std::string& shipment_id) override;
  void AdoptOrderVersion(const std::string& order_id, const v1::Order& edited) override;
  v1::BackorderState CancelBackorders(const std::string& order_id) override;
  void SetSagaPayload(const std::string& saga_id, const std::string& payload) override;
  void UpdateReturn(const v1::Return& ret) override;
  void FinishReceipt(const v1::Return& ret) override;

 private:
  pqxx::work& tx_;
};

// A row of the order's status history, unless its latest row says the same.
void AppendStatusHistory(pqxx::work& tx, const std::string& order_id, v1::OrderStatus status,
                         const std::string& reason);

// The order's fulfilment now: its shipments, `listed` (what the ship step saved,
// orders.shipments) merged with the rows shipping's events keep (MergeShipments), the units
// still queued for stock (QueuedUnits of its allocation, or of `allocation` when given, and its
// backorders) and its fills not shipped yet. The caller holds the order's row lock.
struct Fulfilment {
  ShipmentList shipments;
  BackorderProgress backorders;
};
Fulfilment CurrentFulfilment(pqxx::work& tx, const std::string& order_id,
                             const ShipmentList& listed,
                             const inventory::v1::Allocation* allocation = nullptr);

// Writes the order's shipments (`listed` merged with their rows, as CurrentFulfilment) and the
// status they give an order whose status is `status` (OrderStatusWithShipments), with its
// history row when it changed; answers that status. The caller holds the order's row lock.
v1::OrderStatus WriteFulfilment(pqxx::work& tx, const std::string& order_id, v1::OrderStatus status,
                                const ShipmentList& listed);

// What follows once the order's status `status` is written: when ShipmentSagasMayStart, a saga
// for each shipped shipment that has none yet (their ids), and the order COMPLETED when
// CompleteIfDone says so. The caller holds the order's row lock.
std::vector<std::string> FollowOrderStatus(pqxx::work& tx, const std::string& order_id,
                                           v1::OrderStatus status);

// The order, whose status is `status`, becomes COMPLETED (with its history row) when IsComplete
// says so (fulfilment.h); true when it did. The caller holds the order's row lock.
bool CompleteIfDone(pqxx::work& tx, const std::string& order_id, v1::OrderStatus status);

// Appends `change` to the order's backorders (orders.backorders). The caller holds the order's
// row lock.
void AppendBackorders(pqxx::work& tx, const std::string& order_id,
                      const v1::BackorderState& change);

// Sets the order's needs_attention flag from what waits for an operator: a parked saga, or a
// parcel RETURNED_TO_SENDER or LOST nobody has decided on yet (no RESHIP or REFUND saga for it).
void RecountAttention(pqxx::work& tx, const std::string& order_id);

}  // namespace oms::order
