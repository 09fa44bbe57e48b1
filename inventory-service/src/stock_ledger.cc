#include "inventory-service/src/stock_ledger.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_arrays.h"
#include "common/pg_pool.h"
#include "common/status.h"

namespace oms::inventory {
namespace {

constexpr char kTarget[] = "stock_target_get";
constexpr char kEnsure[] = "stock_levels_ensure";
constexpr char kLock[] = "stock_levels_lock";
constexpr char kMove[] = "stock_levels_move";
constexpr char kDamaged[] = "stock_movements_insert_damaged";

}  // namespace

const std::vector<PreparedStatement>& StockLedgerStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kTarget,
       "SELECT EXISTS (SELECT 1 FROM products WHERE sku = $1) AS product_exists, "
       "(SELECT code FROM warehouses WHERE id = $2::uuid) AS warehouse_code"},
      {kEnsure,
       "INSERT INTO stock_levels (sku, warehouse_id) VALUES ($1, $2::uuid) "
       "ON CONFLICT (sku, warehouse_id) DO NOTHING"},
      {kLock,
       "SELECT s.sku FROM stock_levels s "
       "JOIN unnest($1::text[], $2::uuid[]) AS l(sku, warehouse_id) "
       "ON s.sku = l.sku AND s.warehouse_id = l.warehouse_id "
       "ORDER BY s.sku, s.warehouse_id FOR UPDATE OF s"},
      // A level that would break on_hand >= reserved >= 0 is left alone and returns no row.
      {kMove,
       "WITH l AS (SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::bigint[]) "
       "  AS t(sku, warehouse_id, on_hand_delta, reserved_delta)), "
       "level AS ("
       "  UPDATE stock_levels s SET on_hand = s.on_hand + l.on_hand_delta, "
       "    reserved = s.reserved + l.reserved_delta, updated_at = now() "
       "  FROM l WHERE s.sku = l.sku AND s.warehouse_id = l.warehouse_id "
       "    AND s.reserved + l.reserved_delta >= 0 "
       "    AND s.on_hand + l.on_hand_delta >= s.reserved + l.reserved_delta "
       "  RETURNING s.sku, s.warehouse_id, s.on_hand, s.reserved, l.on_hand_delta, "
       "    l.reserved_delta) "
       "INSERT INTO stock_movements (sku, warehouse_id, kind, on_hand_delta, reserved_delta, "
       "  on_hand_after, reserved_after, reason, request_id, reservation_id, order_id) "
       "SELECT sku, warehouse_id, $5, on_hand_delta, reserved_delta, on_hand, reserved, $6, $7, "
       "  NULLIF($8, '')::uuid, NULLIF($9, '') FROM level "
       "RETURNING id, sku, warehouse_id, on_hand_after, reserved_after"},
      {kDamaged,
       "INSERT INTO stock_movements (sku, warehouse_id, kind, on_hand_delta, reserved_delta, "
       "  on_hand_after, reserved_after, reason, request_id, order_id, damaged_quantity) "
       "SELECT sku, warehouse_id, $3, 0, 0, on_hand, reserved, $4, $5, $6, $7 "
       "FROM stock_levels WHERE sku = $1 AND warehouse_id = $2::uuid"},
  };
  return kStatements;
}

absl::StatusOr<std::string> CheckTarget(pqxx::work& tx, const std::string& sku,
                                        const std::string& warehouse_id) {
  pqxx::row target = tx.exec_prepared1(kTarget, sku, warehouse_id);
  if (!target["product_exists"].as<bool>()) {
    return absl::NotFoundError(absl::StrCat("sku: product ", sku, " does not exist"));
  }
  if (target["warehouse_code"].is_null()) {
    return absl::NotFoundError(
        absl::StrCat("warehouse_id: warehouse ", warehouse_id, " does not exist"));
  }
  return target["warehouse_code"].as<std::string>();
}

void EnsureLevel(pqxx::work& tx, const std::string& sku, const std::string& warehouse_id) {
  tx.exec_prepared(kEnsure, sku, warehouse_id);
}

absl::StatusOr<std::vector<Moved>> ApplyMoves(pqxx::work& tx, const std::vector<Move>& moves,
                                              const LedgerContext& ledger,
                                              absl::string_view refusal_reason) {
  std::vector<Moved> result;
  if (moves.empty()) return result;
  std::vector<std::string> skus, warehouses;
  std::vector<int64_t> on_hand, reserved;
  for (const auto& move : moves) {
    skus.push_back(move.sku);
    warehouses.push_back(move.warehouse_id);
    on_hand.push_back(move.on_hand_delta);
    reserved.push_back(move.reserved_delta);
  }
  tx.exec_prepared(kLock, PgTextArray(skus), PgTextArray(warehouses));
  pqxx::result rows =
      tx.exec_prepared(kMove, PgTextArray(skus), PgTextArray(warehouses), PgIntArray(on_hand),
                       PgIntArray(reserved), MovementKindText(ledger.kind), ledger.reason,
                       ledger.request_id, ledger.reservation_id, ledger.order_id);
  if (rows.size() != moves.size()) {
    return WithReason(absl::StatusCode::kFailedPrecondition, refusal_reason,
                      "stock: on hand would fall below zero or below the reserved quantity");
  }
  for (const auto& row : rows) {
    result.push_back({row["id"].as<int64_t>(), row["sku"].as<std::string>(),
                      row["warehouse_id"].as<std::string>(), row["on_hand_after"].as<int64_t>(),
                      row["reserved_after"].as<int64_t>()});
  }
  return result;
}

int RecordDamaged(pqxx::work& tx, const std::string& sku, const std::string& warehouse_id,
                  int64_t quantity, const LedgerContext& ledger) {
  return static_cast<int>(tx.exec_prepared(kDamaged, sku, warehouse_id,
                                           MovementKindText(ledger.kind), ledger.reason,
                                           ledger.request_id, ledger.order_id, quantity)
                              .affected_rows());
}

}  // namespace oms::inventory
