#include "inventory-service/src/backorder_queue.h"

#include <algorithm>
#include <map>

#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "common/pg_arrays.h"
#include "common/pg_pool.h"
#include "inventory-service/src/reservation_rules.h"
#include "inventory-service/src/reservation_store.h"
#include "inventory-service/src/stock_ledger.h"

namespace oms::inventory {
namespace {

constexpr char kInsert[] = "backorders_insert";
constexpr char kLockSkus[] = "products_lock_for_fill";
constexpr char kLockQueuedReservations[] = "reservations_lock_queued";
constexpr char kLockOpen[] = "backorders_lock_open";
constexpr char kQueue[] = "backorders_queue";
constexpr char kLockOrders[] = "reservations_lock_orders";
constexpr char kAvailable[] = "stock_levels_available_lock";
constexpr char kFill[] = "backorders_fill";
constexpr char kCancel[] = "backorders_cancel_order";
constexpr char kQueuedOfOrder[] = "backorders_queued_of_order";
constexpr char kQueuedOfSku[] = "backorders_queued_of_sku";

constexpr char kFillReason[] = "backorder fill";

// An open row: what it still waits for. Spelled as the partial index's predicate, so that the
// planner can use that index.
#define OMS_BACKORDER_OPEN "filled + cancelled < quantity"

struct QueueRow {
  int64_t id = 0;
  std::string order_id;
  int64_t remaining = 0;
};

}  // namespace

const std::vector<PreparedStatement>& BackorderStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // One row per SKU, numbered in the lines' order: the queue position.
      {kInsert,
       "INSERT INTO backorders (order_id, sku, quantity) "
       "SELECT $1, l.sku, l.quantity FROM unnest($2::text[], $3::bigint[]) "
       "  WITH ORDINALITY AS l (sku, quantity, n) ORDER BY l.n"},
      // NO KEY UPDATE: a reserve's queue rows and reservation lines reference the product (KEY
      // SHARE) and go on while a fill holds this lock.
      {kLockSkus,
       "SELECT sku FROM products WHERE sku = ANY($1::text[]) ORDER BY sku FOR NO KEY UPDATE"},
      {kLockQueuedReservations,
       "SELECT r.id FROM reservations r WHERE r.order_id IN ("
       "  SELECT b.order_id FROM backorders b "
       "  WHERE b.sku = ANY($1::text[]) AND b." OMS_BACKORDER_OPEN
       ") ORDER BY r.id FOR UPDATE OF r"},
      {kLockOpen, "SELECT id FROM backorders WHERE sku = ANY($1::text[]) AND " OMS_BACKORDER_OPEN
                  " ORDER BY sku, id FOR UPDATE"},
      // The FIFO walk; a row another fill changed meanwhile is read again, as it is now.
      {kQueue,
       "SELECT id, order_id, quantity - filled - cancelled AS remaining FROM backorders "
       "WHERE sku = $1 AND " OMS_BACKORDER_OPEN " ORDER BY id FOR UPDATE"},
      {kLockOrders,
       "SELECT id, order_id, state FROM reservations WHERE order_id = ANY($1::text[]) "
       "ORDER BY id FOR UPDATE"},
      // No row for an inactive warehouse (or a level that does not exist): nothing to fill from.
      {kAvailable,
       "SELECT s.on_hand - s.reserved AS available FROM stock_levels s "
       "JOIN warehouses w ON w.id = s.warehouse_id "
       "WHERE s.sku = $1 AND s.warehouse_id = $2::uuid AND w.active FOR UPDATE OF s"},
      {kFill,
       "UPDATE backorders b SET filled = b.filled + f.quantity "
       "FROM unnest($1::bigint[], $2::bigint[]) AS f (id, quantity) WHERE b.id = f.id"},
      // What each open row still waited for is what it gives up.
      {kCancel,
       "WITH open AS ("
       "  SELECT id, quantity - filled - cancelled AS remaining FROM backorders "
       "  WHERE order_id = $1 AND " OMS_BACKORDER_OPEN " FOR UPDATE) "
       "UPDATE backorders b SET cancelled = b.quantity - b.filled FROM open "
       "WHERE b.id = open.id RETURNING b.sku, open.remaining"},
      {kQueuedOfOrder,
       "SELECT COALESCE(sum(quantity - filled - cancelled), 0) AS queued FROM backorders "
       "WHERE order_id = $1 AND " OMS_BACKORDER_OPEN},
      {kQueuedOfSku,
       "SELECT COALESCE(sum(quantity - filled - cancelled), 0) AS queued FROM backorders "
       "WHERE sku = $1 AND " OMS_BACKORDER_OPEN},
  };
  return kStatements;
}

void Enqueue(pqxx::work& tx, const std::string& order_id, const std::vector<Line>& lines) {
  if (lines.empty()) return;
  std::vector<std::string> skus;
  std::vector<int64_t> quantities;
  for (const auto& line : lines) {
    skus.push_back(line.sku);
    quantities.push_back(line.quantity);
  }
  tx.exec_prepared(kInsert, order_id, PgTextArray(skus), PgIntArray(quantities));
}

void LockBackorderQueues(pqxx::work& tx, const std::vector<std::string>& skus) {
  if (skus.empty()) return;
  tx.exec_prepared(kLockSkus, PgTextArray(skus));
  tx.exec_prepared(kLockQueuedReservations, PgTextArray(skus));
  tx.exec_prepared(kLockOpen, PgTextArray(skus));
}

absl::StatusOr<int> FillBackorders(pqxx::work& tx, const std::string& warehouse_id,
                                   const std::string& sku, const std::string& request_id,
                                   std::vector<FilledUnits>* filled) {
  std::vector<QueueRow> queue;
  std::vector<std::string> order_ids;
  for (const auto& row : tx.exec_prepared(kQueue, sku)) {
    queue.push_back({row["id"].as<int64_t>(), row["order_id"].as<std::string>(),
                     row["remaining"].as<int64_t>()});
    order_ids.push_back(queue.back().order_id);
  }
  if (queue.empty()) return 0;
  // Usually held already (LockBackorderQueues); a row queued since then is locked here.
  std::map<std::string, std::string> held_reservation;  // order id -> reservation id, HELD only
  for (const auto& row : tx.exec_prepared(kLockOrders, PgTextArray(order_ids))) {
    if (ReservationStateFromText(row["state"].as<std::string>()) == v1::RESERVATION_STATE_HELD) {
      held_reservation[row["order_id"].as<std::string>()] = row["id"].as<std::string>();
    }
  }
  pqxx::result level = tx.exec_prepared(kAvailable, sku, warehouse_id);
  if (level.empty()) return 0;
  int64_t available = level[0]["available"].as<int64_t>();

  std::vector<int64_t> row_ids, row_units;
  std::vector<std::pair<std::string, int64_t>> per_order;  // in queue order, one per order
  for (const QueueRow& row : queue) {
    if (available <= 0) break;
    if (held_reservation.count(row.order_id) == 0) continue;
    const int64_t units = std::min(available, row.remaining);
    available -= units;
    row_ids.push_back(row.id);
    row_units.push_back(units);
    auto same = std::find_if(per_order.begin(), per_order.end(),
                             [&](const auto& order) { return order.first == row.order_id; });
    if (same == per_order.end()) {
      per_order.emplace_back(row.order_id, units);
    } else {
      same->second += units;
    }
  }
  if (row_ids.empty()) return 0;
  tx.exec_prepared(kFill, PgIntArray(row_ids), PgIntArray(row_units));

  const std::string warehouse = absl::AsciiStrToLower(warehouse_id);
  int rows = 0;
  for (const auto& [order_id, units] : per_order) {
    const std::string& reservation_id = held_reservation[order_id];
    AddHeld(tx, reservation_id, {{warehouse, sku, units}});
    // One ledger row per order: the RESERVE is that order's, as a reserve's would be.
    auto moved =
        ApplyMoves(tx, {MoveOf(MovementKind::kReserve, sku, warehouse, units)},
                   {MovementKind::kReserve, kFillReason, request_id, reservation_id, order_id});
    if (!moved.ok()) return moved.status();
    rows += static_cast<int>(moved->size());
    filled->push_back({order_id, warehouse, sku, units});
  }
  return rows;
}

absl::Status FillEach(pqxx::work& tx, const std::vector<LineQuantity>& made_available,
                      const std::string& request_id, Outcome* outcome,
                      std::vector<FilledUnits>* filled) {
  for (const auto& place : made_available) {
    const std::size_t before = filled->size();
    auto rows = FillBackorders(tx, place.warehouse_id, place.sku, request_id, filled);
    if (!rows.ok()) return rows.status();
    outcome->fill_movements += *rows;
    for (std::size_t i = before; i < filled->size(); ++i) {
      outcome->filled_units += (*filled)[i].quantity;
    }
  }
  return absl::OkStatus();
}

std::vector<Line> CancelQueued(pqxx::work& tx, const std::string& order_id) {
  std::map<std::string, int64_t> by_sku;
  for (const auto& row : tx.exec_prepared(kCancel, order_id)) {
    by_sku[row["sku"].as<std::string>()] += row["remaining"].as<int64_t>();
  }
  std::vector<Line> cancelled;
  for (const auto& [sku, units] : by_sku) cancelled.push_back({sku, units});
  return cancelled;
}

int64_t QueuedUnitsOfOrder(pqxx::work& tx, const std::string& order_id) {
  return tx.exec_prepared1(kQueuedOfOrder, order_id)["queued"].as<int64_t>();
}

int64_t QueuedUnitsOfSku(pqxx::work& tx, const std::string& sku) {
  return tx.exec_prepared1(kQueuedOfSku, sku)["queued"].as<int64_t>();
}

void Settle(pqxx::work& tx, const std::string& reservation_id, const std::string& order_id) {
  if (auto settled =
          SettledOrderState(ReadLines(tx, reservation_id), QueuedUnitsOfOrder(tx, order_id))) {
    SetState(tx, reservation_id, *settled);
  }
}

}  // namespace oms::inventory
