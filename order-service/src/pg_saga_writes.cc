#include "order-service/src/pg_saga_writes.h"

#include <algorithm>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "common/pg_arrays.h"
#include "common/pg_pool.h"
#include "oms/shipping/v1/shipping.pb.h"
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
constexpr char kOrdersRecountAttention[] = "orders_recount_attention";
constexpr char kShipmentsInsertListed[] = "order_shipments_insert_listed";
constexpr char kShipmentsOfOrder[] = "order_shipments_of_order";
constexpr char kSagasStartShipped[] = "sagas_start_shipped";
constexpr char kOrdersSetFulfilment[] = "orders_set_fulfilment";
constexpr char kOrdersAppendBackorders[] = "orders_append_backorders";
constexpr char kOrdersAdoptVersion[] = "orders_adopt_version";

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // An empty allocation, shipments or payment id keeps what the order has. With the update,
      // the saga's status $7 goes into the history (kHistoryInsert), in the same round trip.
      // The card token is kept only while an authorization may still be asked for: once one is
      // recorded, or the order saga has ended, it is gone from the database.
      {kOrdersRecordProgress,
       "WITH " OMS_ORDER_PROGRESS_CTES("$1", "$2", "$3", "$4", "$5", "$6", "$7",
                                       "TRUE") "SELECT count(*) FROM updated"},
      {kOrdersSetStatus, "UPDATE orders SET status = $2, updated_at = now() WHERE id = $1::uuid"},
      // The order's sagas other than kind $2 (its order saga) not yet ended: completed, or (an
      // edit undone) compensated.
      {kSagasCountOpenFollowUps,
       "SELECT count(*) AS open FROM sagas "
       "WHERE order_id = $1::uuid AND kind <> $2 AND phase NOT IN ('COMPLETED', 'COMPENSATED')"},
      {kHistoryInsert,
       "INSERT INTO order_status_history (order_id, status, reason) "
       "SELECT $1::uuid, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM order_status_history "
       "  WHERE order_id = $1::uuid AND id = (SELECT max(id) FROM order_status_history "
       "  WHERE order_id = $1::uuid) AND status = $2)"},
      {kSagasSetPayload, "UPDATE sagas SET payload = decode($2, 'hex') WHERE id = $1::uuid"},
      {kOrdersSetAttention,
       "UPDATE orders SET needs_attention = $2, updated_at = now() WHERE id = $1::uuid"},
      {kOrdersRecountAttention,
       "UPDATE orders SET needs_attention = "
       "  EXISTS (SELECT 1 FROM sagas WHERE order_id = $1::uuid AND phase = $2) "
       "  OR EXISTS (SELECT 1 FROM order_shipments s "
       "    WHERE s.order_id = $1::uuid "
       "      AND s.status IN ('SHIPMENT_STATUS_RETURNED_TO_SENDER', 'SHIPMENT_STATUS_LOST') "
       "      AND NOT EXISTS (SELECT 1 FROM sagas r WHERE r.order_id = s.order_id "
       "        AND r.kind IN ($3, $4) AND r.subject = s.shipment_id)), "
       "  updated_at = now() "
       "WHERE id = $1::uuid"},
      {kOrdersSetReturnStatus,
       "UPDATE orders SET return_status = $2, updated_at = now() WHERE id = $1::uuid"},
      // A row an event made first keeps its status: events come after the shipment's creation.
      // The shipments a step created ($1, $3, $4: ids, warehouses, statuses), in one round trip.
      {kShipmentsInsertListed,
       "INSERT INTO order_shipments (shipment_id, order_id, warehouse_id, status) "
       "SELECT t.shipment_id, $2::uuid, t.warehouse_id, t.status "
       "FROM unnest($1::text[], $3::text[], $4::text[]) AS t (shipment_id, warehouse_id, status) "
       "ON CONFLICT (shipment_id) DO NOTHING"},
      // One row per shipment, or one with a NULL shipment_id for an order without rows; each
      // with what says how many units are still queued for stock (fulfilment.h QueuedUnits).
      {kShipmentsOfOrder,
       "SELECT s.shipment_id, s.warehouse_id, s.status, s.replaces, "
       "  encode(s.resource_plan, 'hex') AS resource_plan_hex, "
       "  encode(o.allocation, 'hex') AS allocation_hex, "
       "  encode(o.backorders, 'hex') AS backorders_hex "
       "FROM orders o LEFT JOIN order_shipments s ON s.order_id = o.id "
       "WHERE o.id = $1::uuid ORDER BY s.created_at, s.shipment_id"},
      // One SHIPMENT saga ($2) per shipped shipment, started with its SHIPMENT_SHIPPED event,
      // one RESOURCE saga ($3) per short-picked shipment, started with its plan, and one
      // BACKORDER saga ($4) per backorder fill taken in (its subject the fill's sequence),
      // however often this runs.
      {kSagasStartShipped,
       "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
       "SELECT order_id, 'RUNNING', kind, subject, payload FROM ("
       "  SELECT s.order_id, k.kind, s.shipment_id AS subject, k.payload, s.created_at AS at "
       "  FROM order_shipments s CROSS JOIN LATERAL (VALUES "
       "    ($2::text, CASE WHEN s.replaces = '' THEN s.shipped_event END), "
       "    ($3::text, s.resource_plan)) AS k (kind, payload) "
       "  WHERE s.order_id = $1::uuid AND k.payload IS NOT NULL "
       "  UNION ALL "
       "  SELECT f.order_id, $4::text, f.sequence::text, f.fill, f.created_at "
       "  FROM order_backorder_fills f WHERE f.order_id = $1::uuid) AS due "
       "ORDER BY at, subject, kind "
       "ON CONFLICT (order_id, kind, subject) DO NOTHING RETURNING id"},
      // Appends a change to the order's BackorderState: serialized messages concatenated merge.
      {kOrdersAppendBackorders,
       "UPDATE orders SET backorders = COALESCE(backorders, ''::bytea) || decode($2, 'hex'), "
       "  updated_at = now() WHERE id = $1::uuid"},
      // The version in effect is kept (once), the order becomes the edited one ($2 snapshot,
      // $3 allocation, $4..$6 totals, $7 version, $9 its shipments, all cancelled now, as are
      // their rows), which is kept too, and its SKUs ($8) indexed: one round trip, every row by
      // its key.
      {kOrdersAdoptVersion,
       "WITH previous AS ("
       "  INSERT INTO order_versions (order_id, version, snapshot, allocation, total_minor) "
       "  SELECT id, version, snapshot, allocation, total_minor FROM orders WHERE id = $1::uuid "
       "  ON CONFLICT DO NOTHING), "
       "updated AS (UPDATE orders SET snapshot = decode($2, 'hex'), "
       "  allocation = decode($3, 'hex'), subtotal_minor = $4, tax_minor = $5, "
       "  total_minor = $6, version = $7, shipments = decode($9, 'hex'), updated_at = now() "
       "  WHERE id = $1::uuid RETURNING id, created_at), "
       "cancelled AS (UPDATE order_shipments SET status = 'SHIPMENT_STATUS_CANCELLED', "
       "  updated_at = now() WHERE order_id = $1::uuid), "
       "kept AS (INSERT INTO order_versions (order_id, version, snapshot, allocation, "
       "  total_minor) SELECT id, $7, decode($2, 'hex'), decode($3, 'hex'), $6 FROM updated "
       "  ON CONFLICT DO NOTHING) "
       "INSERT INTO order_skus (sku, created_at, order_id) "
       "SELECT DISTINCT sku, u.created_at, u.id FROM updated u, unnest($8::text[]) AS sku "
       "ON CONFLICT DO NOTHING"},
      {kOrdersSetFulfilment,
       "UPDATE orders SET shipments = decode($2, 'hex'), status = $3, updated_at = now() "
       "WHERE id = $1::uuid"},
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

namespace {

// Writes nothing: remembers whether the writes were one lone progress, and which.
class ProgressRecorder final : public SagaWrites {
 public:
  void RecordOrderProgress(const OrderProgress& progress) override {
    ++calls_;
    const bool reads = progress.shipments != nullptr || StatusFollowsShipments(progress.status) ||
                       ShipmentSagasMayStart(progress.status);
    if (reads) return;
    lone_ = true;
    row_.status = StatusName(progress.status);
    row_.rejection_reason = progress.rejection_reason;
    row_.allocation_hex = progress.allocation != nullptr ? Hex(*progress.allocation) : "";
    row_.payment_id = progress.payment_id;
  }
  void MarkOrderCancelled(const std::string&) override { ++calls_; }
  void FlagOrderAttention(const std::string&) override { ++calls_; }
  void RecountOrderAttention(const std::string&) override { ++calls_; }
  void CompleteOrderIfDone(const std::string&) override { ++calls_; }
  void SetSagaPayload(const std::string&, const std::string&) override { ++calls_; }
  void ListShipments(const std::string&, const std::vector<v1::ShipmentSummary>&) override {
    ++calls_;
  }
  void MarkParcelRefunded(const std::string&, const std::string&) override { ++calls_; }
  void AdoptOrderVersion(const std::string&, const v1::Order&) override { ++calls_; }
  v1::BackorderState CancelBackorders(const std::string&) override {
    ++calls_;
    return {};
  }
  void UpdateReturn(const v1::Return&) override { ++calls_; }
  void FinishReceipt(const v1::Return&) override { ++calls_; }

  bool Lone(ProgressRow* row) const {
    if (calls_ != 1 || !lone_) return false;
    *row = row_;
    return true;
  }

 private:
  int calls_ = 0;
  bool lone_ = false;
  ProgressRow row_;
};

}  // namespace

bool LoneProgress(const std::function<void(SagaWrites&)>& writes, ProgressRow* row) {
  ProgressRecorder recorder;
  writes(recorder);
  return recorder.Lone(row);
}

void AppendStatusHistory(pqxx::work& tx, const std::string& order_id, v1::OrderStatus status,
                         const std::string& reason) {
  AppendHistoryRow(tx, order_id, StatusName(status), reason);
}

Fulfilment CurrentFulfilment(pqxx::work& tx, const std::string& order_id,
                             const ShipmentList& listed,
                             const inventory::v1::Allocation* allocation) {
  ShipmentList recorded;
  Fulfilment fulfilment;
  const pqxx::result rows = tx.exec_prepared(kShipmentsOfOrder, order_id);
  v1::BackorderState backorders;
  if (!rows.empty()) {
    inventory::v1::Allocation stored;
    FromHex(rows[0]["allocation_hex"], &stored);
    FromHex(rows[0]["backorders_hex"], &backorders);
    fulfilment.backorders.queued_units =
        QueuedUnits(allocation != nullptr ? *allocation : stored, backorders);
  }
  for (const auto& row : rows) {
    if (row["shipment_id"].is_null()) continue;
    v1::ShipmentSummary* shipment = recorded.Add();
    shipment->set_shipment_id(row["shipment_id"].as<std::string>());
    shipment->set_warehouse_id(row["warehouse_id"].as<std::string>());
    shipment->set_status(row["status"].as<std::string>());
    shipment->set_replaces_shipment_id(row["replaces"].as<std::string>());
    if (!row["resource_plan_hex"].is_null()) {
      v1::ResourcePlan plan;
      FromHex(row["resource_plan_hex"], &plan);
      shipping::v1::OutboxEvent short_pick;
      short_pick.ParseFromString(plan.short_picked_event());
      for (const auto& line : short_pick.short_picked_lines()) {
        auto* missing = shipment->add_short_picked();
        missing->set_sku(line.sku());
        missing->set_quantity(line.quantity());
      }
    }
  }
  fulfilment.shipments = MergeShipments(listed, recorded);
  fulfilment.backorders.unshipped_fills = UnshippedFills(fulfilment.shipments, backorders);
  return fulfilment;
}

v1::OrderStatus WriteFulfilment(pqxx::work& tx, const std::string& order_id, v1::OrderStatus status,
                                const ShipmentList& listed) {
  const Fulfilment fulfilment = CurrentFulfilment(tx, order_id, listed);
  const v1::OrderStatus after =
      OrderStatusWithShipments(status, fulfilment.shipments, fulfilment.backorders);
  tx.exec_prepared(kOrdersSetFulfilment, order_id, ShipmentsHex(fulfilment.shipments),
                   StatusName(after));
  if (after != status) AppendStatusHistory(tx, order_id, after, "");
  return after;
}

std::vector<std::string> FollowOrderStatus(pqxx::work& tx, const std::string& order_id,
                                           v1::OrderStatus status) {
  std::vector<std::string> started;
  if (ShipmentSagasMayStart(status)) {
    for (const auto& row : tx.exec_prepared(kSagasStartShipped, order_id, kShipmentSagaKind,
                                            kResourceSagaKind, kBackorderSagaKind)) {
      started.push_back(row["id"].as<std::string>());
    }
  }
  CompleteIfDone(tx, order_id, status);
  return started;
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

namespace {

// The shipments a step created, as the order's rows (one kept as it is when listed already).
template <typename Shipments>
void InsertListed(pqxx::work& tx, const std::string& order_id, const Shipments& shipments) {
  std::vector<std::string> ids, warehouses, statuses;
  for (const auto& shipment : shipments) {
    ids.push_back(shipment.shipment_id());
    warehouses.push_back(shipment.warehouse_id());
    statuses.push_back(shipment.status());
  }
  if (ids.empty()) return;
  tx.exec_prepared(kShipmentsInsertListed, PgTextArray(ids), order_id, PgTextArray(warehouses),
                   PgTextArray(statuses));
}

}  // namespace

void PgSagaWrites::RecordOrderProgress(const OrderProgress& progress) {
  // The saga's save locked the order, in this transaction, before its shipment rows are read:
  // the shipment feed locks the order first too, so an event taken in at this moment is either
  // seen here or sees this save.
  v1::OrderStatus status = progress.status;
  std::string shipments_hex;  // "": the order's shipments stay as the feed keeps them
  if (progress.shipments != nullptr || StatusFollowsShipments(progress.status)) {
    ShipmentList listed;
    if (progress.shipments != nullptr) {
      InsertListed(tx_, progress.order_id, *progress.shipments);
      listed = *progress.shipments;
    } else {
      v1::Order order;
      ReadOrder(tx_.exec_prepared1(kOrdersGet, progress.order_id), &order);
      listed = order.shipments();
    }
    const Fulfilment fulfilment =
        CurrentFulfilment(tx_, progress.order_id, listed, progress.allocation);
    status = OrderStatusWithShipments(progress.status, fulfilment.shipments, fulfilment.backorders);
    shipments_hex = ShipmentsHex(fulfilment.shipments);
  }
  // The saga's status goes into the history: the confirmation stays there even when the
  // shipments had moved on already.
  tx_.exec_prepared(kOrdersRecordProgress, progress.order_id, StatusName(status),
                    progress.rejection_reason,
                    progress.allocation != nullptr ? Hex(*progress.allocation) : std::string(),
                    shipments_hex, progress.payment_id, StatusName(progress.status));
  if (status != progress.status) AppendStatusHistory(tx_, progress.order_id, status, "");
  // Shipments shipped while the order was PENDING get their sagas now, in this transaction:
  // starting them at the event could commit stock and capture money that a compensation of the
  // order saga (still possible until it completes) releases and voids.
  FollowOrderStatus(tx_, progress.order_id, status);
}

void PgSagaWrites::MarkOrderCancelled(const std::string& order_id) {
  tx_.exec_prepared(kOrdersSetStatus, order_id, StatusName(v1::ORDER_STATUS_CANCELLED));
  AppendStatusHistory(tx_, order_id, v1::ORDER_STATUS_CANCELLED, "");
}

void PgSagaWrites::FlagOrderAttention(const std::string& order_id) {
  tx_.exec_prepared(kOrdersSetAttention, order_id, true);
}

void RecountAttention(pqxx::work& tx, const std::string& order_id) {
  tx.exec_prepared(kOrdersRecountAttention, order_id, PhaseName(SagaPhase::kNeedsAttention),
                   kReshipSagaKind, kRefundSagaKind);
}

void PgSagaWrites::RecountOrderAttention(const std::string& order_id) {
  RecountAttention(tx_, order_id);
}

void PgSagaWrites::CompleteOrderIfDone(const std::string& order_id) {
  // The last delivery may be taken in at this very moment (the shipment feed, which locks the
  // order first): without the lock each transaction would see the other's change uncommitted,
  // neither would complete the order, and it would stay DELIVERED.
  const pqxx::row order = tx_.exec_prepared1(kOrdersLock, order_id);
  CompleteIfDone(tx_, order_id, ParseStatus(order["status"].as<std::string>()));
}

void PgSagaWrites::ListShipments(const std::string& order_id,
                                 const std::vector<v1::ShipmentSummary>& shipments) {
  // The save locked the order before this read (as RecordOrderProgress's).
  v1::Order order;
  ReadOrder(tx_.exec_prepared1(kOrdersGet, order_id), &order);
  ShipmentList listed = order.shipments();
  InsertListed(tx_, order_id, shipments);
  for (const auto& shipment : shipments) {
    auto known = std::find_if(listed.begin(), listed.end(), [&shipment](const auto& entry) {
      return entry.shipment_id() == shipment.shipment_id();
    });
    if (known == listed.end()) {
      *listed.Add() = shipment;
      continue;
    }
    // Listed already (from an event of its own, or the short-picked shipment itself): it gains
    // what `shipment` says; its status stays the event's.
    if (!shipment.resourced_from_shipment_id().empty()) {
      known->set_resourced_from_shipment_id(shipment.resourced_from_shipment_id());
    }
    if (shipment.backorder_fill_sequence() > 0) {
      known->set_backorder_fill_sequence(shipment.backorder_fill_sequence());
    }
    if (shipment.order_version() > 0) known->set_order_version(shipment.order_version());
    if (!shipment.lines().empty()) *known->mutable_lines() = shipment.lines();
    if (!shipment.short_pick_cancelled().empty()) {
      *known->mutable_short_pick_cancelled() = shipment.short_pick_cancelled();
    }
  }
  FollowOrderStatus(tx_, order_id, WriteFulfilment(tx_, order_id, order.status(), listed));
}

void PgSagaWrites::MarkParcelRefunded(const std::string& order_id, const std::string& shipment_id) {
  // The save locked the order before this read (as RecordOrderProgress's).
  v1::Order order;
  ReadOrder(tx_.exec_prepared1(kOrdersGet, order_id), &order);
  ShipmentList listed = order.shipments();
  for (auto& shipment : listed) {
    if (shipment.shipment_id() == shipment_id) shipment.set_refunded(true);
  }
  FollowOrderStatus(tx_, order_id, WriteFulfilment(tx_, order_id, order.status(), listed));
}

void PgSagaWrites::AdoptOrderVersion(const std::string& order_id, const v1::Order& edited) {
  // The snapshot is the captured order alone, as CreateOrder stores it: what has columns of its
  // own (status, allocation, shipments, payment, version) stays out of it.
  v1::Order snapshot = edited;
  snapshot.clear_id();
  snapshot.clear_status();
  snapshot.clear_allocation();
  snapshot.clear_shipments();
  snapshot.clear_payment();
  snapshot.clear_version();
  snapshot.clear_create_time();
  snapshot.clear_update_time();
  std::vector<std::string> skus;
  for (const auto& line : edited.lines()) skus.push_back(line.sku());
  tx_.exec_prepared(kOrdersAdoptVersion, order_id, Hex(snapshot), Hex(edited.allocation()),
                    edited.subtotal().amount_minor(), edited.tax().amount_minor(),
                    edited.total().amount_minor(), edited.version(), PgTextArray(skus),
                    ShipmentsHex(edited.shipments()));
}

void AppendBackorders(pqxx::work& tx, const std::string& order_id,
                      const v1::BackorderState& change) {
  tx.exec_prepared(kOrdersAppendBackorders, order_id, Hex(change));
}

v1::BackorderState PgSagaWrites::CancelBackorders(const std::string& order_id) {
  // The save locked the order before this read (as RecordOrderProgress's).
  v1::BackorderState cancelled;
  cancelled.set_cancelled(true);
  AppendBackorders(tx_, order_id, cancelled);
  const pqxx::row row = tx_.exec_prepared1(kOrdersGet, order_id);
  v1::Order order;
  ReadOrder(row, &order);
  FollowOrderStatus(tx_, order_id,
                    WriteFulfilment(tx_, order_id, order.status(), order.shipments()));
  v1::BackorderState now;
  FromHex(row["backorders_hex"], &now);
  return now;
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
