// The shipment event outbox in PostgreSQL: statements and row mapping, each function one step of
// the caller's transaction.
//
// Every change that moves a shipment writes its outbox events in the same transaction, numbered
// from the locked outbox_counter row as the transaction's last statement, and NOTIFYs
// kOutboxChannel, which PostgreSQL delivers only when (and if) the transaction commits.
#pragma once

#include <cstdint>
#include <vector>

#include <pqxx/transaction>

#include "absl/status/status.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::shipping {

inline constexpr char kOutboxChannel[] = "oms_shipping_outbox";

const std::vector<PreparedStatement>& OutboxStatements();

// The event of `type` about `shipment` (with its lines, return id, the shipment it replaces or
// whose short-picked units it takes over, the backorder fill and the order version it ships),
// caused by the journal entry `cause` when there is one (may be null). Its sequence and time are
// the stored row's (WriteOutbox, ReadOutbox).
[[nodiscard]] v1::OutboxEvent MakeOutboxEvent(v1::OutboxEventType type,
                                              const v1::Shipment& shipment,
                                              const v1::JournalEntry* cause);

// The transaction's last statement, in one round trip: numbers `events` from the locked counter,
// stores them and notifies listeners (on commit). Taking the
// counter lock last keeps it held for the shortest time: every writer of the outbox waits for it.
// Nothing happens for no events.
void WriteOutbox(pqxx::work& tx, const std::vector<v1::OutboxEvent>& events);

// Up to `limit` events after `after_sequence`, in sequence order; `last_sequence` is the last
// one read, or `after_sequence`; the outbox's identity on the response and on every event, and
// its head sequence. INTERNAL when a stored event does not parse.
[[nodiscard]] absl::Status ReadOutbox(pqxx::work& tx, std::int64_t after_sequence, int limit,
                                      v1::ListEventsResponse* out);

}  // namespace oms::shipping
