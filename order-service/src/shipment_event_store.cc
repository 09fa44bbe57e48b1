#include "order-service/src/shipment_event_store.h"

#include <optional>

#include <pqxx/pqxx>

#include "common/pg_pool.h"
#include "common/validation.h"
#include "google/protobuf/util/time_util.h"
#include "order-service/src/event_cursor.h"
#include "order-service/src/fulfilment.h"
#include "order-service/src/order_rows.h"
#include "order-service/src/pg_saga_writes.h"
#include "order-service/src/timeline_ids.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kStream[] = "shipping";

constexpr char kCursorMove[] = "event_cursors_move";
constexpr char kCursorPosition[] = "event_cursors_position";
constexpr char kCursorBind[] = "event_cursors_bind";
constexpr char kShipmentsRecordEvent[] = "order_shipments_record_event";
constexpr char kFeedShipmentEventsInsert[] = "feed_shipment_events_insert";

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kCursorPosition,
       "SELECT last_sequence, COALESCE(stream_id, '') AS stream_id FROM event_cursors "
       "WHERE stream = $1"},
      // The first identity stored stays: a replica that saw another one learns it from the row.
      {kCursorBind,
       "UPDATE event_cursors SET stream_id = COALESCE(stream_id, $2) WHERE stream = $1 "
       "RETURNING stream_id"},
      // Takes in event $2: moves the cursor to it unless it stands there or past it (checked
      // again once the row is locked), and wakes the order's ($3) watchers (kOrderChangedChannel)
      // on commit. With it, the event's shipment ($4) row of that order as it stands (none: NULL
      // status). That read uses the statement's snapshot, taken before the cursor's lock: a
      // transaction that moved the cursor in between (taking in another event, which may have
      // changed the row) is not seen. Then the cursor is not moved, and `behind` (the cursor in
      // the snapshot is below $2) says to run the statement again, with a new snapshot. $3 is
      // compared as text: an event's order id need not be a UUID.
      {kCursorMove,
       "WITH seen AS (SELECT last_sequence FROM event_cursors WHERE stream = $1), "
       "moved AS (UPDATE event_cursors SET last_sequence = $2 "
       "  WHERE stream = $1 AND last_sequence < $2 "
       "    AND last_sequence = (SELECT last_sequence FROM seen) "
       "  RETURNING pg_notify('oms_order_changed', $3)) "
       "SELECT EXISTS (SELECT 1 FROM moved) AS moved, "
       "  (SELECT last_sequence FROM seen) < $2 AS behind, "
       "  shipment.status, shipment.shipped_event IS NOT NULL AS has_shipped_event, "
       "  shipment.resource_plan IS NOT NULL AS has_short_pick "
       "FROM (SELECT 1) AS one LEFT JOIN order_shipments AS shipment "
       "  ON shipment.shipment_id = $4 AND shipment.order_id::text = lower($3)"},
      // Events are taken in in the stream's order, so the last one has the shipment's newest
      // status; its first SHIPMENT_SHIPPED event ($5, "" for any other) is kept for its saga,
      // and so is the plan of its RESOURCE saga from its SHIPMENT_SHORT_PICKED event ($7).
      {kShipmentsRecordEvent,
       "INSERT INTO order_shipments "
       "  (shipment_id, order_id, warehouse_id, status, shipped_event, replaces, resource_plan) "
       "VALUES ($1, $2::uuid, $3, $4, decode(NULLIF($5, ''), 'hex'), $6, "
       "  decode(NULLIF($7, ''), 'hex')) "
       "ON CONFLICT (shipment_id) DO UPDATE SET status = EXCLUDED.status, "
       "  shipped_event = COALESCE(order_shipments.shipped_event, EXCLUDED.shipped_event), "
       "  resource_plan = COALESCE(order_shipments.resource_plan, EXCLUDED.resource_plan), "
       "  updated_at = now()"},
      // The journal entry behind an event, for the feed of all orders (event_feed.h), if the
      // order ($1) is ours; $5 and $6 are microseconds since the epoch.
      {kFeedShipmentEventsInsert,
       "INSERT INTO feed_shipment_events "
       "  (order_id, shipment_id, kind, detail, occurred_at, recorded_at) "
       "SELECT id, $2, $3, $4, timestamptz 'epoch' + $5::bigint * interval '1 microsecond', "
       "  timestamptz 'epoch' + $6::bigint * interval '1 microsecond' "
       "FROM orders WHERE id = $1::uuid"},
  };
  return kStatements;
}

// An event taken in (kCursorMove), and its shipment's row as it stood then.
struct TakenIn {
  bool moved = false;  // false: taken in already, by this replica or another
  std::optional<std::string> shipment_status;  // none: the order has no row for the shipment
  bool has_shipped_event = false;
  bool has_short_pick = false;
};

TakenIn TakeIn(pqxx::work& tx, const shipping::v1::OutboxEvent& event) {
  for (;;) {
    const pqxx::row row = tx.exec_prepared1(kCursorMove, kStream, event.sequence(),
                                            event.order_id(), event.shipment_id());
    TakenIn taken;
    taken.moved = row["moved"].as<bool>();
    // Another transaction moved the cursor after this statement's snapshot: again, with a new
    // one. It does not hold the cursor's lock any more, so the next run sees what it wrote.
    if (!taken.moved && row["behind"].as<bool>()) continue;
    if (!row["status"].is_null()) taken.shipment_status = row["status"].as<std::string>();
    taken.has_shipped_event = row["has_shipped_event"].as<bool>();
    taken.has_short_pick = row["has_short_pick"].as<bool>();
    return taken;
  }
}

// The plan a short pick starts its RESOURCE saga with.
std::string ResourcePlanHex(const shipping::v1::OutboxEvent& short_picked) {
  v1::ResourcePlan plan;
  plan.set_short_picked_event(short_picked.SerializeAsString());
  return Hex(plan);
}

// Takes one event into its order, within `tx` (Apply's doc); the ids of the sagas it started.
std::vector<std::string> TakeEventIn(pqxx::work& tx, const shipping::v1::OutboxEvent& event) {
  const TakenIn taken = TakeIn(tx, event);
  if (!taken.moved) return {};  // taken already, by this replica or another
  // Not an order id of ours at all: nothing to look up.
  if (!ValidateUuid(event.order_id(), "order_id", "an order id").ok()) return {};
  if (event.has_cause()) {
    v1::TimelineEvent fed;
    ShipmentJournalEvent(event.shipment_id(), event.cause(), &fed);
    tx.exec_prepared(kFeedShipmentEventsInsert, event.order_id(), fed.subject(), fed.kind(),
                     fed.detail(), TimeUtil::TimestampToMicroseconds(fed.time()),
                     TimeUtil::TimestampToMicroseconds(fed.recorded_time()));
  }
  if (event.kind() != shipping::v1::SHIPMENT_KIND_OUTBOUND) return {};
  const bool shipped = event.type() == shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED;
  const bool short_picked = event.type() == shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHORT_PICKED;
  const std::string shipment_status = shipping::v1::ShipmentStatus_Name(event.status());
  // Nothing the shipment's row does not say already: the order's status was derived with the
  // row as it is (by whoever wrote it, this feed or the order saga's save, with the order
  // locked), and so were the sagas its shipped event starts. The row stays as read: events are
  // taken in one at a time, under the cursor's lock, and the saga's save never changes a row
  // that exists.
  if (taken.shipment_status == shipment_status && (!shipped || taken.has_shipped_event) &&
      (!short_picked || taken.has_short_pick)) {
    return {};
  }
  // The order's row is locked before its shipment's row is written, as the saga's save does.
  pqxx::result rows = tx.exec_prepared(kOrdersLock, event.order_id());
  if (rows.empty()) return {};  // not an order of ours
  v1::Order order;
  ReadOrder(rows[0], &order);
  // Recorded whatever the order's status, PENDING included: the order saga's save derives the
  // order's status from these rows too.
  tx.exec_prepared(kShipmentsRecordEvent, event.shipment_id(), event.order_id(),
                   event.warehouse_id(), shipment_status, shipped ? Hex(event) : std::string(),
                   event.replaces_shipment_id(), short_picked ? ResourcePlanHex(event) : "");
  const v1::OrderStatus after =
      WriteFulfilment(tx, event.order_id(), order.status(), order.shipments());
  // A parcel back at the sender, or lost, waits for an operator's decision (ReshipShipment,
  // RefundShipment).
  if (AwaitsParcelDecision(shipment_status)) {
    RecountAttention(tx, event.order_id());
  }
  // What follows (FollowOrderStatus) was done for the order as it was by its last writer: a
  // shipped (short-picked) shipment's saga starts once it has its shipped (short-picked) event
  // and the order's status allows it, and an order completes once DELIVERED with no follow-up
  // saga open (the last one's save completes it otherwise). So only a new such event, a new
  // status or a DELIVERED order can have more to do. A shipment shipped before the order is
  // confirmed gets its saga when it is (the order saga's save, pg_saga_writes.h).
  const bool new_saga =
      (shipped && !taken.has_shipped_event) || (short_picked && !taken.has_short_pick);
  if (!new_saga && after == order.status() && after != v1::ORDER_STATUS_DELIVERED) return {};
  return FollowOrderStatus(tx, event.order_id(), after);
}

}  // namespace

const std::vector<PreparedStatement>& PgShipmentEventStore::Statements() { return OwnStatements(); }

absl::StatusOr<int64_t> PgShipmentEventStore::Cursor() { return ReadEventCursor(pool_, kStream); }

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
  auto started = ApplyAll({event});
  if (!started.ok()) return started.status();
  return started->empty() ? std::string() : started->front();
}

absl::StatusOr<std::vector<std::string>> PgShipmentEventStore::ApplyAll(
    const std::vector<shipping::v1::OutboxEvent>& events) {
  std::vector<std::string> started;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    started.clear();
    for (const auto& event : events) {
      for (auto& saga_id : TakeEventIn(tx, event)) started.push_back(std::move(saga_id));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return started;
}

}  // namespace oms::order
