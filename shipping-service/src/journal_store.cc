#include "shipping-service/src/journal_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "common/pg_pool.h"

namespace oms::shipping {
namespace {

using google::protobuf::util::TimeUtil;

// Every column ReadJournalEntry reads.
#define OMS_JOURNAL_COLUMNS                                                                  \
  "j.id, j.type, (extract(epoch FROM j.occurred_at) * 1000000)::bigint AS occurred_micros, " \
  "(extract(epoch FROM j.recorded_at) * 1000000)::bigint AS recorded_micros, j.location, "   \
  "j.note, j.tracking_number, j.proof_uri, j.proof_content_type, j.proof_sha256, "           \
  "j.carrier_event_id, j.xact::text::bigint AS xact"

constexpr char kShipmentJournalFind[] = "shipment_journal_find";
constexpr char kShipmentJournalInsert[] = "shipment_journal_insert";
constexpr char kShipmentJournalInsertNow[] = "shipment_journal_insert_now";
constexpr char kShipmentJournalFacts[] = "shipment_journal_facts";
constexpr char kShipmentJournalGet[] = "shipment_journal_get";
constexpr char kShipmentJournalByOrder[] = "shipment_journal_by_order";

v1::JournalEntry ReadJournalEntry(const pqxx::row& row) {
  v1::JournalEntry entry;
  entry.set_id(row["id"].as<long long>());
  entry.set_type(ParseEventType(row["type"].as<std::string>()));
  *entry.mutable_occurred_at() =
      TimeUtil::MicrosecondsToTimestamp(row["occurred_micros"].as<long long>());
  *entry.mutable_recorded_at() =
      TimeUtil::MicrosecondsToTimestamp(row["recorded_micros"].as<long long>());
  entry.set_location(row["location"].as<std::string>());
  entry.set_note(row["note"].as<std::string>());
  entry.set_tracking_number(row["tracking_number"].as<std::string>());
  // An entry without proof stores empty columns; the message then has no proof at all.
  if (const std::string uri = row["proof_uri"].as<std::string>(); !uri.empty()) {
    entry.mutable_proof()->set_uri(uri);
    entry.mutable_proof()->set_content_type(row["proof_content_type"].as<std::string>());
    entry.mutable_proof()->set_sha256(row["proof_sha256"].as<std::string>());
  }
  entry.set_carrier_event_id(row["carrier_event_id"].as<std::string>());
  entry.set_recording_xact(row["xact"].as<long long>());
  return entry;
}

}  // namespace

const std::vector<PreparedStatement>& JournalStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kShipmentJournalFind, "SELECT " OMS_JOURNAL_COLUMNS " FROM shipment_journal j "
                             "WHERE j.shipment_id = $1::uuid AND j.dedup_key = $2"},
      {kShipmentJournalInsert,
       "INSERT INTO shipment_journal AS j (shipment_id, type, occurred_at, location, note, "
       "tracking_number, proof_uri, proof_content_type, proof_sha256, carrier_event_id, "
       "dedup_key) VALUES ($1::uuid, $2, timestamptz 'epoch' + $3::bigint * interval "
       "'1 microsecond', $4, $5, $6, $7, $8, $9, $10, $11) RETURNING " OMS_JOURNAL_COLUMNS},
      // An entry of this service's own making: it happened now, in this transaction.
      {kShipmentJournalInsertNow,
       "INSERT INTO shipment_journal AS j (shipment_id, type, occurred_at, note, dedup_key) "
       "VALUES ($1::uuid, $2, now(), $3, $4) RETURNING " OMS_JOURNAL_COLUMNS},
      {kShipmentJournalFacts,
       "SELECT type, (extract(epoch FROM occurred_at) * 1000000)::bigint AS occurred_micros "
       "FROM shipment_journal WHERE shipment_id = $1::uuid"},
      {kShipmentJournalGet, "SELECT " OMS_JOURNAL_COLUMNS " FROM shipment_journal j "
                            "WHERE j.shipment_id = $1::uuid ORDER BY j.id"},
      {kShipmentJournalByOrder,
       "SELECT j.shipment_id::text AS shipment_id, " OMS_JOURNAL_COLUMNS ", "
       "  pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xact_floor "
       "FROM shipment_journal j JOIN shipments s ON s.id = j.shipment_id "
       "WHERE s.order_id = $1 ORDER BY j.id"},
  };
  return kStatements;
}

std::optional<v1::JournalEntry> FindJournalEntry(pqxx::work& tx, const std::string& shipment_id,
                                                 const std::string& dedup_key) {
  pqxx::result rows = tx.exec_prepared(kShipmentJournalFind, shipment_id, dedup_key);
  if (rows.empty()) return std::nullopt;
  return ReadJournalEntry(rows[0]);
}

v1::JournalEntry AppendJournalEntry(pqxx::work& tx, const v1::RecordShipmentEventRequest& request,
                                    const std::string& dedup_key) {
  const auto& proof = request.proof();
  return ReadJournalEntry(tx.exec_prepared1(
      kShipmentJournalInsert, request.shipment_id(), EventTypeName(request.type()),
      TimeUtil::TimestampToMicroseconds(request.occurred_at()), request.location(), request.note(),
      request.tracking_number(), proof.uri(), proof.content_type(), proof.sha256(),
      request.carrier_event_id(), dedup_key));
}

v1::JournalEntry AppendJournalEntryNow(pqxx::work& tx, const std::string& shipment_id,
                                       v1::ShipmentEventType type, const std::string& note,
                                       const std::string& dedup_key) {
  return ReadJournalEntry(tx.exec_prepared1(kShipmentJournalInsertNow, shipment_id,
                                            EventTypeName(type), note, dedup_key));
}

std::vector<JournalFact> JournalFacts(pqxx::work& tx, const std::string& shipment_id) {
  std::vector<JournalFact> facts;
  for (const auto& row : tx.exec_prepared(kShipmentJournalFacts, shipment_id)) {
    facts.push_back(
        {ParseEventType(row["type"].as<std::string>()), row["occurred_micros"].as<long long>()});
  }
  return facts;
}

std::vector<v1::JournalEntry> JournalOf(pqxx::work& tx, const std::string& shipment_id) {
  std::vector<v1::JournalEntry> entries;
  for (const auto& row : tx.exec_prepared(kShipmentJournalGet, shipment_id)) {
    entries.push_back(ReadJournalEntry(row));
  }
  return entries;
}

std::vector<std::pair<std::string, v1::JournalEntry>> JournalOfOrder(pqxx::work& tx,
                                                                     const std::string& order_id,
                                                                     std::int64_t* xact_floor) {
  std::vector<std::pair<std::string, v1::JournalEntry>> entries;
  for (const auto& row : tx.exec_prepared(kShipmentJournalByOrder, order_id)) {
    *xact_floor = row["xact_floor"].as<long long>();
    entries.emplace_back(row["shipment_id"].as<std::string>(), ReadJournalEntry(row));
  }
  return entries;
}

}  // namespace oms::shipping
