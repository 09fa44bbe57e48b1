#include "inventory-service/src/invariant_store.h"

#include <string>

#include <pqxx/pqxx>

#include "common/pg_pool.h"

namespace oms::inventory {
namespace {

constexpr char kInvariants[] = "stock_invariants_check";

std::string TextOrEmpty(const pqxx::field& field) {
  return field.is_null() ? "" : field.as<std::string>();
}

}  // namespace

const std::vector<PreparedStatement>& InvariantStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // Every violation of I1 to I3 (backorders included) as (invariant, sku, warehouse, detail)
      // rows. The states and
      // kinds it names are the stored texts of ReservationStateText and MovementKindText.
      {kInvariants,
       "WITH ledger AS ("
       "  SELECT sku, warehouse_id, sum(on_hand_delta) AS on_hand, "
       "    sum(reserved_delta) AS reserved, "
       "    COALESCE(sum(on_hand_delta) FILTER (WHERE kind IN ('RECEIPT', 'CORRECTION')), 0) "
       "      AS received, "
       "    COALESCE(sum(on_hand_delta) FILTER (WHERE kind = 'RESTOCK'), 0) AS restocked, "
       "    COALESCE(-sum(on_hand_delta) FILTER (WHERE kind = 'COMMIT'), 0) AS shipped "
       "  FROM stock_movements GROUP BY sku, warehouse_id), "
       "held AS ("
       "  SELECT l.sku, l.warehouse_id, sum(l.quantity - l.committed - l.released) AS held "
       "  FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id "
       "  WHERE r.state = 'HELD' GROUP BY l.sku, l.warehouse_id) "
       "SELECT 'I1 the ledger sums to the level' AS invariant, s.sku AS sku, "
       "  s.warehouse_id::text AS warehouse_id, "
       "  format('level %s/%s, ledger %s/%s (on hand/reserved)', s.on_hand, s.reserved, "
       "  COALESCE(g.on_hand, 0), COALESCE(g.reserved, 0)) AS detail "
       "FROM stock_levels s LEFT JOIN ledger g USING (sku, warehouse_id) "
       "WHERE s.on_hand <> COALESCE(g.on_hand, 0) OR s.reserved <> COALESCE(g.reserved, 0) "
       "UNION ALL "
       "SELECT 'I1 on hand >= reserved >= 0', sku, warehouse_id::text, "
       "  format('on hand %s, reserved %s', on_hand, reserved) "
       "FROM stock_levels WHERE reserved < 0 OR on_hand < reserved "
       "UNION ALL "
       "SELECT 'I1 received + restocked = on hand + shipped', s.sku, s.warehouse_id::text, "
       "  format('received %s + restocked %s <> on hand %s + shipped %s', g.received, "
       "  g.restocked, s.on_hand, g.shipped) "
       "FROM stock_levels s JOIN ledger g USING (sku, warehouse_id) "
       "WHERE g.received + g.restocked <> s.on_hand + g.shipped "
       "UNION ALL "
       "SELECT 'I1 movement kinds move only their own quantity', sku, warehouse_id::text, "
       "  format('movement %s (%s) moved on hand %s, reserved %s', id, kind, on_hand_delta, "
       "  reserved_delta) "
       "FROM stock_movements WHERE (kind IN ('RESERVE', 'RELEASE', 'EXPIRE', 'DAMAGED') "
       "  AND on_hand_delta <> 0) OR (kind IN ('RECEIPT', 'CORRECTION', 'RESTOCK', 'DAMAGED') "
       "  AND reserved_delta <> 0) OR (kind = 'COMMIT' AND on_hand_delta <> reserved_delta) "
       "UNION ALL "
       "SELECT 'I2 reserved = what held reservations hold', s.sku, s.warehouse_id::text, "
       "  format('reserved %s, held %s', s.reserved, COALESCE(h.held, 0)) "
       "FROM stock_levels s LEFT JOIN held h USING (sku, warehouse_id) "
       "WHERE s.reserved <> COALESCE(h.held, 0) "
       "UNION ALL "
       "SELECT 'I2 no held reservation long past its expiry', '', '', "
       "  format('reservation %s of order %s expired at %s', id, order_id, expires_at) "
       "FROM reservations WHERE state = 'HELD' "
       "  AND expires_at < now() - make_interval(secs => $1) "
       // Units on the backorder queue keep a reservation HELD past its expiry.
       "  AND NOT EXISTS (SELECT 1 FROM backorders b WHERE b.order_id = reservations.order_id "
       "    AND b.filled + b.cancelled < b.quantity) "
       "UNION ALL "
       "SELECT 'I2 a final reservation holds nothing', l.sku, l.warehouse_id::text, "
       "  format('reservation %s is %s and still holds %s', r.id, r.state, "
       "  l.quantity - l.committed - l.released) "
       "FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id "
       "WHERE r.state <> 'HELD' AND l.quantity - l.committed - l.released > 0 "
       "UNION ALL "
       // Backorders: queued units wait in a held reservation (their fill holds them there), and
       // what the queue says it filled is what the fill stream says it held, per order and SKU.
       "SELECT 'I2 queued units wait in a held reservation', b.sku, '', "
       "  format('order %s waits for %s units but its reservation is %s', b.order_id, "
       "  b.quantity - b.filled - b.cancelled, COALESCE(r.state, 'missing')) "
       "FROM backorders b LEFT JOIN reservations r ON r.order_id = b.order_id "
       "WHERE b.filled + b.cancelled < b.quantity AND r.state IS DISTINCT FROM 'HELD' "
       "UNION ALL "
       "SELECT 'I2 the backorder queue filled what its fills held', "
       "  COALESCE(q.sku, f.sku), '', "
       "  format('order %s: queue filled %s, fills held %s', COALESCE(q.order_id, f.order_id), "
       "  COALESCE(q.filled, 0), COALESCE(f.held, 0)) "
       "FROM (SELECT order_id, sku, sum(filled) AS filled FROM backorders "
       "      GROUP BY order_id, sku) q "
       "FULL JOIN (SELECT order_id, sku, sum(quantity) AS held FROM backorder_fills "
       "      GROUP BY order_id, sku) f ON f.order_id = q.order_id AND f.sku = q.sku "
       "WHERE COALESCE(q.filled, 0) <> COALESCE(f.held, 0) "
       "UNION ALL "
       "SELECT 'I3 committed never exceeds received', sku, '', "
       "  format('shipped %s of %s received and restocked', sum(shipped), "
       "  sum(received + restocked)) "
       "FROM ledger GROUP BY sku HAVING sum(shipped) > sum(received + restocked)"},
  };
  return kStatements;
}

void ReadViolations(pqxx::work& tx, std::chrono::seconds expiry_grace,
                    v1::CheckInvariantsResponse* out) {
  for (const auto& row :
       tx.exec_prepared(kInvariants, static_cast<int64_t>(expiry_grace.count()))) {
    auto* violation = out->add_violations();
    violation->set_invariant(row["invariant"].as<std::string>());
    violation->set_sku(TextOrEmpty(row["sku"]));
    violation->set_warehouse_id(TextOrEmpty(row["warehouse_id"]));
    violation->set_detail(row["detail"].as<std::string>());
  }
}

}  // namespace oms::inventory
