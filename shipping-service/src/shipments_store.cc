#include "shipping-service/src/shipments_store.h"

#include <map>

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "common/address_row.h"
#include "common/pg_arrays.h"
#include "common/pg_pool.h"
#include "shipping-service/src/shipment_status.h"

namespace oms::shipping {
namespace {

using google::protobuf::util::TimeUtil;

#define OMS_MICROS(column) "(extract(epoch FROM " column ") * 1000000)::bigint"
// Every column ReadShipmentRow reads.
#define OMS_SHIPMENT_COLUMNS                                                                   \
  "id, order_id, kind, warehouse_id, return_id, status, shipped, short_picked, address_name, " \
  "address_line1, address_line2, address_city, address_postal_code, address_region, "          \
  "address_country, carrier, service_level, transport_mode, total_weight_grams, "              \
  "package_count, cost_currency, cost_minor, tracking_number, replaces_shipment_id, "          \
  "resourced_from_shipment_id, backorder_fill_sequence, order_version, " OMS_MICROS(           \
      "created_at") " AS created_micros, " OMS_MICROS("updated_at") " AS updated_micros"

constexpr char kShipmentsLockOrder[] = "shipments_lock_order";
constexpr char kShipmentsCount[] = "shipments_count";
constexpr char kShipmentsFindReturn[] = "shipments_find_return";
constexpr char kShipmentsFindReplacement[] = "shipments_find_replacement";
constexpr char kShipmentsFindResourced[] = "shipments_find_resourced";
constexpr char kShipmentsFindFill[] = "shipments_find_fill";
constexpr char kShipmentsInsert[] = "shipments_insert";
constexpr char kShipmentsGet[] = "shipments_get";
constexpr char kShipmentsLock[] = "shipments_lock";
constexpr char kShipmentsByOrder[] = "shipments_by_order";
constexpr char kShipmentsLockByOrder[] = "shipments_lock_by_order";
constexpr char kShipmentsLockByWarehouse[] = "shipments_lock_by_warehouse";
constexpr char kShipmentsCancel[] = "shipments_cancel";
constexpr char kShipmentsUpdateStatus[] = "shipments_update_status";
constexpr char kShipmentsShortPick[] = "shipments_short_pick";
constexpr char kShipmentLinesInsert[] = "shipment_lines_insert";
constexpr char kShipmentLinesGet[] = "shipment_lines_get";
constexpr char kShipmentLinesDeleteEmptied[] = "shipment_lines_delete_emptied";
constexpr char kShipmentLinesReduce[] = "shipment_lines_reduce";
constexpr char kShipmentLinesByOrder[] = "shipment_lines_by_order";
constexpr char kShipmentTombstonesFind[] = "shipment_tombstones_find";
constexpr char kShipmentTombstonesInsert[] = "shipment_tombstones_insert";
constexpr char kShipmentsPickQueue[] = "shipments_pick_queue";
constexpr char kShipmentLinesOfShipments[] = "shipment_lines_of_shipments";

v1::Shipment ReadShipmentColumns(const pqxx::row& row) {
  v1::Shipment shipment;
  shipment.set_id(row["id"].as<std::string>());
  shipment.set_order_id(row["order_id"].as<std::string>());
  shipment.set_kind(ParseKind(row["kind"].as<std::string>()));
  shipment.set_warehouse_id(row["warehouse_id"].as<std::string>());
  shipment.set_return_id(row["return_id"].as<std::string>());
  shipment.set_status(ParseStatus(row["status"].as<std::string>()));
  ReadAddressColumns(row, shipment.mutable_address());
  shipment.set_carrier(row["carrier"].as<std::string>());
  shipment.set_service_level(row["service_level"].as<std::string>());
  shipment.set_transport_mode(ParseTransportMode(row["transport_mode"].as<std::string>()));
  auto* freight = shipment.mutable_freight();
  freight->set_total_weight_grams(row["total_weight_grams"].as<long long>());
  freight->set_package_count(row["package_count"].as<int>());
  freight->mutable_estimated_cost()->set_currency(row["cost_currency"].as<std::string>());
  freight->mutable_estimated_cost()->set_amount_minor(row["cost_minor"].as<long long>());
  shipment.set_tracking_number(row["tracking_number"].as<std::string>());
  shipment.set_replaces_shipment_id(row["replaces_shipment_id"].as<std::string>());
  shipment.set_resourced_from_shipment_id(row["resourced_from_shipment_id"].as<std::string>());
  shipment.set_backorder_fill_sequence(row["backorder_fill_sequence"].as<long long>());
  shipment.set_order_version(row["order_version"].as<long long>());
  *shipment.mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(row["created_micros"].as<long long>());
  *shipment.mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(row["updated_micros"].as<long long>());
  return shipment;
}

ShipmentRow ReadShipmentRow(const pqxx::row& row) {
  return {ReadShipmentColumns(row), row["shipped"].as<bool>(), row["short_picked"].as<bool>()};
}

std::optional<ShipmentRow> FirstRow(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return ReadShipmentRow(rows[0]);
}

std::vector<ShipmentRow> ReadShipmentRows(const pqxx::result& rows) {
  std::vector<ShipmentRow> shipments;
  for (const auto& row : rows) shipments.push_back(ReadShipmentRow(row));
  return shipments;
}

v1::ShipmentLine ReadLine(const pqxx::row& row) {
  v1::ShipmentLine line;
  line.set_sku(row["sku"].as<std::string>());
  line.set_quantity(row["quantity"].as<long long>());
  line.set_unit_weight_grams(row["unit_weight_grams"].as<long long>());
  return line;
}

}  // namespace

const std::vector<PreparedStatement>& ShipmentStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kShipmentsLockOrder, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"},
      // A backorder fill's shipment is not one of the order's first: it may come before them.
      // Each order version ($3) has its own.
      {kShipmentsCount,
       "SELECT count(*) AS shipments FROM shipments "
       "WHERE order_id = $1 AND kind = $2 AND backorder_fill_sequence = 0 "
       "AND order_version = $3::bigint"},
      {kShipmentsFindReturn,
       "SELECT id FROM shipments WHERE order_id = $1 AND kind = $2 AND return_id = $3"},
      {kShipmentsInsert,
       "INSERT INTO shipments (order_id, kind, warehouse_id, return_id, status, address_name, "
       "address_line1, address_line2, address_city, address_postal_code, address_region, "
       "address_country, carrier, service_level, transport_mode, total_weight_grams, "
       "package_count, cost_currency, cost_minor, replaces_shipment_id, "
       "resourced_from_shipment_id, backorder_fill_sequence, order_version) "
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
       "$19, $20, $21, $22, $23) RETURNING " OMS_SHIPMENT_COLUMNS},
      // The replacement of shipment $1, from the unique index of replacements (migration 0008):
      // the second condition, always true for a shipment id, is that index's predicate, so that
      // the generic plan of the prepared statement can use it.
      {kShipmentsFindReplacement, "SELECT " OMS_SHIPMENT_COLUMNS " FROM shipments "
                                  "WHERE replaces_shipment_id = $1 AND replaces_shipment_id <> ''"},
      // The shipment taking over at warehouse $2 the units shipment $1 short-picked, from the
      // unique index of such shipments (migration 0009; its predicate repeated, as above).
      {kShipmentsFindResourced,
       "SELECT id FROM shipments WHERE resourced_from_shipment_id = $1 AND warehouse_id = $2 "
       "AND resourced_from_shipment_id <> ''"},
      // The order $1's shipment of backorder fill $2, from the unique index of such shipments
      // (migration 0010; its predicate repeated, as above).
      {kShipmentsFindFill,
       "SELECT id FROM shipments WHERE order_id = $1 AND backorder_fill_sequence = $2::bigint "
       "AND backorder_fill_sequence <> 0"},
      {kShipmentsGet, "SELECT " OMS_SHIPMENT_COLUMNS " FROM shipments WHERE id = $1::uuid"},
      {kShipmentsLock,
       "SELECT " OMS_SHIPMENT_COLUMNS " FROM shipments WHERE id = $1::uuid FOR UPDATE"},
      {kShipmentsByOrder,
       "SELECT " OMS_SHIPMENT_COLUMNS " FROM shipments WHERE order_id = $1 "
       // One call creates several shipments at the same now(): the warehouse orders them.
       "ORDER BY created_at, kind, warehouse_id, id"},
      {kShipmentsLockByOrder, "SELECT " OMS_SHIPMENT_COLUMNS " FROM shipments "
                              "WHERE order_id = $1 AND kind = $2 ORDER BY id FOR UPDATE"},
      {kShipmentsLockByWarehouse,
       "SELECT " OMS_SHIPMENT_COLUMNS " FROM shipments "
       "WHERE order_id = $1 AND kind = $2 AND warehouse_id = $3 ORDER BY id FOR UPDATE"},
      {kShipmentsCancel,
       "UPDATE shipments SET status = $2, cancelled = true, updated_at = now() "
       "WHERE id = $1::uuid RETURNING " OMS_MICROS("updated_at") " AS updated_micros"},
      {kShipmentsUpdateStatus,
       "UPDATE shipments SET status = $2, shipped = $3, tracking_number = $4, updated_at = now() "
       "WHERE id = $1::uuid"},
      {kShipmentsShortPick,
       "UPDATE shipments SET short_picked = true, total_weight_grams = $2, package_count = $3, "
       "updated_at = now() WHERE id = $1::uuid "
       "RETURNING " OMS_MICROS("updated_at") " AS updated_micros"},
      // The missing units ($2 SKUs, $3 quantities) off the lines of shipment $1: first the lines
      // they empty go (the lines' CHECK refuses a quantity of 0), then the others lose them; in
      // the other order a line reduced to the quantity missing would go too.
      {kShipmentLinesDeleteEmptied,
       "DELETE FROM shipment_lines l USING unnest($2::text[], $3::bigint[]) AS m (sku, quantity) "
       "WHERE l.shipment_id = $1::uuid AND l.sku = m.sku AND l.quantity = m.quantity"},
      {kShipmentLinesReduce,
       "UPDATE shipment_lines l SET quantity = l.quantity - m.quantity "
       "FROM unnest($2::text[], $3::bigint[]) AS m (sku, quantity) "
       "WHERE l.shipment_id = $1::uuid AND l.sku = m.sku AND l.quantity > m.quantity"},
      {kShipmentLinesInsert,
       "INSERT INTO shipment_lines (shipment_id, line_no, sku, quantity, unit_weight_grams) "
       "SELECT $1::uuid, t.n, t.sku, t.quantity, t.weight "
       "FROM unnest($2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY "
       "AS t (sku, quantity, weight, n)"},
      {kShipmentLinesGet,
       "SELECT sku, quantity, unit_weight_grams FROM shipment_lines "
       "WHERE shipment_id = $1::uuid ORDER BY line_no"},
      {kShipmentLinesByOrder,
       "SELECT l.shipment_id::text AS shipment_id, s.kind, s.status, l.sku, l.quantity, "
       "l.unit_weight_grams FROM shipment_lines l JOIN shipments s ON s.id = l.shipment_id "
       "WHERE s.order_id = $1 ORDER BY l.shipment_id, l.line_no"},
      // A page of the warehouse's open outbound shipments ($2: one status, '' for all three) after
      // (created $3, id $4), from the partial index of open shipments (migration 0006): the
      // shipments a warehouse shipped long ago are not read.
      {kShipmentsPickQueue,
       "SELECT " OMS_SHIPMENT_COLUMNS " FROM shipments "
       "WHERE warehouse_id = $1 AND kind = 'OUTBOUND' "
       "  AND status IN ('PENDING', 'PICKED', 'PACKED') AND ($2 = '' OR status = $2) "
       "  AND (created_at, id) > (to_timestamp($3::bigint / 1000000.0), $4::uuid) "
       "ORDER BY created_at, id LIMIT $5"},
      {kShipmentLinesOfShipments,
       "SELECT shipment_id::text AS shipment_id, sku, quantity, unit_weight_grams "
       "FROM shipment_lines WHERE shipment_id = ANY($1::uuid[]) ORDER BY shipment_id, line_no"},
      {kShipmentTombstonesFind, "SELECT warehouse_id FROM shipment_tombstones WHERE order_id = $1"},
      {kShipmentTombstonesInsert,
       "INSERT INTO shipment_tombstones (order_id, warehouse_id, reason) VALUES ($1, $2, $3) "
       "ON CONFLICT (order_id, warehouse_id) DO NOTHING"},
  };
  return kStatements;
}

void LockOrder(pqxx::work& tx, const std::string& order_id) {
  tx.exec_prepared(kShipmentsLockOrder, order_id);
}

bool OrderHasShipments(pqxx::work& tx, const std::string& order_id, v1::ShipmentKind kind,
                       std::int64_t order_version) {
  return tx.exec_prepared1(kShipmentsCount, order_id, KindName(kind), order_version)["shipments"]
             .as<long long>() > 0;
}

bool ReturnShipmentExists(pqxx::work& tx, const std::string& order_id,
                          const std::string& return_id) {
  return !tx.exec_prepared(kShipmentsFindReturn, order_id, KindName(v1::SHIPMENT_KIND_RETURN),
                           return_id)
              .empty();
}

void InsertShipment(pqxx::work& tx, const v1::Shipment& draft, v1::Shipment* out) {
  const auto& address = draft.address();
  const auto& freight = draft.freight();
  *out = ReadShipmentColumns(tx.exec_prepared1(
      kShipmentsInsert, draft.order_id(), KindName(draft.kind()), draft.warehouse_id(),
      draft.return_id(), StatusName(draft.status()), address.name(), address.line1(),
      address.line2(), address.city(), address.postal_code(), address.region(), address.country(),
      draft.carrier(), draft.service_level(), TransportModeName(draft.transport_mode()),
      freight.total_weight_grams(), freight.package_count(), freight.estimated_cost().currency(),
      freight.estimated_cost().amount_minor(), draft.replaces_shipment_id(),
      draft.resourced_from_shipment_id(), draft.backorder_fill_sequence(), draft.order_version()));
  std::vector<std::string> skus;
  std::vector<int64_t> quantities;
  std::vector<int64_t> weights;
  for (const auto& line : draft.lines()) {
    skus.push_back(line.sku());
    quantities.push_back(line.quantity());
    weights.push_back(line.unit_weight_grams());
  }
  tx.exec_prepared(kShipmentLinesInsert, out->id(), PgTextArray(skus), PgIntArray(quantities),
                   PgIntArray(weights));
  *out->mutable_lines() = draft.lines();
}

std::optional<ShipmentRow> FindReplacement(pqxx::work& tx, const std::string& shipment_id) {
  return FirstRow(tx.exec_prepared(kShipmentsFindReplacement, shipment_id));
}

bool ResourcedShipmentExists(pqxx::work& tx, const std::string& short_picked_shipment_id,
                             const std::string& warehouse_id) {
  return !tx.exec_prepared(kShipmentsFindResourced, short_picked_shipment_id, warehouse_id).empty();
}

bool FillShipmentExists(pqxx::work& tx, const std::string& order_id, std::int64_t fill_sequence) {
  return !tx.exec_prepared(kShipmentsFindFill, order_id, fill_sequence).empty();
}

std::optional<ShipmentRow> FindShipment(pqxx::work& tx, const std::string& shipment_id) {
  return FirstRow(tx.exec_prepared(kShipmentsGet, shipment_id));
}

std::optional<ShipmentRow> LockShipment(pqxx::work& tx, const std::string& shipment_id) {
  return FirstRow(tx.exec_prepared(kShipmentsLock, shipment_id));
}

std::vector<ShipmentRow> LockShipmentsOfOrder(pqxx::work& tx, const std::string& order_id,
                                              v1::ShipmentKind kind) {
  return ReadShipmentRows(tx.exec_prepared(kShipmentsLockByOrder, order_id, KindName(kind)));
}

std::vector<ShipmentRow> LockShipmentsOfOrder(pqxx::work& tx, const std::string& order_id,
                                              v1::ShipmentKind kind,
                                              const std::string& warehouse_id) {
  return ReadShipmentRows(
      tx.exec_prepared(kShipmentsLockByWarehouse, order_id, KindName(kind), warehouse_id));
}

std::vector<v1::Shipment> ShipmentsOfOrder(pqxx::work& tx, const std::string& order_id) {
  std::vector<v1::Shipment> shipments;
  for (const auto& row : tx.exec_prepared(kShipmentsByOrder, order_id)) {
    shipments.push_back(ReadShipmentColumns(row));
  }
  return shipments;
}

std::vector<v1::Shipment> PickQueuePage(pqxx::work& tx, const PickQueueQuery& query) {
  std::vector<v1::Shipment> shipments;
  const std::string status =
      query.status == v1::SHIPMENT_STATUS_UNSPECIFIED ? "" : StatusName(query.status);
  for (const auto& row : tx.exec_prepared(kShipmentsPickQueue, query.warehouse_id, status,
                                          query.after_micros, query.after_id, query.limit)) {
    shipments.push_back(ReadShipmentColumns(row));
  }
  if (shipments.empty()) return shipments;
  std::vector<std::string> ids;
  std::map<std::string, v1::Shipment*> by_id;
  for (auto& shipment : shipments) {
    ids.push_back(shipment.id());
    by_id[shipment.id()] = &shipment;
  }
  for (const auto& row : tx.exec_prepared(kShipmentLinesOfShipments, PgTextArray(ids))) {
    *by_id.at(row["shipment_id"].as<std::string>())->add_lines() = ReadLine(row);
  }
  return shipments;
}

void StoreCancelled(pqxx::work& tx, v1::Shipment* shipment) {
  pqxx::row updated = tx.exec_prepared1(kShipmentsCancel, shipment->id(),
                                        StatusName(v1::SHIPMENT_STATUS_CANCELLED));
  shipment->set_status(v1::SHIPMENT_STATUS_CANCELLED);
  *shipment->mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(updated["updated_micros"].as<long long>());
}

void StoreShortPick(pqxx::work& tx,
                    const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& missing,
                    v1::Shipment* shipment) {
  std::vector<std::string> skus;
  std::vector<int64_t> quantities;
  for (const auto& line : missing) {
    skus.push_back(line.sku());
    quantities.push_back(line.quantity());
  }
  tx.exec_prepared(kShipmentLinesDeleteEmptied, shipment->id(), PgTextArray(skus),
                   PgIntArray(quantities));
  tx.exec_prepared(kShipmentLinesReduce, shipment->id(), PgTextArray(skus), PgIntArray(quantities));
  pqxx::row updated = tx.exec_prepared1(kShipmentsShortPick, shipment->id(),
                                        shipment->freight().total_weight_grams(),
                                        shipment->freight().package_count());
  *shipment->mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(updated["updated_micros"].as<long long>());
}

void StoreStatus(pqxx::work& tx, const std::string& shipment_id, v1::ShipmentStatus status,
                 bool shipped, const std::string& tracking_number) {
  tx.exec_prepared(kShipmentsUpdateStatus, shipment_id, StatusName(status), shipped,
                   tracking_number);
}

google::protobuf::RepeatedPtrField<v1::ShipmentLine> LinesOf(pqxx::work& tx,
                                                             const std::string& shipment_id) {
  google::protobuf::RepeatedPtrField<v1::ShipmentLine> lines;
  for (const auto& row : tx.exec_prepared(kShipmentLinesGet, shipment_id)) {
    *lines.Add() = ReadLine(row);
  }
  return lines;
}

std::vector<OrderLine> LinesOfOrder(pqxx::work& tx, const std::string& order_id) {
  std::vector<OrderLine> lines;
  for (const auto& row : tx.exec_prepared(kShipmentLinesByOrder, order_id)) {
    lines.push_back({row["shipment_id"].as<std::string>(), ParseKind(row["kind"].as<std::string>()),
                     ParseStatus(row["status"].as<std::string>()), ReadLine(row)});
  }
  return lines;
}

std::vector<std::string> TombstonedWarehouses(pqxx::work& tx, const std::string& order_id) {
  std::vector<std::string> warehouses;
  for (const auto& row : tx.exec_prepared(kShipmentTombstonesFind, order_id)) {
    warehouses.push_back(row["warehouse_id"].as<std::string>());
  }
  return warehouses;
}

void InsertTombstone(pqxx::work& tx, const std::string& order_id, const std::string& warehouse_id,
                     const std::string& reason) {
  tx.exec_prepared(kShipmentTombstonesInsert, order_id, warehouse_id, reason);
}

}  // namespace oms::shipping
