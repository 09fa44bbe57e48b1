#include "shipping-service/src/audit_store.h"

#include <string>

#include <pqxx/pqxx>

#include "common/audit_rows.h"
#include "common/pg_pool.h"

namespace oms::shipping {
namespace {

constexpr char kBound[] = "shipments_audit_bound";
constexpr char kFacts[] = "shipments_audit_facts";

}  // namespace

const std::vector<PreparedStatement>& AuditStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // How many orders follow the cursor (up to the page size) and the last of them.
      {kBound,
       "SELECT count(*) AS orders, COALESCE(max(order_id), '') AS last_order_id FROM ("
       "  SELECT DISTINCT order_id COLLATE \"C\" AS order_id FROM shipments "
       "  WHERE order_id COLLATE \"C\" > $1 ORDER BY 1 LIMIT $2) page"},
      // The shipments in (after, last] with their lines.
      {kFacts,
       "SELECT s.id::text AS id, s.order_id, s.kind, s.warehouse_id, s.cancelled, s.shipped, "
       "  s.replaces_shipment_id, s.order_version, "
       "  floor(extract(epoch FROM now() - s.updated_at))::bigint AS idle_seconds, "
       "  l.sku, l.quantity "
       "FROM shipments s LEFT JOIN shipment_lines l ON l.shipment_id = s.id "
       "WHERE s.order_id COLLATE \"C\" > $1 AND s.order_id COLLATE \"C\" <= $2 "
       "ORDER BY s.order_id COLLATE \"C\", s.id, l.line_no"},
  };
  return kStatements;
}

void ReadAuditPage(pqxx::work& tx, const AuditPage& page, v1::AuditOrderFactsResponse* out) {
  out->Clear();  // a retry after a broken connection starts over
  const AuditRange range = ReadAuditRange(tx, page, {kBound}, out->mutable_page());
  if (range.last_order_id.empty()) return;
  v1::AuditedShipment* shipment = nullptr;
  for (const auto& row : tx.exec_prepared(kFacts, page.after, range.last_order_id)) {
    const std::string id = row["id"].as<std::string>();
    if (shipment == nullptr || shipment->id() != id) {
      shipment = out->add_shipments();
      shipment->set_id(id);
      shipment->set_order_id(row["order_id"].as<std::string>());
      shipment->set_kind(row["kind"].as<std::string>());
      shipment->set_warehouse_id(row["warehouse_id"].as<std::string>());
      shipment->set_cancelled(row["cancelled"].as<bool>());
      shipment->set_shipped(row["shipped"].as<bool>());
      shipment->set_idle_seconds(row["idle_seconds"].as<int64_t>());
      shipment->set_replaces_shipment_id(row["replaces_shipment_id"].as<std::string>());
      shipment->set_order_version(row["order_version"].as<int64_t>());
    }
    AddSkuQuantity(row, "quantity", shipment->mutable_lines());
  }
}

}  // namespace oms::shipping
