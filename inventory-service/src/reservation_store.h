// Reservations and their lines in PostgreSQL: the statements and the row mapping, in the
// caller's transaction. Every change to a reservation or its lines happens while its row is
// locked (LockReservation, or ClaimExpired for the sweeper); what may change is decided in
// reservation_rules.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "inventory-service/src/reservation_rules.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::inventory {

const std::vector<PreparedStatement>& ReservationStatements();

// The reservation of `order_id`, if it has one.
std::optional<ReservationHead> FindReservation(pqxx::work& tx, const std::string& order_id);
// The same, locked until the transaction ends.
std::optional<ReservationHead> LockReservation(pqxx::work& tx, const std::string& order_id);
// The whole reservation with its lines; NOT_FOUND (NoReservation) when the order has none.
[[nodiscard]] absl::Status ReadReservation(pqxx::work& tx, const std::string& order_id,
                                           v1::Reservation* out);

// A new reservation in `state` with its planned allocation, expiring `ttl_seconds` from now (the
// database clock); returns its id. ABORTED when the order got a reservation or a tombstone from
// a concurrent transaction: a retry sees which.
[[nodiscard]] absl::StatusOr<std::string> InsertReservation(pqxx::work& tx,
                                                            const std::string& order_id,
                                                            v1::ReservationState state,
                                                            const v1::Allocation& allocation,
                                                            int ttl_seconds);
// Marks the order released before it was reserved, unless it has a reservation already.
void InsertTombstone(pqxx::work& tx, const std::string& order_id);
void SetExpiry(pqxx::work& tx, const std::string& reservation_id, int ttl_seconds);
void SetState(pqxx::work& tx, const std::string& reservation_id, v1::ReservationState state);
// Replaces the allocation, once the units it describes were held elsewhere (a short pick).
void SetAllocation(pqxx::work& tx, const std::string& reservation_id,
                   const v1::Allocation& allocation);

struct ExpiredReservation {
  std::string id;
  std::string order_id;
};
// Claims up to `limit` HELD reservations past their expiry (the database clock, as PastExpiry),
// soonest expired first, except those whose order has units on the backorder queue, and locks
// them; those another transaction holds are skipped, so
// several sweepers may run at once.
std::vector<ExpiredReservation> ClaimExpired(pqxx::work& tx, int limit);

// The lines in (warehouse code, SKU) order.
std::vector<ReservationLine> ReadLines(pqxx::work& tx, const std::string& reservation_id);
void InsertLines(pqxx::work& tx, const std::string& reservation_id,
                 const std::vector<LineQuantity>& lines);
// Adds each quantity to its line's committed (or released) amount; the schema refuses a line
// whose committed and released together would pass its quantity.
void AddCommitted(pqxx::work& tx, const std::string& reservation_id,
                  const std::vector<LineQuantity>& lines);
void AddReleased(pqxx::work& tx, const std::string& reservation_id,
                 const std::vector<LineQuantity>& lines);
// Adds each quantity to its line's quantity, inserting the lines the reservation lacks.
void AddHeld(pqxx::work& tx, const std::string& reservation_id,
             const std::vector<LineQuantity>& lines);

}  // namespace oms::inventory
