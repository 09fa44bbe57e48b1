#include "order-service/src/shipment_event_store.h"

#include <pqxx/pqxx>

#include "common/pg_pool.h"
#include "common/validation.h"
#include "order-service/src/fulfilment.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/pg_saga_writes.h"

namespace oms::order {
namespace {

constexpr char kStream[] = "shipping";

constexpr char kCursorLock[] = "event_cursors_lock";
constexpr char kCursorRead[] = "event_cursors_read";
constexpr char kCursorSet[] = "event_cursors_set";
constexpr char kCursorPosition[] = "event_cursors_position";
constexpr char kCursorBind[] = "event_cursors_bind";
constexpr char kOrdersSetFulfilment[] = "orders_set_fulfilment";
constexpr char kShipmentsRecordEvent[] = "order_shipments_record_event";

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kCursorLock, "SELECT last_sequence FROM event_cursors WHERE stream = $1 FOR UPDATE"},
      {kCursorRead, "SELECT last_sequence FROM event_cursors WHERE stream = $1"},
      {kCursorPosition,
       "SELECT last_sequence, COALESCE(stream_id, '') AS stream_id FROM event_cursors "
       "WHERE stream = $1"},
      // The first identity stored stays: a replica that saw another one learns it from the row.
      {kCursorBind,
       "UPDATE event_cursors SET stream_id = COALESCE(stream_id, $2) WHERE stream = $1 "
       "RETURNING stream_id"},
      // Taking in an event wakes the order's watchers (kOrderChangedChannel) on commit.
      {kCursorSet,
       "WITH moved AS (UPDATE event_cursors SET last_sequence = $2 WHERE stream = $1 "
       "RETURNING 1) SELECT pg_notify('oms_order_changed', $3) FROM moved"},
      {kOrdersSetFulfilment,
       "UPDATE orders SET shipments = decode($2, 'hex'), status = $3, updated_at = now() "
       "WHERE id = $1::uuid"},
      // Events are taken in in the stream's order, so the last one has the shipment's newest
      // status; its first SHIPMENT_SHIPPED event ($5, "" for any other) is kept for its saga.
      {kShipmentsRecordEvent,
       "INSERT INTO order_shipments (shipment_id, order_id, warehouse_id, status, shipped_event) "
       "VALUES ($1, $2::uuid, $3, $4, decode(NULLIF($5, ''), 'hex')) "
       "ON CONFLICT (shipment_id) DO UPDATE SET status = EXCLUDED.status, "
       "  shipped_event = COALESCE(order_shipments.shipped_event, EXCLUDED.shipped_event), "
       "  updated_at = now()"},
  };
  return kStatements;
}

}  // namespace

const std::vector<PreparedStatement>& PgShipmentEventStore::Statements() { return OwnStatements(); }

absl::StatusOr<int64_t> PgShipmentEventStore::Cursor() {
  int64_t cursor = 0;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    cursor = tx.exec_prepared1(kCursorRead, kStream)["last_sequence"].as<int64_t>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return cursor;
}

absl::StatusOr<StreamPosition> PgShipmentEventStore::Position() {
  StreamPosition position;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::row row = tx.exec_prepared1(kCursorPosition, kStream);
    position.cursor = row["last_sequence"].as<int64_t>();
    position.stream_id = row["stream_id"].as<std::string>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return position;
}

absl::StatusOr<std::string> PgShipmentEventStore::BindStream(const std::string& stream_id) {
  std::string bound;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    bound = tx.exec_prepared1(kCursorBind, kStream, stream_id)["stream_id"].as<std::string>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return bound;
}

absl::StatusOr<std::string> PgShipmentEventStore::Apply(const shipping::v1::OutboxEvent& event) {
  std::string saga_id;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    saga_id.clear();
    if (tx.exec_prepared1(kCursorLock, kStream)["last_sequence"].as<int64_t>() >=
        event.sequence()) {
      return absl::OkStatus();  // taken already, by this replica or another
    }
    tx.exec_prepared(kCursorSet, kStream, event.sequence(), event.order_id());
    if (event.kind() != shipping::v1::SHIPMENT_KIND_OUTBOUND) return absl::OkStatus();
    // Not an order id of ours at all: nothing to look up.
    if (!ValidateUuid(event.order_id(), "order_id", "an order id").ok()) return absl::OkStatus();
    pqxx::result rows = tx.exec_prepared(kOrdersLock, event.order_id());
    if (rows.empty()) return absl::OkStatus();  // not an order of ours
    v1::Order order;
    ReadOrder(rows[0], &order);
    // Recorded whatever the order's status, PENDING included: the order saga's save derives the
    // order's status from these rows too.
    const bool shipped = event.type() == shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED;
    tx.exec_prepared(kShipmentsRecordEvent, event.shipment_id(), event.order_id(),
                     event.warehouse_id(), shipping::v1::ShipmentStatus_Name(event.status()),
                     shipped ? Hex(event) : std::string());
    const ShipmentList shipments = CurrentShipments(tx, event.order_id(), order.shipments());
    const v1::OrderStatus after = OrderStatusWithShipments(order.status(), shipments);
    tx.exec_prepared(kOrdersSetFulfilment, event.order_id(), ShipmentsHex(shipments),
                     StatusName(after));
    if (after != order.status()) AppendStatusHistory(tx, event.order_id(), after, "");
    // A shipment shipped before the order is confirmed gets its saga when it is (the order
    // saga's save, pg_saga_writes.h).
    const std::vector<std::string> started = FollowOrderStatus(tx, event.order_id(), after);
    if (!started.empty()) saga_id = started.front();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return saga_id;
}

}  // namespace oms::order
