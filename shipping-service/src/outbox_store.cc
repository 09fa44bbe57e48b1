#include "shipping-service/src/outbox_store.h"

#include <string>

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/pg_arrays.h"
#include "common/pg_pool.h"
#include "shipping-service/src/shipment_status.h"

namespace oms::shipping {
namespace {

constexpr char kOutboxEventsAppend[] = "outbox_events_append";
constexpr char kOutboxEventsList[] = "outbox_events_list";
constexpr char kOutboxIdentityRead[] = "outbox_identity_read";

}  // namespace

const std::vector<PreparedStatement>& OutboxStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // Numbers the events ($1..$4, one array per column) after the counter, whose row lock is
      // then held to commit (see the migration), stores them, and notifies listeners (delivered
      // only when the transaction commits): one round trip, so that the lock every writer of the
      // outbox waits for is held for this statement and the commit alone.
      {kOutboxEventsAppend,
       "WITH next AS ("
       "  UPDATE outbox_counter SET last = last + cardinality($1::text[]) WHERE id = 1 "
       "  RETURNING last - cardinality($1::text[]) AS base), "
       "stored AS ("
       "  INSERT INTO outbox_events (sequence, type, shipment_id, order_id, payload) "
       "  SELECT next.base + e.n, e.type, e.shipment_id, e.order_id, decode(e.payload, 'hex') "
       "  FROM next, unnest($1::text[], $2::uuid[], $3::text[], $4::text[]) "
       "    WITH ORDINALITY AS e (type, shipment_id, order_id, payload, n)) "
       "SELECT pg_notify($5, (base + cardinality($1::text[]))::text) FROM next"},
      // The sequence and time are the row's (a stored payload leaves them out).
      {kOutboxEventsList,
       "SELECT sequence, (extract(epoch FROM created_at) * 1000000)::bigint AS created_micros, "
       "  encode(payload, 'hex') AS payload_hex FROM outbox_events "
       "WHERE sequence > $1 ORDER BY sequence LIMIT $2"},
      // The counter's committed value is the head: a plain read never waits for the writer that
      // holds its row lock.
      {kOutboxIdentityRead,
       "SELECT i.stream_id::text AS stream_id, c.last AS head_sequence "
       "FROM outbox_identity i CROSS JOIN outbox_counter c WHERE i.id = 1 AND c.id = 1"},
  };
  return kStatements;
}

v1::OutboxEvent MakeOutboxEvent(v1::OutboxEventType type, const v1::Shipment& shipment,
                                const v1::JournalEntry* cause) {
  v1::OutboxEvent event;
  event.set_type(type);
  event.set_shipment_id(shipment.id());
  event.set_order_id(shipment.order_id());
  event.set_kind(shipment.kind());
  event.set_warehouse_id(shipment.warehouse_id());
  event.set_status(shipment.status());
  *event.mutable_lines() = shipment.lines();
  if (cause != nullptr) *event.mutable_cause() = *cause;
  event.set_return_id(shipment.return_id());
  event.set_replaces_shipment_id(shipment.replaces_shipment_id());
  event.set_resourced_from_shipment_id(shipment.resourced_from_shipment_id());
  event.set_backorder_fill_sequence(shipment.backorder_fill_sequence());
  event.set_order_version(shipment.order_version());
  return event;
}

void WriteOutbox(pqxx::work& tx, const std::vector<v1::OutboxEvent>& events) {
  if (events.empty()) return;
  std::vector<std::string> types, shipment_ids, order_ids, payloads;
  for (const auto& event : events) {
    types.push_back(OutboxTypeName(event.type()));
    shipment_ids.push_back(event.shipment_id());
    order_ids.push_back(event.order_id());
    payloads.push_back(absl::BytesToHexString(event.SerializeAsString()));
  }
  tx.exec_prepared1(kOutboxEventsAppend, PgTextArray(types), PgTextArray(shipment_ids),
                    PgTextArray(order_ids), PgTextArray(payloads), kOutboxChannel);
}

absl::Status ReadOutbox(pqxx::work& tx, std::int64_t after_sequence, int limit,
                        v1::ListEventsResponse* out) {
  out->Clear();
  out->set_last_sequence(after_sequence);
  for (const auto& row : tx.exec_prepared(kOutboxEventsList, after_sequence, limit)) {
    const long long sequence = row["sequence"].as<long long>();
    v1::OutboxEvent* event = out->add_events();
    if (!event->ParseFromString(absl::HexStringToBytes(row["payload_hex"].as<std::string>()))) {
      return absl::InternalError(absl::StrCat("outbox event ", sequence, " does not parse"));
    }
    event->set_sequence(sequence);
    *event->mutable_create_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
        row["created_micros"].as<long long>());
    out->set_last_sequence(sequence);
  }
  // Read after the events (its own snapshot, read committed): the head is never below them.
  pqxx::row identity = tx.exec_prepared1(kOutboxIdentityRead);
  out->set_stream_id(identity["stream_id"].as<std::string>());
  out->set_head_sequence(identity["head_sequence"].as<long long>());
  for (auto& event : *out->mutable_events()) event.set_stream_id(out->stream_id());
  return absl::OkStatus();
}

}  // namespace oms::shipping
