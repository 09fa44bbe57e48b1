#include "inventory-service/src/audit_store.h"

#include <string>

#include <pqxx/pqxx>

#include "common/audit_rows.h"
#include "common/pg_pool.h"

namespace oms::inventory {
namespace {

constexpr char kBound[] = "reservations_audit_bound";
constexpr char kFacts[] = "reservations_audit_facts";

}  // namespace

const std::vector<PreparedStatement>& AuditStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // How many orders follow the cursor (up to the page size) and the last of them.
      {kBound,
       "SELECT count(*) AS orders, COALESCE(max(order_id), '') AS last_order_id FROM ("
       "  SELECT order_id COLLATE \"C\" AS order_id FROM reservations "
       "  WHERE order_id COLLATE \"C\" > $1 ORDER BY order_id COLLATE \"C\" LIMIT $2) page"},
      // The reservations in (after, last], each with its committed lines (none: one row).
      {kFacts,
       "SELECT r.order_id, r.state, "
       "  floor(extract(epoch FROM now() - r.updated_at))::bigint AS idle_seconds, "
       "  l.warehouse_id::text AS warehouse_id, l.sku, l.committed "
       "FROM reservations r "
       "LEFT JOIN reservation_lines l ON l.reservation_id = r.id AND l.committed > 0 "
       "WHERE r.order_id COLLATE \"C\" > $1 AND r.order_id COLLATE \"C\" <= $2 "
       "ORDER BY r.order_id COLLATE \"C\", l.warehouse_id, l.sku"},
  };
  return kStatements;
}

void ReadAuditPage(pqxx::work& tx, const AuditPage& page, v1::AuditOrderFactsResponse* out) {
  out->Clear();  // a retry after a broken connection starts over
  const AuditRange range = ReadAuditRange(tx, page, {kBound}, out->mutable_page());
  if (range.last_order_id.empty()) return;
  v1::AuditedReservation* reservation = nullptr;
  v1::AuditedCommit* commit = nullptr;
  for (const auto& row : tx.exec_prepared(kFacts, page.after, range.last_order_id)) {
    const std::string order_id = row["order_id"].as<std::string>();
    if (reservation == nullptr || reservation->order_id() != order_id) {
      reservation = out->add_reservations();
      reservation->set_order_id(order_id);
      reservation->set_state(row["state"].as<std::string>());
      reservation->set_idle_seconds(row["idle_seconds"].as<int64_t>());
      commit = nullptr;
    }
    if (row["warehouse_id"].is_null()) continue;
    const std::string warehouse_id = row["warehouse_id"].as<std::string>();
    if (commit == nullptr || commit->warehouse_id() != warehouse_id) {
      commit = reservation->add_committed();
      commit->set_warehouse_id(warehouse_id);
    }
    AddSkuQuantity(row, "committed", commit->mutable_lines());
  }
}

}  // namespace oms::inventory
