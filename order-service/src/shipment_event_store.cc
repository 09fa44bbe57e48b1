#include "order-service/src/shipment_event_store.h"

#include <pqxx/pqxx>

#include "common/pg_pool.h"
#include "common/validation.h"
#include "order-service/src/fulfilment.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/pg_saga_writes.h"
#include "order-service/src/sagas/registry.h"

namespace oms::order {
namespace {

constexpr char kStream[] = "shipping";

constexpr char kCursorLock[] = "event_cursors_lock";
constexpr char kCursorRead[] = "event_cursors_read";
constexpr char kCursorSet[] = "event_cursors_set";
constexpr char kOrdersSetFulfilment[] = "orders_set_fulfilment";
constexpr char kSagasInsertShipment[] = "sagas_insert_shipment";

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kCursorLock, "SELECT last_sequence FROM event_cursors WHERE stream = $1 FOR UPDATE"},
      {kCursorRead, "SELECT last_sequence FROM event_cursors WHERE stream = $1"},
      // Taking in an event wakes the order's watchers (kOrderChangedChannel) on commit.
      {kCursorSet,
       "WITH moved AS (UPDATE event_cursors SET last_sequence = $2 WHERE stream = $1 "
       "RETURNING 1) SELECT pg_notify('oms_order_changed', $3) FROM moved"},
      {kOrdersSetFulfilment,
       "UPDATE orders SET shipments = decode($2, 'hex'), status = $3, updated_at = now() "
       "WHERE id = $1::uuid"},
      // One saga per shipped shipment, however often its SHIPPED event comes.
      {kSagasInsertShipment,
       "INSERT INTO sagas (order_id, phase, kind, subject, payload) "
       "VALUES ($1::uuid, 'RUNNING', $2, $3, decode($4, 'hex')) "
       "ON CONFLICT (order_id, kind, subject) DO NOTHING RETURNING id"},
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
    for (auto& shipment : *order.mutable_shipments()) {
      if (shipment.shipment_id() == event.shipment_id()) {
        shipment.set_status(shipping::v1::ShipmentStatus_Name(event.status()));
      }
    }
    const v1::OrderStatus before = order.status();
    const v1::OrderStatus after = StatusAfterShipmentEvent(before, order.shipments());
    v1::Order shipments;
    *shipments.mutable_shipments() = order.shipments();
    tx.exec_prepared(kOrdersSetFulfilment, event.order_id(), Hex(shipments), StatusName(after));
    if (event.type() == shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED) {
      pqxx::result started = tx.exec_prepared(kSagasInsertShipment, event.order_id(),
                                              kShipmentSagaKind, event.shipment_id(), Hex(event));
      if (!started.empty()) saga_id = started[0]["id"].as<std::string>();
    }
    if (after != before) AppendStatusHistory(tx, event.order_id(), after, "");
    CompleteIfDone(tx, event.order_id(), after);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return saga_id;
}

}  // namespace oms::order
