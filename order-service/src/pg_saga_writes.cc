#include "order-service/src/pg_saga_writes.h"

#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "common/pg_pool.h"
#include "order-service/src/fulfilment.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/return_store.h"
#include "order-service/src/returns.h"
#include "order-service/src/sagas/registry.h"

namespace oms::order {
namespace {

constexpr char kOrdersRecordProgress[] = "orders_record_saga_progress";
constexpr char kOrdersSetStatus[] = "orders_set_status";
constexpr char kSagasCountOpenFollowUps[] = "sagas_count_open_follow_ups";
constexpr char kHistoryInsert[] = "order_status_history_insert";
constexpr char kSagasSetPayload[] = "sagas_set_payload";
constexpr char kOrdersSetReturnStatus[] = "orders_set_return_status";
constexpr char kOrdersSetAttention[] = "orders_set_attention";
constexpr char kSagasCountParked[] = "sagas_count_parked";

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // An empty allocation, shipments or payment id keeps what the order has.
      {kOrdersRecordProgress,
       "UPDATE orders SET status = $2, rejection_reason = $3, "
       "  allocation = COALESCE(decode(NULLIF($4, ''), 'hex'), allocation), "
       "  shipments = COALESCE(decode(NULLIF($5, ''), 'hex'), shipments), "
       "  payment_id = COALESCE(NULLIF($6, ''), payment_id), updated_at = now() "
       "WHERE id = $1::uuid"},
      {kOrdersSetStatus, "UPDATE orders SET status = $2, updated_at = now() WHERE id = $1::uuid"},
      // The order's sagas other than kind $2 (its order saga) not yet completed.
      {kSagasCountOpenFollowUps,
       "SELECT count(*) AS open FROM sagas "
       "WHERE order_id = $1::uuid AND kind <> $2 AND phase <> 'COMPLETED'"},
      {kHistoryInsert,
       "INSERT INTO order_status_history (order_id, status, reason) "
       "SELECT $1::uuid, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM order_status_history "
       "  WHERE order_id = $1::uuid AND id = (SELECT max(id) FROM order_status_history "
       "  WHERE order_id = $1::uuid) AND status = $2)"},
      {kSagasSetPayload, "UPDATE sagas SET payload = decode($2, 'hex') WHERE id = $1::uuid"},
      {kOrdersSetAttention,
       "UPDATE orders SET needs_attention = $2, updated_at = now() WHERE id = $1::uuid"},
      {kSagasCountParked,
       "SELECT count(*) AS parked FROM sagas WHERE order_id = $1::uuid AND phase = $2"},
      {kOrdersSetReturnStatus,
       "UPDATE orders SET return_status = $2, updated_at = now() WHERE id = $1::uuid"},
  };
  return kStatements;
}

// The history also records the return state ("PARTIALLY_RETURNED", "RETURNED"), which is no
// lifecycle status: hence text.
void AppendHistoryRow(pqxx::work& tx, const std::string& order_id, const std::string& status,
                      const std::string& reason) {
  tx.exec_prepared(kHistoryInsert, order_id, status, reason);
}

}  // namespace

const std::vector<PreparedStatement>& PgSagaWrites::Statements() { return OwnStatements(); }

void AppendStatusHistory(pqxx::work& tx, const std::string& order_id, v1::OrderStatus status,
                         const std::string& reason) {
  AppendHistoryRow(tx, order_id, StatusName(status), reason);
}

bool CompleteIfDone(pqxx::work& tx, const std::string& order_id, v1::OrderStatus status) {
  if (status != v1::ORDER_STATUS_DELIVERED) return false;  // no need to count
  const int64_t open =
      tx.exec_prepared1(kSagasCountOpenFollowUps, order_id, kOrderSagaKind)["open"].as<int64_t>();
  if (!IsComplete(status, open)) return false;
  tx.exec_prepared(kOrdersSetStatus, order_id, StatusName(v1::ORDER_STATUS_COMPLETED));
  AppendStatusHistory(tx, order_id, v1::ORDER_STATUS_COMPLETED, "");
  return true;
}

void PgSagaWrites::RecordOrderProgress(const OrderProgress& progress) {
  std::string shipments_hex;
  if (progress.shipments != nullptr) {
    v1::Order shipments;
    *shipments.mutable_shipments() = *progress.shipments;
    shipments_hex = Hex(shipments);
  }
  tx_.exec_prepared(kOrdersRecordProgress, progress.order_id, StatusName(progress.status),
                    progress.rejection_reason,
                    progress.allocation != nullptr ? Hex(*progress.allocation) : std::string(),
                    shipments_hex, progress.payment_id);
  AppendStatusHistory(tx_, progress.order_id, progress.status, progress.rejection_reason);
}

void PgSagaWrites::MarkOrderCancelled(const std::string& order_id) {
  tx_.exec_prepared(kOrdersSetStatus, order_id, StatusName(v1::ORDER_STATUS_CANCELLED));
  AppendStatusHistory(tx_, order_id, v1::ORDER_STATUS_CANCELLED, "");
}

void PgSagaWrites::FlagOrderAttention(const std::string& order_id) {
  tx_.exec_prepared(kOrdersSetAttention, order_id, true);
}

void PgSagaWrites::RecountOrderAttention(const std::string& order_id) {
  const int64_t parked = tx_.exec_prepared1(kSagasCountParked, order_id,
                                            PhaseName(SagaPhase::kNeedsAttention))["parked"]
                             .as<int64_t>();
  tx_.exec_prepared(kOrdersSetAttention, order_id, parked > 0);
}

void PgSagaWrites::CompleteOrderIfDone(const std::string& order_id) {
  // The last delivery may be taken in at this very moment (the shipment feed, which locks the
  // order first): without the lock each transaction would see the other's change uncommitted,
  // neither would complete the order, and it would stay DELIVERED.
  const pqxx::row order = tx_.exec_prepared1(kOrdersLock, order_id);
  CompleteIfDone(tx_, order_id, ParseStatus(order["status"].as<std::string>()));
}

void PgSagaWrites::SetSagaPayload(const std::string& saga_id, const std::string& payload) {
  tx_.exec_prepared(kSagasSetPayload, saga_id, absl::BytesToHexString(payload));
}

void PgSagaWrites::UpdateReturn(const v1::Return& ret) { order::UpdateReturn(tx_, ret); }

void PgSagaWrites::FinishReceipt(const v1::Return& ret) {
  v1::Return refunded = ret;
  refunded.set_status(v1::RETURN_STATUS_REFUNDED);
  order::UpdateReturn(tx_, refunded);
  v1::Order order;
  ReadOrder(tx_.exec_prepared1(kOrdersGet, refunded.order_id()), &order);
  const std::string status = ReturnStatus(order, ReturnsOf(tx_, refunded.order_id()));
  tx_.exec_prepared(kOrdersSetReturnStatus, refunded.order_id(), status);
  if (!status.empty()) AppendHistoryRow(tx_, refunded.order_id(), status, "");
}

}  // namespace oms::order
