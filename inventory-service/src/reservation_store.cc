#include "inventory-service/src/reservation_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/except>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "common/pg_arrays.h"
#include "common/pg_pool.h"
#include "inventory-service/src/stock_ledger.h"

namespace oms::inventory {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kGet[] = "reservations_get";
constexpr char kLock[] = "reservations_lock";
constexpr char kInsert[] = "reservations_insert";
constexpr char kTombstone[] = "reservations_insert_tombstone";
constexpr char kExtend[] = "reservations_extend";
constexpr char kSetState[] = "reservations_set_state";
constexpr char kSetAllocation[] = "reservations_set_allocation";
constexpr char kClaimExpired[] = "reservations_claim_expired";
constexpr char kLinesInsert[] = "reservation_lines_insert";
constexpr char kLinesGet[] = "reservation_lines_get";
constexpr char kLinesCommit[] = "reservation_lines_commit";
constexpr char kLinesRelease[] = "reservation_lines_release";
constexpr char kLinesHold[] = "reservation_lines_hold";

// The columns HeadOf reads; times in microseconds since the epoch.
#define OMS_RESERVATION_HEAD_COLUMNS                                      \
  "id, state, tombstone, "                                                \
  "(extract(epoch FROM expires_at) * 1000000)::bigint AS expires_at_us, " \
  "(extract(epoch FROM now()) * 1000000)::bigint AS now_us"

// ($1 reservation, $2 warehouses, $3 SKUs, $4 quantities), joined with the lines they name.
#define OMS_LINE_QUANTITIES                                                              \
  "FROM unnest($2::uuid[], $3::text[], $4::bigint[]) AS l(warehouse_id, sku, quantity) " \
  "WHERE r.reservation_id = $1::uuid AND r.warehouse_id = l.warehouse_id AND r.sku = l.sku"

ReservationHead HeadOf(const pqxx::row& row) {
  ReservationHead head;
  head.id = row["id"].as<std::string>();
  head.state = ReservationStateFromText(row["state"].as<std::string>());
  head.tombstone = row["tombstone"].as<bool>();
  if (!row["expires_at_us"].is_null()) {
    head.expires_at = absl::FromUnixMicros(row["expires_at_us"].as<int64_t>());
  }
  head.now = absl::FromUnixMicros(row["now_us"].as<int64_t>());
  return head;
}

std::optional<ReservationHead> HeadIn(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return HeadOf(rows[0]);
}

// Runs one of the statements that take OMS_LINE_QUANTITIES' parameters (nothing for no lines: an
// empty PgTextArray would still hold one empty element).
void ExecLines(pqxx::work& tx, const char* statement, const std::string& reservation_id,
               const std::vector<LineQuantity>& lines) {
  if (lines.empty()) return;
  std::vector<std::string> warehouses, skus;
  std::vector<int64_t> quantities;
  for (const auto& line : lines) {
    warehouses.push_back(line.warehouse_id);
    skus.push_back(line.sku);
    quantities.push_back(line.quantity);
  }
  tx.exec_prepared(statement, reservation_id, PgTextArray(warehouses), PgTextArray(skus),
                   PgIntArray(quantities));
}

}  // namespace

const std::vector<PreparedStatement>& ReservationStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kGet,
       "SELECT " OMS_RESERVATION_HEAD_COLUMNS ", encode(allocation, 'hex') AS allocation_hex, "
       "(extract(epoch FROM created_at) * 1000000)::bigint AS created_at_us "
       "FROM reservations WHERE order_id = $1"},
      {kLock,
       "SELECT " OMS_RESERVATION_HEAD_COLUMNS " FROM reservations WHERE order_id = $1 FOR UPDATE"},
      {kInsert,
       "INSERT INTO reservations (order_id, state, allocation, expires_at) "
       "VALUES ($1, $2, decode($3, 'hex'), now() + make_interval(secs => $4)) RETURNING id"},
      {kTombstone,
       "INSERT INTO reservations (order_id, state, tombstone) VALUES ($1, $2, true) "
       "ON CONFLICT (order_id) DO NOTHING"},
      {kExtend,
       "UPDATE reservations SET expires_at = now() + make_interval(secs => $2), updated_at = now() "
       "WHERE id = $1::uuid"},
      {kSetState, "UPDATE reservations SET state = $2, updated_at = now() WHERE id = $1::uuid"},
      {kSetAllocation,
       "UPDATE reservations SET allocation = decode($2, 'hex'), updated_at = now() "
       "WHERE id = $1::uuid"},
      // Claiming work: the database must pick the due rows itself for SKIP LOCKED to share them.
      // An order with units on the backorder queue keeps its reservation (their fill holds them
      // in it): queue rows are only ever added with the reservation, so none can appear after
      // this read found none.
      {kClaimExpired,
       // The state is spelled as reservations_expiring's predicate: a parameter would keep the
       // generic plan off that partial index.
       "SELECT r.id, r.order_id FROM reservations r "
       "WHERE r.state = 'HELD' AND r.expires_at <= now() "
       "AND NOT EXISTS (SELECT 1 FROM backorders b WHERE b.order_id = r.order_id "
       "  AND b.filled + b.cancelled < b.quantity) "
       "ORDER BY r.expires_at LIMIT $1 FOR UPDATE OF r SKIP LOCKED"},
      {kLinesInsert,
       "INSERT INTO reservation_lines (reservation_id, warehouse_id, sku, quantity) "
       "SELECT $1::uuid, * FROM unnest($2::uuid[], $3::text[], $4::bigint[])"},
      {kLinesGet,
       "SELECT l.warehouse_id, w.code, l.sku, l.quantity, l.committed, l.released "
       "FROM reservation_lines l JOIN warehouses w ON w.id = l.warehouse_id "
       "WHERE l.reservation_id = $1::uuid ORDER BY w.code, l.sku"},
      {kLinesCommit,
       "UPDATE reservation_lines r SET committed = r.committed + l.quantity " OMS_LINE_QUANTITIES},
      {kLinesRelease,
       "UPDATE reservation_lines r SET released = r.released + l.quantity " OMS_LINE_QUANTITIES},
      {kLinesHold,
       "INSERT INTO reservation_lines AS r (reservation_id, warehouse_id, sku, quantity) "
       "SELECT $1::uuid, * FROM unnest($2::uuid[], $3::text[], $4::bigint[]) "
       "ON CONFLICT (reservation_id, warehouse_id, sku) "
       "DO UPDATE SET quantity = r.quantity + EXCLUDED.quantity"},
  };
  return kStatements;
}

std::optional<ReservationHead> FindReservation(pqxx::work& tx, const std::string& order_id) {
  return HeadIn(tx.exec_prepared(kGet, order_id));
}

std::optional<ReservationHead> LockReservation(pqxx::work& tx, const std::string& order_id) {
  return HeadIn(tx.exec_prepared(kLock, order_id));
}

absl::Status ReadReservation(pqxx::work& tx, const std::string& order_id, v1::Reservation* out) {
  pqxx::result rows = tx.exec_prepared(kGet, order_id);
  if (rows.empty()) return NoReservation(order_id);
  const pqxx::row row = rows[0];
  const ReservationHead head = HeadOf(row);
  out->Clear();
  out->set_id(head.id);
  out->set_order_id(order_id);
  out->set_state(head.state);
  out->set_tombstone(head.tombstone);
  if (!row["allocation_hex"].is_null()) {
    out->mutable_allocation()->ParseFromString(
        absl::HexStringToBytes(row["allocation_hex"].as<std::string>()));
  }
  if (!row["expires_at_us"].is_null()) {
    *out->mutable_expire_time() =
        TimeUtil::MicrosecondsToTimestamp(row["expires_at_us"].as<int64_t>());
  }
  *out->mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(row["created_at_us"].as<int64_t>());
  for (const auto& line : ReadLines(tx, head.id)) {
    auto* l = out->add_lines();
    l->set_warehouse_id(line.warehouse_id);
    l->set_warehouse_code(line.warehouse_code);
    l->set_sku(line.sku);
    l->set_quantity(line.quantity);
    l->set_committed(line.committed);
    l->set_released(line.released);
    l->set_held(line.held());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> InsertReservation(pqxx::work& tx, const std::string& order_id,
                                              v1::ReservationState state,
                                              const v1::Allocation& allocation, int ttl_seconds) {
  try {
    return tx
        .exec_prepared1(kInsert, order_id, ReservationStateText(state),
                        absl::BytesToHexString(allocation.SerializeAsString()), ttl_seconds)["id"]
        .as<std::string>();
  } catch (const pqxx::unique_violation&) {
    return absl::AbortedError("the order's reservation changed concurrently; retry");
  }
}

void InsertTombstone(pqxx::work& tx, const std::string& order_id) {
  tx.exec_prepared(kTombstone, order_id, ReservationStateText(v1::RESERVATION_STATE_RELEASED));
}

void SetExpiry(pqxx::work& tx, const std::string& reservation_id, int ttl_seconds) {
  tx.exec_prepared(kExtend, reservation_id, ttl_seconds);
}

void SetState(pqxx::work& tx, const std::string& reservation_id, v1::ReservationState state) {
  tx.exec_prepared(kSetState, reservation_id, ReservationStateText(state));
}

void SetAllocation(pqxx::work& tx, const std::string& reservation_id,
                   const v1::Allocation& allocation) {
  tx.exec_prepared(kSetAllocation, reservation_id,
                   absl::BytesToHexString(allocation.SerializeAsString()));
}

std::vector<ExpiredReservation> ClaimExpired(pqxx::work& tx, int limit) {
  std::vector<ExpiredReservation> claimed;
  for (const auto& row : tx.exec_prepared(kClaimExpired, limit)) {
    claimed.push_back({row["id"].as<std::string>(), row["order_id"].as<std::string>()});
  }
  return claimed;
}

std::vector<ReservationLine> ReadLines(pqxx::work& tx, const std::string& reservation_id) {
  std::vector<ReservationLine> lines;
  for (const auto& row : tx.exec_prepared(kLinesGet, reservation_id)) {
    lines.push_back({row["warehouse_id"].as<std::string>(), row["code"].as<std::string>(),
                     row["sku"].as<std::string>(), row["quantity"].as<int64_t>(),
                     row["committed"].as<int64_t>(), row["released"].as<int64_t>()});
  }
  return lines;
}

void InsertLines(pqxx::work& tx, const std::string& reservation_id,
                 const std::vector<LineQuantity>& lines) {
  ExecLines(tx, kLinesInsert, reservation_id, lines);
}

void AddCommitted(pqxx::work& tx, const std::string& reservation_id,
                  const std::vector<LineQuantity>& lines) {
  ExecLines(tx, kLinesCommit, reservation_id, lines);
}

void AddReleased(pqxx::work& tx, const std::string& reservation_id,
                 const std::vector<LineQuantity>& lines) {
  ExecLines(tx, kLinesRelease, reservation_id, lines);
}

void AddHeld(pqxx::work& tx, const std::string& reservation_id,
             const std::vector<LineQuantity>& lines) {
  ExecLines(tx, kLinesHold, reservation_id, lines);
}

}  // namespace oms::inventory
