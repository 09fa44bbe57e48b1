#include "shipping-service/src/outbox_store.h"

#include <string>

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"
#include "shipping-service/src/shipment_status.h"

namespace oms::shipping {
namespace {

constexpr char kOutboxCounterNext[] = "outbox_counter_next";
constexpr char kOutboxEventsInsert[] = "outbox_events_insert";
constexpr char kOutboxEventsNotify[] = "outbox_events_notify";
constexpr char kOutboxEventsList[] = "outbox_events_list";
constexpr char kOutboxIdentityRead[] = "outbox_identity_read";

}  // namespace

const std::vector<PreparedStatement>& OutboxStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // The row lock taken here is held to commit: see the migration.
      {kOutboxCounterNext,
       "UPDATE outbox_counter SET last = last + 1 WHERE id = 1 "
       "RETURNING last, (extract(epoch FROM now()) * 1000000)::bigint AS now_micros"},
      {kOutboxEventsInsert,
       "INSERT INTO outbox_events (sequence, type, shipment_id, order_id, payload) "
       "VALUES ($1, $2, $3::uuid, $4, decode($5, 'hex'))"},
      // Delivered to listeners only when the transaction commits.
      {kOutboxEventsNotify, "SELECT pg_notify($1, $2)"},
      {kOutboxEventsList,
       "SELECT sequence, encode(payload, 'hex') AS payload_hex FROM outbox_events "
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
  return event;
}

void WriteOutbox(pqxx::work& tx, std::vector<v1::OutboxEvent>& events) {
  if (events.empty()) return;
  for (auto& event : events) {
    pqxx::row next = tx.exec_prepared1(kOutboxCounterNext);
    event.set_sequence(next["last"].as<long long>());
    *event.mutable_create_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
        next["now_micros"].as<long long>());
    std::string payload;
    event.SerializeToString(&payload);
    tx.exec_prepared(kOutboxEventsInsert, event.sequence(), OutboxTypeName(event.type()),
                     event.shipment_id(), event.order_id(), absl::BytesToHexString(payload));
  }
  tx.exec_prepared(kOutboxEventsNotify, kOutboxChannel, std::to_string(events.back().sequence()));
}

absl::Status ReadOutbox(pqxx::work& tx, std::int64_t after_sequence, int limit,
                        v1::ListEventsResponse* out) {
  out->Clear();
  out->set_last_sequence(after_sequence);
  for (const auto& row : tx.exec_prepared(kOutboxEventsList, after_sequence, limit)) {
    const long long sequence = row["sequence"].as<long long>();
    if (!out->add_events()->ParseFromString(
            absl::HexStringToBytes(row["payload_hex"].as<std::string>()))) {
      return absl::InternalError(absl::StrCat("outbox event ", sequence, " does not parse"));
    }
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
