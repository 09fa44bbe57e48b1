// The shipment journal in PostgreSQL: statements and row mapping, each function one step of the
// caller's transaction. Append-only (a trigger refuses changes); event types cross this boundary
// as enums. Deduplication keys and what the journal means are decided in journal_rules.h and
// shipment_status.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/transaction>

#include "oms/shipping/v1/shipping.pb.h"
#include "shipping-service/src/shipment_status.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::shipping {

const std::vector<PreparedStatement>& JournalStatements();

// The entry of the shipment whose deduplication key is `dedup_key`, if any.
[[nodiscard]] std::optional<v1::JournalEntry> FindJournalEntry(pqxx::work& tx,
                                                               const std::string& shipment_id,
                                                               const std::string& dedup_key);

// Appends the event of `request` under `dedup_key`; answers the stored entry (id, recorded_at).
[[nodiscard]] v1::JournalEntry AppendJournalEntry(pqxx::work& tx,
                                                  const v1::RecordShipmentEventRequest& request,
                                                  const std::string& dedup_key);

// Appends an event this service records itself (a short pick), occurred at the transaction's
// time, under `dedup_key`; answers the stored entry.
[[nodiscard]] v1::JournalEntry AppendJournalEntryNow(pqxx::work& tx, const std::string& shipment_id,
                                                     v1::ShipmentEventType type,
                                                     const std::string& note,
                                                     const std::string& dedup_key);

// What the status derivation needs of the shipment's whole journal.
[[nodiscard]] std::vector<JournalFact> JournalFacts(pqxx::work& tx, const std::string& shipment_id);

// In the order the entries were recorded.
[[nodiscard]] std::vector<v1::JournalEntry> JournalOf(pqxx::work& tx,
                                                      const std::string& shipment_id);
// Every entry of every shipment of the order, as (shipment id, entry), in the order recorded;
// *xact_floor: the read's snapshot xmin (every transaction below it had ended, so every entry it
// recorded is here), left as it was when there are no entries.
[[nodiscard]] std::vector<std::pair<std::string, v1::JournalEntry>> JournalOfOrder(
    pqxx::work& tx, const std::string& order_id, std::int64_t* xact_floor);

}  // namespace oms::shipping
