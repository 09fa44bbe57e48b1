#include "inventory-service/src/reservation_store.h"

#include <algorithm>
#include <map>

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/idempotency.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "inventory-service/src/allocation.h"
#include "inventory-service/src/stock_ledger.h"

namespace oms::inventory {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kCandidates[] = "stock_levels_candidates";
constexpr char kCandidatesLock[] = "stock_levels_candidates_lock";
constexpr char kLevelGet[] = "stock_levels_get";
constexpr char kDamaged[] = "stock_movements_insert_damaged";
constexpr char kFind[] = "reservations_find";
constexpr char kLock[] = "reservations_lock";
constexpr char kInsert[] = "reservations_insert";
constexpr char kTombstone[] = "reservations_insert_tombstone";
constexpr char kExtend[] = "reservations_extend";
constexpr char kSettle[] = "reservations_settle";
constexpr char kExpire[] = "reservations_expire";
constexpr char kClaimExpired[] = "reservations_claim_expired";
constexpr char kGet[] = "reservations_get";
constexpr char kLinesInsert[] = "reservation_lines_insert";
constexpr char kLinesGet[] = "reservation_lines_get";
constexpr char kLinesCommit[] = "reservation_lines_commit";
constexpr char kLinesRelease[] = "reservation_lines_release";
constexpr char kInvariants[] = "stock_invariants_check";

#define OMS_CANDIDATES_SQL                                                                  \
  "SELECT s.sku, s.warehouse_id, s.on_hand - s.reserved, w.code, w.latitude, w.longitude, " \
  "w.priority, w.address_country, w.address_region "                                        \
  "FROM stock_levels s JOIN warehouses w ON w.id = s.warehouse_id "                         \
  "JOIN products p ON p.sku = s.sku "                                                       \
  "WHERE s.sku = ANY($1::text[]) AND w.active AND p.active ORDER BY s.sku, s.warehouse_id"

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kCandidates, OMS_CANDIDATES_SQL},
      // Locks every stock row of the order's SKUs in (SKU, warehouse) order before planning, so
      // that the plan holds when it is written and concurrent reservations cannot deadlock.
      {kCandidatesLock, OMS_CANDIDATES_SQL " FOR UPDATE OF s"},
      {kLevelGet,
       "SELECT on_hand, reserved FROM stock_levels WHERE sku = $1 AND warehouse_id = $2::uuid"},
      {kDamaged,
       "INSERT INTO stock_movements (sku, warehouse_id, kind, on_hand_delta, reserved_delta, "
       "  on_hand_after, reserved_after, reason, request_id, order_id, damaged_quantity) "
       "SELECT sku, warehouse_id, 'DAMAGED', 0, 0, on_hand, reserved, $3, $4, $5, $6 "
       "FROM stock_levels WHERE sku = $1 AND warehouse_id = $2::uuid"},
      {kFind, "SELECT state, tombstone FROM reservations WHERE order_id = $1"},
      {kLock,
       "SELECT id, state, tombstone, expires_at <= now() FROM reservations WHERE order_id = $1 "
       "FOR UPDATE"},
      {kInsert,
       "INSERT INTO reservations (order_id, state, allocation, expires_at) "
       "VALUES ($1, 'HELD', decode($2, 'hex'), now() + make_interval(secs => $3)) RETURNING id"},
      {kTombstone,
       "INSERT INTO reservations (order_id, state, tombstone) VALUES ($1, 'RELEASED', true) "
       "ON CONFLICT (order_id) DO NOTHING"},
      {kExtend,
       "UPDATE reservations SET expires_at = now() + make_interval(secs => $2), updated_at = now() "
       "WHERE order_id = $1 AND state = 'HELD' AND expires_at > now() RETURNING id"},
      // Nothing held any more: COMMITTED if anything shipped, else RELEASED.
      {kSettle,
       "UPDATE reservations r SET state = CASE WHEN t.committed > 0 THEN 'COMMITTED' "
       "  ELSE 'RELEASED' END, updated_at = now() "
       "FROM (SELECT sum(quantity - committed - released) AS held, sum(committed) AS committed "
       "      FROM reservation_lines WHERE reservation_id = $1::uuid) t "
       "WHERE r.id = $1::uuid AND r.state = 'HELD' AND t.held = 0"},
      {kExpire,
       "UPDATE reservations SET state = 'EXPIRED', updated_at = now() WHERE id = $1::uuid"},
      {kClaimExpired,
       "SELECT id, order_id FROM reservations WHERE state = 'HELD' AND expires_at <= now() "
       "ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED"},
      {kGet,
       "SELECT id, state, tombstone, encode(allocation, 'hex'), "
       "(extract(epoch FROM expires_at) * 1000000)::bigint, "
       "(extract(epoch FROM created_at) * 1000000)::bigint FROM reservations WHERE order_id = $1"},
      {kLinesInsert,
       "INSERT INTO reservation_lines (reservation_id, warehouse_id, sku, quantity) "
       "SELECT $1::uuid, * FROM unnest($2::uuid[], $3::text[], $4::bigint[])"},
      {kLinesGet,
       "SELECT l.warehouse_id, w.code, l.sku, l.quantity, l.committed, l.released "
       "FROM reservation_lines l JOIN warehouses w ON w.id = l.warehouse_id "
       "WHERE l.reservation_id = $1::uuid ORDER BY w.code, l.sku"},
      // Commits only where enough is still held; the caller compares the rows back with the
      // lines asked for.
      {kLinesCommit,
       "UPDATE reservation_lines r SET committed = r.committed + l.quantity "
       "FROM unnest($2::uuid[], $3::text[], $4::bigint[]) AS l(warehouse_id, sku, quantity) "
       "WHERE r.reservation_id = $1::uuid AND r.warehouse_id = l.warehouse_id "
       "  AND r.sku = l.sku AND r.quantity - r.committed - r.released >= l.quantity "
       "RETURNING r.sku"},
      // Releases what is held, in one warehouse ($2) or all ($2 = ''), returning how much.
      {kLinesRelease,
       "WITH held AS (SELECT warehouse_id, sku, quantity - committed - released AS quantity "
       "  FROM reservation_lines WHERE reservation_id = $1::uuid "
       "  AND ($2 = '' OR warehouse_id::text = $2) AND quantity - committed - released > 0) "
       "UPDATE reservation_lines r SET released = r.released + held.quantity FROM held "
       "WHERE r.reservation_id = $1::uuid AND r.warehouse_id = held.warehouse_id "
       "  AND r.sku = held.sku RETURNING r.sku, r.warehouse_id, held.quantity"},
      // Every violation of I1 to I3 as (invariant, sku, warehouse, detail) rows.
      {kInvariants,
       "WITH ledger AS ("
       "  SELECT sku, warehouse_id, sum(on_hand_delta) AS on_hand, "
       "    sum(reserved_delta) AS reserved, "
       "    COALESCE(sum(on_hand_delta) FILTER (WHERE kind IN ('RECEIPT', 'CORRECTION')), 0) "
       "      AS received, "
       "    COALESCE(sum(on_hand_delta) FILTER (WHERE kind = 'RESTOCK'), 0) AS restocked, "
       "    COALESCE(-sum(on_hand_delta) FILTER (WHERE kind = 'COMMIT'), 0) AS shipped "
       "  FROM stock_movements GROUP BY sku, warehouse_id), "
       "held AS ("
       "  SELECT l.sku, l.warehouse_id, sum(l.quantity - l.committed - l.released) AS held "
       "  FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id "
       "  WHERE r.state = 'HELD' GROUP BY l.sku, l.warehouse_id) "
       "SELECT 'I1 the ledger sums to the level', s.sku, s.warehouse_id::text, "
       "  format('level %s/%s, ledger %s/%s (on hand/reserved)', s.on_hand, s.reserved, "
       "  COALESCE(g.on_hand, 0), COALESCE(g.reserved, 0)) "
       "FROM stock_levels s LEFT JOIN ledger g USING (sku, warehouse_id) "
       "WHERE s.on_hand <> COALESCE(g.on_hand, 0) OR s.reserved <> COALESCE(g.reserved, 0) "
       "UNION ALL "
       "SELECT 'I1 on hand >= reserved >= 0', sku, warehouse_id::text, "
       "  format('on hand %s, reserved %s', on_hand, reserved) "
       "FROM stock_levels WHERE reserved < 0 OR on_hand < reserved "
       "UNION ALL "
       "SELECT 'I1 received + restocked = on hand + shipped', s.sku, s.warehouse_id::text, "
       "  format('received %s + restocked %s <> on hand %s + shipped %s', g.received, "
       "  g.restocked, s.on_hand, g.shipped) "
       "FROM stock_levels s JOIN ledger g USING (sku, warehouse_id) "
       "WHERE g.received + g.restocked <> s.on_hand + g.shipped "
       "UNION ALL "
       "SELECT 'I1 movement kinds move only their own quantity', sku, warehouse_id::text, "
       "  format('movement %s (%s) moved on hand %s, reserved %s', id, kind, on_hand_delta, "
       "  reserved_delta) "
       "FROM stock_movements WHERE (kind IN ('RESERVE', 'RELEASE', 'EXPIRE', 'DAMAGED') "
       "  AND on_hand_delta <> 0) OR (kind IN ('RECEIPT', 'CORRECTION', 'RESTOCK', 'DAMAGED') "
       "  AND reserved_delta <> 0) OR (kind = 'COMMIT' AND on_hand_delta <> reserved_delta) "
       "UNION ALL "
       "SELECT 'I2 reserved = what held reservations hold', s.sku, s.warehouse_id::text, "
       "  format('reserved %s, held %s', s.reserved, COALESCE(h.held, 0)) "
       "FROM stock_levels s LEFT JOIN held h USING (sku, warehouse_id) "
       "WHERE s.reserved <> COALESCE(h.held, 0) "
       "UNION ALL "
       "SELECT 'I2 no held reservation long past its expiry', '', '', "
       "  format('reservation %s of order %s expired at %s', id, order_id, expires_at) "
       "FROM reservations WHERE state = 'HELD' "
       "  AND expires_at < now() - make_interval(secs => $1) "
       "UNION ALL "
       "SELECT 'I2 a final reservation holds nothing', l.sku, l.warehouse_id::text, "
       "  format('reservation %s is %s and still holds %s', r.id, r.state, "
       "  l.quantity - l.committed - l.released) "
       "FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id "
       "WHERE r.state <> 'HELD' AND l.quantity - l.committed - l.released > 0 "
       "UNION ALL "
       "SELECT 'I3 committed never exceeds received', sku, '', "
       "  format('shipped %s of %s received and restocked', sum(shipped), "
       "  sum(received + restocked)) "
       "FROM ledger GROUP BY sku HAVING sum(shipped) > sum(received + restocked)"},
  };
  return kStatements;
}

Strategy StrategyOf(v1::AllocationStrategy strategy) {
  switch (strategy) {
    case v1::ALLOCATION_STRATEGY_SINGLE_WAREHOUSE:
      return Strategy::kSingleWarehouse;
    case v1::ALLOCATION_STRATEGY_NEAREST_FIRST:
      return Strategy::kNearestFirst;
    case v1::ALLOCATION_STRATEGY_PRIORITY:
      return Strategy::kPriority;
    default:
      return Strategy::kMinimizeSplits;
  }
}

v1::AllocationStrategy ProtoStrategy(v1::AllocationStrategy requested) {
  return requested == v1::ALLOCATION_STRATEGY_UNSPECIFIED ? v1::ALLOCATION_STRATEGY_MINIMIZE_SPLITS
                                                          : requested;
}

Place PlaceOf(const v1::Destination& destination) {
  Place place{destination.country(), destination.region(), std::nullopt, std::nullopt};
  if (destination.has_location()) {
    place.latitude = destination.location().latitude();
    place.longitude = destination.location().longitude();
  }
  return place;
}

std::vector<Line> LinesOf(const google::protobuf::RepeatedPtrField<v1::OrderLine>& lines) {
  std::vector<Line> result;
  for (const auto& line : lines) result.push_back({line.sku(), line.quantity()});
  return result;
}

// Reads the candidates of the order's SKUs (locking their stock rows when `lock`) and plans.
Plan PlanOn(pqxx::work& tx, bool lock, const std::vector<Line>& lines, const Place& destination,
            Strategy strategy) {
  std::vector<std::string> skus;
  for (const auto& line : lines) skus.push_back(line.sku);
  std::map<std::string, Candidate> by_warehouse;
  for (const auto& row : tx.exec_prepared(lock ? kCandidatesLock : kCandidates, TextArray(skus))) {
    const std::string warehouse_id = row[1].as<std::string>();
    Candidate& candidate = by_warehouse[warehouse_id];
    if (candidate.warehouse_id.empty()) {
      candidate.warehouse_id = warehouse_id;
      candidate.code = row[3].as<std::string>();
      candidate.place = {row[7].as<std::string>(), row[8].as<std::string>(), row[4].as<double>(),
                         row[5].as<double>()};
      candidate.priority = row[6].as<int>();
    }
    candidate.available[row[0].as<std::string>()] = row[2].as<int64_t>();
  }
  std::vector<Candidate> candidates;
  for (auto& [id, candidate] : by_warehouse) candidates.push_back(std::move(candidate));
  return PlanAllocation(lines, destination, strategy, candidates);
}

void ToProto(const Plan& plan, v1::AllocationStrategy strategy, v1::Allocation* allocation,
             google::protobuf::RepeatedPtrField<v1::Shortfall>* shortfalls) {
  allocation->set_strategy(strategy);
  for (const auto& group : plan.groups) {
    auto* out = allocation->add_groups();
    out->set_warehouse_id(group.warehouse_id);
    out->set_warehouse_code(group.code);
    out->set_reason(group.reason);
    out->set_distance_km(group.distance_km);
    for (const auto& line : group.lines) {
      auto* l = out->add_lines();
      l->set_sku(line.sku);
      l->set_quantity(line.quantity);
    }
  }
  for (const auto& shortfall : plan.shortfalls) {
    auto* s = shortfalls->Add();
    s->set_sku(shortfall.sku);
    s->set_wanted(shortfall.wanted);
    s->set_available(shortfall.available);
  }
}

absl::Status InsufficientStockError(const v1::InsufficientStock& detail) {
  std::vector<std::string> parts;
  for (const auto& s : detail.shortfalls()) {
    parts.push_back(absl::StrCat(s.sku(), " wanted ", s.wanted(), ", available ", s.available()));
  }
  absl::Status status =
      WithReason(absl::StatusCode::kFailedPrecondition, "INSUFFICIENT_STOCK",
                 absl::StrCat("insufficient stock: ", absl::StrJoin(parts, "; ")));
  status.SetPayload("type.googleapis.com/oms.inventory.v1.InsufficientStock",
                    absl::Cord(detail.SerializeAsString()));
  return status;
}

v1::ReservationState StateOf(const std::string& state) {
  if (state == "HELD") return v1::RESERVATION_STATE_HELD;
  if (state == "COMMITTED") return v1::RESERVATION_STATE_COMMITTED;
  if (state == "RELEASED") return v1::RESERVATION_STATE_RELEASED;
  if (state == "EXPIRED") return v1::RESERVATION_STATE_EXPIRED;
  return v1::RESERVATION_STATE_UNSPECIFIED;
}

absl::Status ReadReservation(pqxx::work& tx, const std::string& order_id, v1::Reservation* out) {
  pqxx::result rows = tx.exec_prepared(kGet, order_id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("order_id: no reservation for order ", order_id));
  }
  const pqxx::row row = rows[0];
  out->Clear();
  out->set_id(row[0].as<std::string>());
  out->set_order_id(order_id);
  out->set_state(StateOf(row[1].as<std::string>()));
  out->set_tombstone(row[2].as<bool>());
  if (!row[3].is_null()) {
    out->mutable_allocation()->ParseFromString(absl::HexStringToBytes(row[3].as<std::string>()));
  }
  if (!row[4].is_null()) {
    *out->mutable_expire_time() = TimeUtil::MicrosecondsToTimestamp(row[4].as<int64_t>());
  }
  *out->mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[5].as<int64_t>());
  for (const auto& line : tx.exec_prepared(kLinesGet, out->id())) {
    auto* l = out->add_lines();
    l->set_warehouse_id(line[0].as<std::string>());
    l->set_warehouse_code(line[1].as<std::string>());
    l->set_sku(line[2].as<std::string>());
    l->set_quantity(line[3].as<int64_t>());
    l->set_committed(line[4].as<int64_t>());
    l->set_released(line[5].as<int64_t>());
    l->set_held(l->quantity() - l->committed() - l->released());
  }
  return absl::OkStatus();
}

// The locked reservation of an order, if any.
struct Locked {
  std::string id;
  std::string state;
  bool tombstone = false;
  bool past_expiry = false;
};

std::optional<Locked> LockReservation(pqxx::work& tx, const std::string& order_id) {
  pqxx::result rows = tx.exec_prepared(kLock, order_id);
  if (rows.empty()) return std::nullopt;
  return Locked{rows[0][0].as<std::string>(), rows[0][1].as<std::string>(), rows[0][2].as<bool>(),
                rows[0][3].as<bool>()};
}

absl::Status NotHeld(const std::string& order_id, const Locked& locked) {
  const std::string state = locked.tombstone ? "RELEASED before it was made"
                            : locked.state == "HELD" && locked.past_expiry ? "EXPIRED"
                                                                           : locked.state;
  return WithReason(absl::StatusCode::kFailedPrecondition, "RESERVATION_NOT_HELD",
                    absl::StrCat("the reservation of order ", order_id, " is ", state));
}

// Releases what the reservation holds (in one warehouse, or all when `warehouse_id` is empty)
// with ledger rows of `kind`; returns the ledger rows written.
absl::StatusOr<int> ReleaseHeld(pqxx::work& tx, const std::string& reservation_id,
                                const std::string& warehouse_id, LedgerContext ledger) {
  std::vector<Move> moves;
  for (const auto& row : tx.exec_prepared(kLinesRelease, reservation_id, warehouse_id)) {
    moves.push_back({row[0].as<std::string>(), row[1].as<std::string>(), 0, -row[2].as<int64_t>()});
  }
  ledger.reservation_id = reservation_id;
  auto moved = ApplyMoves(tx, moves, ledger);
  if (!moved.ok()) return moved.status();
  return static_cast<int>(moved->size());
}

// Runs `effect` once per request id: a repeat gets the stored response in `out`.
template <class Response, class Effect>
absl::Status Idempotent(PgPool& pool, const std::string& request_id, const char* method,
                        const google::protobuf::Message& request, Response* out, Outcome* outcome,
                        Effect effect) {
  *outcome = Outcome{};
  return pool.InTransaction([&](pqxx::work& tx) -> absl::Status {
    auto claim = ClaimRequest(tx, request_id, method, request);
    if (!claim.ok()) return claim.status();
    if (claim->has_value()) {
      outcome->replayed = true;
      out->ParseFromString(**claim);
      return absl::OkStatus();
    }
    absl::Status status = effect(tx);
    if (status.ok()) RecordResponse(tx, request_id, *out);
    return status;
  });
}

}  // namespace

const std::vector<PreparedStatement>& PgReservationStore::Statements() { return OwnStatements(); }

absl::Status PgReservationStore::Preview(const v1::PlanAllocationRequest& request,
                                         v1::PlanAllocationResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    Plan plan = PlanOn(tx, /*lock=*/false, LinesOf(request.lines()), PlaceOf(request.destination()),
                       StrategyOf(request.strategy()));
    out->set_feasible(plan.feasible);
    ToProto(plan, ProtoStrategy(request.strategy()), out->mutable_allocation(),
            out->mutable_shortfalls());
    return absl::OkStatus();
  });
}

absl::Status PgReservationStore::Reserve(const v1::ReserveStockRequest& request, int ttl_seconds,
                                         v1::Reservation* out, Outcome* outcome) {
  return Idempotent(
      pool_, request.request_id(), "ReserveStock", request, out, outcome,
      [&](pqxx::work& tx) -> absl::Status {
        pqxx::result existing = tx.exec_prepared(kFind, request.order_id());
        if (!existing.empty()) {
          if (existing[0][1].as<bool>()) {
            return WithReason(absl::StatusCode::kFailedPrecondition, "RESERVATION_RELEASED",
                              absl::StrCat("order ", request.order_id(),
                                           " was released before this reservation arrived"));
          }
          return WithReason(absl::StatusCode::kFailedPrecondition, "RESERVATION_EXISTS",
                            absl::StrCat("order ", request.order_id(),
                                         " already has a reservation (another request id)"));
        }
        Plan plan = PlanOn(tx, /*lock=*/true, LinesOf(request.lines()),
                           PlaceOf(request.destination()), StrategyOf(request.strategy()));
        v1::Allocation allocation;
        v1::InsufficientStock shortfalls;
        ToProto(plan, ProtoStrategy(request.strategy()), &allocation,
                shortfalls.mutable_shortfalls());
        if (!plan.feasible) return InsufficientStockError(shortfalls);

        std::string reservation_id;
        try {
          reservation_id = tx.exec_prepared1(kInsert, request.order_id(),
                                             absl::BytesToHexString(allocation.SerializeAsString()),
                                             ttl_seconds)[0]
                               .as<std::string>();
        } catch (const pqxx::unique_violation&) {
          // A release (tombstone) or another reserve for this order committed meanwhile.
          return absl::AbortedError("the order's reservation changed concurrently; retry");
        }
        std::vector<std::string> warehouses, skus;
        std::vector<int64_t> quantities;
        std::vector<Move> moves;
        for (const auto& group : plan.groups) {
          for (const auto& line : group.lines) {
            warehouses.push_back(group.warehouse_id);
            skus.push_back(line.sku);
            quantities.push_back(line.quantity);
            moves.push_back({line.sku, group.warehouse_id, 0, line.quantity});
          }
        }
        tx.exec_prepared(kLinesInsert, reservation_id, TextArray(warehouses), TextArray(skus),
                         NumberArray(quantities));
        auto moved = ApplyMoves(
            tx, moves, {"RESERVE", "", request.request_id(), reservation_id, request.order_id()});
        if (!moved.ok()) return moved.status();
        outcome->movements = static_cast<int>(moved->size());
        return ReadReservation(tx, request.order_id(), out);
      });
}

absl::Status PgReservationStore::Extend(const v1::ExtendReservationRequest& request,
                                        v1::Reservation* out, Outcome* outcome) {
  return Idempotent(
      pool_, request.request_id(), "ExtendReservation", request, out, outcome,
      [&](pqxx::work& tx) -> absl::Status {
        auto locked = LockReservation(tx, request.order_id());
        if (!locked) {
          return absl::NotFoundError(
              absl::StrCat("order_id: no reservation for order ", request.order_id()));
        }
        if (tx.exec_prepared(kExtend, request.order_id(), request.ttl_seconds()).empty()) {
          return NotHeld(request.order_id(), *locked);
        }
        return ReadReservation(tx, request.order_id(), out);
      });
}

absl::Status PgReservationStore::Commit(const v1::CommitReservationRequest& request,
                                        v1::Reservation* out, Outcome* outcome) {
  return Idempotent(
      pool_, request.request_id(), "CommitReservation", request, out, outcome,
      [&](pqxx::work& tx) -> absl::Status {
        auto locked = LockReservation(tx, request.order_id());
        if (!locked) {
          return absl::NotFoundError(
              absl::StrCat("order_id: no reservation for order ", request.order_id()));
        }
        if (locked->tombstone || locked->state != "HELD" || locked->past_expiry) {
          return NotHeld(request.order_id(), *locked);
        }
        // Same (warehouse, SKU) twice in one request counts as their sum.
        std::map<std::pair<std::string, std::string>, int64_t> merged;
        for (const auto& line : request.lines()) {
          merged[{line.sku(), line.warehouse_id()}] += line.quantity();
        }
        std::vector<std::string> warehouses, skus;
        std::vector<int64_t> quantities;
        std::vector<Move> moves;
        for (const auto& [key, quantity] : merged) {
          skus.push_back(key.first);
          warehouses.push_back(key.second);
          quantities.push_back(quantity);
          moves.push_back({key.first, key.second, -quantity, -quantity});
        }
        pqxx::result committed = tx.exec_prepared(kLinesCommit, locked->id, TextArray(warehouses),
                                                  TextArray(skus), NumberArray(quantities));
        if (committed.size() != merged.size()) {
          return WithReason(absl::StatusCode::kFailedPrecondition, "COMMIT_EXCEEDS_HOLD",
                            "lines: a line commits more than the reservation holds for that "
                            "warehouse and SKU");
        }
        auto moved = ApplyMoves(
            tx, moves, {"COMMIT", "", request.request_id(), locked->id, request.order_id()});
        if (!moved.ok()) return moved.status();
        outcome->movements = static_cast<int>(moved->size());
        tx.exec_prepared(kSettle, locked->id);
        return ReadReservation(tx, request.order_id(), out);
      });
}

absl::Status PgReservationStore::Release(const v1::ReleaseReservationRequest& request,
                                         v1::Reservation* out, Outcome* outcome) {
  return Idempotent(pool_, request.request_id(), "ReleaseReservation", request, out, outcome,
                    [&](pqxx::work& tx) -> absl::Status {
                      auto locked = LockReservation(tx, request.order_id());
                      if (!locked) {
                        // The compensation overtook its reserve: succeed, and leave the tombstone
                        // that refuses the reserve when it arrives.
                        tx.exec_prepared(kTombstone, request.order_id());
                        return ReadReservation(tx, request.order_id(), out);
                      }
                      if (locked->state == "HELD") {
                        auto moved = ReleaseHeld(
                            tx, locked->id, request.warehouse_id(),
                            {"RELEASE", "", request.request_id(), "", request.order_id()});
                        if (!moved.ok()) return moved.status();
                        outcome->movements = *moved;
                        tx.exec_prepared(kSettle, locked->id);
                      }
                      return ReadReservation(tx, request.order_id(), out);
                    });
}

absl::Status PgReservationStore::Get(const std::string& order_id, v1::Reservation* out) {
  return pool_.InTransaction([&](pqxx::work& tx) { return ReadReservation(tx, order_id, out); });
}

absl::Status PgReservationStore::Restock(const v1::RestockReturnRequest& request,
                                         v1::RestockReturnResponse* out, Outcome* outcome) {
  return Idempotent(
      pool_, request.request_id(), "RestockReturn", request, out, outcome,
      [&](pqxx::work& tx) -> absl::Status {
        auto warehouse_code = CheckTarget(tx, request.sku(), request.warehouse_id());
        if (!warehouse_code.ok()) return warehouse_code.status();
        EnsureLevel(tx, request.sku(), request.warehouse_id());
        int rows = 0;
        if (request.resellable_quantity() > 0) {
          auto moved = ApplyMoves(
              tx, {{request.sku(), request.warehouse_id(), request.resellable_quantity(), 0}},
              {"RESTOCK", request.note(), request.request_id(), "", request.order_id()});
          if (!moved.ok()) return moved.status();
          rows += static_cast<int>(moved->size());
        }
        if (request.damaged_quantity() > 0) {
          rows += static_cast<int>(tx.exec_prepared(kDamaged, request.sku(), request.warehouse_id(),
                                                    request.note(), request.request_id(),
                                                    request.order_id(), request.damaged_quantity())
                                       .affected_rows());
        }
        outcome->movements = rows;
        pqxx::row level = tx.exec_prepared1(kLevelGet, request.sku(), request.warehouse_id());
        auto* l = out->mutable_level();
        l->set_warehouse_id(request.warehouse_id());
        l->set_warehouse_code(*warehouse_code);
        l->set_sku(request.sku());
        l->set_on_hand(level[0].as<int64_t>());
        l->set_reserved(level[1].as<int64_t>());
        l->set_available(l->on_hand() - l->reserved());
        return absl::OkStatus();
      });
}

absl::StatusOr<Outcome> PgReservationStore::SweepExpired(int limit, int* expired) {
  Outcome outcome;
  *expired = 0;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    outcome = Outcome{};
    *expired = 0;
    for (const auto& row : tx.exec_prepared(kClaimExpired, limit)) {
      const std::string id = row[0].as<std::string>();
      auto moved = ReleaseHeld(tx, id, "",
                               {"EXPIRE", "reservation expired", "", "", row[1].as<std::string>()});
      if (!moved.ok()) return moved.status();
      outcome.movements += *moved;
      tx.exec_prepared(kExpire, id);
      ++*expired;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return outcome;
}

absl::Status PgReservationStore::CheckInvariants(std::chrono::seconds expiry_grace,
                                                 v1::CheckInvariantsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    for (const auto& row :
         tx.exec_prepared(kInvariants, static_cast<int64_t>(expiry_grace.count()))) {
      auto* violation = out->add_violations();
      violation->set_invariant(row[0].as<std::string>());
      violation->set_sku(row[1].is_null() ? "" : row[1].as<std::string>());
      violation->set_warehouse_id(row[2].is_null() ? "" : row[2].as<std::string>());
      violation->set_detail(row[3].as<std::string>());
    }
    return absl::OkStatus();
  });
}

}  // namespace oms::inventory
