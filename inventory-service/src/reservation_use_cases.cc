#include "inventory-service/src/reservation_use_cases.h"

#include <algorithm>
#include <functional>
#include <set>

#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/pg_pool.h"
#include "inventory-service/src/allocation_mapping.h"
#include "inventory-service/src/audit_store.h"
#include "inventory-service/src/backorder_fills.h"
#include "inventory-service/src/backorder_policy.h"
#include "inventory-service/src/backorder_queue.h"
#include "inventory-service/src/catalog_store.h"
#include "inventory-service/src/invariant_store.h"
#include "inventory-service/src/reservation_rules.h"
#include "inventory-service/src/reservation_store.h"
#include "inventory-service/src/short_pick.h"
#include "inventory-service/src/stock_ledger.h"
#include "inventory-service/src/stock_store.h"

namespace oms::inventory {
namespace {

using Planner = std::function<Plan(const std::vector<Line>&)>;

// The one planner of the preview, a reserve, a short pick and an order edit: plans lines on the
// current availability of their SKUs, for a request's destination and strategy. With `lock` it
// locks the stock rows it reads (ReadCandidates), so that the plan still holds when it is
// written; the `excluded` warehouses are left out (a short pick's).
Planner PlannerOn(pqxx::work& tx, const v1::Destination& destination,
                  v1::AllocationStrategy strategy, bool lock, std::set<std::string> excluded = {}) {
  return [&tx, place = PlaceOf(destination), planned_by = StrategyOf(strategy), lock,
          left_out = std::move(excluded)](const std::vector<Line>& lines) {
    return PlanAllocation(lines, place, planned_by, ReadCandidates(tx, SkusOf(lines), lock),
                          left_out);
  };
}

// `full`, the plan of `lines`, when feasible or when only all of them will do; else the plan of
// what the warehouses have (HoldableLines), which holds nothing when there is none or the
// strategy finds no plan for it either (one warehouse for everything). A reserve's policies
// decide what becomes of what it leaves out (DecideShortfalls).
Plan FullOrWhatThereIs(const Planner& plan_of, const std::vector<Line>& lines, const Plan& full,
                       bool partly) {
  if (full.feasible || !partly) return full;
  const std::vector<Line> holdable = HoldableLines(lines, full.shortfalls);
  Plan plan = holdable.empty() ? Plan{true, {}, {}} : plan_of(holdable);
  return plan.feasible ? plan : Plan{true, {}, {}};
}

// `lines` into `out` (which a retried transaction may have filled).
void SetOrderLines(const std::vector<Line>& lines,
                   google::protobuf::RepeatedPtrField<v1::OrderLine>* out) {
  out->Clear();
  for (const Line& line : lines) {
    auto* order_line = out->Add();
    order_line->set_sku(line.sku);
    order_line->set_quantity(line.quantity);
  }
}

// The order's reservation, locked, if it may be committed or extended (CheckHeld).
absl::StatusOr<ReservationHead> LockHeld(pqxx::work& tx, const std::string& order_id) {
  auto head = LockReservation(tx, order_id);
  if (!head) return NoReservation(order_id);
  if (absl::Status held = CheckHeld(order_id, *head); !held.ok()) return held;
  return *head;
}

// The SKUs of `quantities`, each once.
std::vector<std::string> SkusOf(const std::vector<LineQuantity>& quantities) {
  std::set<std::string> skus;
  for (const auto& q : quantities) skus.insert(q.sku);
  return {skus.begin(), skus.end()};
}

// The policy each SKU of a reserve's `lines` follows when short (ShortfallPolicies); the
// products are read only when the request's policies depend on them.
SkuPolicies ShortfallPoliciesOf(pqxx::work& tx, const v1::ReserveStockRequest& request,
                                const std::vector<Line>& lines) {
  const SkuPolicies products =
      DependsOnProducts(request) ? ReadBackorderPolicies(tx, SkusOf(lines)) : SkuPolicies{};
  return ShortfallPolicies(request, lines, products);
}

// `lines` with the same SKU merged, in the order each SKU first appears: one queue row per SKU.
std::vector<Line> MergedLines(const std::vector<Line>& lines) {
  std::vector<Line> merged;
  for (const Line& line : lines) {
    auto same = std::find_if(merged.begin(), merged.end(),
                             [&](const Line& m) { return m.sku == line.sku; });
    if (same == merged.end()) {
      merged.push_back(line);
    } else {
      same->quantity += line.quantity;
    }
  }
  return merged;
}

// Frees what the reservation holds (in one warehouse, or all when `warehouse_id` is empty) with
// ledger rows of `ledger`, and, with `cancel_queue`, takes the order's queued units off the
// backorder queue; then the freed units fill the queues of their SKUs (`filled`, for
// RecordFills). Adds what it did to `outcome`.
absl::Status ReleaseHeld(pqxx::work& tx, const std::string& reservation_id,
                         const std::string& warehouse_id,
                         const google::protobuf::RepeatedPtrField<v1::OrderLine>& only,
                         const LedgerContext& ledger, bool cancel_queue, Outcome* outcome,
                         std::vector<FilledUnits>* filled) {
  const std::vector<LineQuantity> freed =
      ReleaseQuantities(ReadLines(tx, reservation_id), warehouse_id, only);
  // Before the levels: backorder rows are locked before stock levels, as a fill takes them.
  LockBackorderQueues(tx, SkusOf(freed));
  if (cancel_queue) {
    for (const Line& line : CancelQueued(tx, ledger.order_id)) {
      outcome->cancelled_units += line.quantity;
    }
  }
  AddReleased(tx, reservation_id, freed);
  auto moved = ApplyMoves(tx, MovesOf(ledger.kind, freed), ledger);
  if (!moved.ok()) return moved.status();
  outcome->movements += static_cast<int>(moved->size());
  return FillEach(tx, freed, ledger.request_id, outcome, filled);
}

// Holds `held` in the existing reservation of `ledger`, as a reserve holds: each of its lines
// grows (or is added, for a (warehouse, SKU) it lacks) and so does each level's reserved, with
// a RESERVE ledger row of `ledger`; returns the rows written. The caller holds the
// reservation's lock and planned `held` on locked levels.
absl::StatusOr<int> HoldInReservation(pqxx::work& tx, LedgerContext ledger,
                                      const std::vector<LineQuantity>& held) {
  ledger.kind = MovementKind::kReserve;
  AddHeld(tx, ledger.reservation_id, held);
  auto moved = ApplyMoves(tx, MovesOf(MovementKind::kReserve, held), ledger);
  if (!moved.ok()) return moved.status();
  return static_cast<int>(moved->size());
}

// A short pick's moves, all on the reservation of `ledger`: releases and writes off `missing` at
// the warehouse that could not pick them, then holds `held` in their place; returns the ledger
// rows written. The release goes first: on hand may fall only as far as reserved falls with it.
absl::StatusOr<int> MoveShortPick(pqxx::work& tx, const LedgerContext& ledger,
                                  const std::vector<LineQuantity>& missing,
                                  const std::vector<LineQuantity>& held) {
  std::vector<LineQuantity> written_off = missing;
  for (auto& line : written_off) line.quantity = -line.quantity;
  const std::string from = missing.empty() ? "" : missing.front().warehouse_id;
  AddReleased(tx, ledger.reservation_id, missing);
  int rows = 0;
  auto apply = [&](MovementKind kind, const std::vector<LineQuantity>& quantities,
                   std::string reason) -> absl::Status {
    LedgerContext context = ledger;
    context.kind = kind;
    context.reason = std::move(reason);
    auto moved = ApplyMoves(tx, MovesOf(kind, quantities), context);
    if (!moved.ok()) return moved.status();
    rows += static_cast<int>(moved->size());
    return absl::OkStatus();
  };
  absl::Status status = apply(MovementKind::kRelease, missing, kShortPickReason);
  if (status.ok()) status = apply(MovementKind::kCorrection, written_off, kShortPickReason);
  if (!status.ok()) return status;
  LedgerContext in_place = ledger;
  in_place.reason = absl::StrCat("short pick: held in place of units not found at ", from);
  auto reserved = HoldInReservation(tx, std::move(in_place), held);
  if (!reserved.ok()) return reserved.status();
  return rows + *reserved;
}

}  // namespace

absl::Status PgReservationUseCases::Preview(const v1::PlanAllocationRequest& request,
                                            v1::PlanAllocationResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    const Plan plan = PlannerOn(tx, request.destination(), request.strategy(),
                                /*lock=*/false)(LinesOf(request.lines()));
    out->set_feasible(plan.feasible);
    ToProto(plan, ProtoStrategy(request.strategy()), out->mutable_allocation(),
            out->mutable_shortfalls());
    return absl::OkStatus();
  });
}

absl::Status PgReservationUseCases::Reserve(const v1::ReserveStockRequest& request, int ttl_seconds,
                                            v1::Reservation* out, Outcome* outcome) {
  *outcome = Outcome{};
  const std::string& order_id = request.order_id();
  return pool_.InTransaction([&](pqxx::work& tx) {
    auto reserve = [&]() -> absl::Status {
      absl::Status reservable = CheckReservable(order_id, FindReservation(tx, order_id));
      if (!reservable.ok()) return reservable;
      // One line per SKU: a SKU short is one shortfall, one unfilled line or one queue row (the
      // planner merges them anyway).
      const std::vector<Line> lines = MergedLines(LinesOf(request.lines()));
      const Planner plan_of =
          PlannerOn(tx, request.destination(), request.strategy(), /*lock=*/true);
      const Plan full = plan_of(lines);
      // Policies only matter for SKUs short: an order the shelves hold reads no product.
      const SkuPolicies policies =
          full.feasible ? SkuPolicies{} : ShortfallPoliciesOf(tx, request, lines);
      const Plan plan = FullOrWhatThereIs(plan_of, lines, full, TakesWhatThereIs(policies));
      const ShortfallDecision decision = DecideShortfalls(lines, full, plan, policies);
      if (!decision.refused.empty()) {
        return InsufficientStockError(InsufficientStockOf(decision.refused));
      }
      v1::Allocation allocation;
      google::protobuf::RepeatedPtrField<v1::Shortfall> none;
      ToProto(plan, ProtoStrategy(request.strategy()), &allocation, &none);
      SetOrderLines(decision.unfilled, allocation.mutable_unfilled());
      SetOrderLines(decision.backordered, allocation.mutable_backordered());
      auto id =
          InsertReservation(tx, order_id, v1::RESERVATION_STATE_HELD, allocation, ttl_seconds);
      if (!id.ok()) return id.status();
      const std::vector<LineQuantity> held = HeldByPlan(plan);
      InsertLines(tx, *id, held);
      auto moved = ApplyMoves(tx, MovesOf(MovementKind::kReserve, held),
                              {MovementKind::kReserve, "", request.request_id(), *id, order_id});
      if (!moved.ok()) return moved.status();
      outcome->movements = static_cast<int>(moved->size());
      // Behind every row queued before; new rows wait for no lock, so the order of the locks
      // (levels above, then queue rows) cannot deadlock with a fill.
      Enqueue(tx, order_id, decision.backordered);
      outcome->queued_units = 0;
      for (const Line& line : decision.backordered) outcome->queued_units += line.quantity;
      return ReadReservation(tx, order_id, out);
    };
    return RunOnce(tx, request.request_id(), "ReserveStock", request, out, reserve,
                   &outcome->replayed);
  });
}

absl::Status PgReservationUseCases::Extend(const v1::ExtendReservationRequest& request,
                                           v1::Reservation* out, Outcome* outcome) {
  *outcome = Outcome{};
  return pool_.InTransaction([&](pqxx::work& tx) {
    auto extend = [&]() -> absl::Status {
      auto head = LockHeld(tx, request.order_id());
      if (!head.ok()) return head.status();
      SetExpiry(tx, head->id, request.ttl_seconds());
      return ReadReservation(tx, request.order_id(), out);
    };
    return RunOnce(tx, request.request_id(), "ExtendReservation", request, out, extend,
                   &outcome->replayed);
  });
}

absl::Status PgReservationUseCases::Commit(const v1::CommitReservationRequest& request,
                                           v1::Reservation* out, Outcome* outcome) {
  *outcome = Outcome{};
  return pool_.InTransaction([&](pqxx::work& tx) {
    auto commit = [&]() -> absl::Status {
      auto head = LockHeld(tx, request.order_id());
      if (!head.ok()) return head.status();
      auto shipped = CommitQuantities(ReadLines(tx, head->id), request.lines());
      if (!shipped.ok()) return shipped.status();
      AddCommitted(tx, head->id, *shipped);
      auto moved = ApplyMoves(
          tx, MovesOf(MovementKind::kCommit, *shipped),
          {MovementKind::kCommit, "", request.request_id(), head->id, request.order_id()});
      if (!moved.ok()) return moved.status();
      outcome->movements = static_cast<int>(moved->size());
      Settle(tx, head->id, request.order_id());
      return ReadReservation(tx, request.order_id(), out);
    };
    return RunOnce(tx, request.request_id(), "CommitReservation", request, out, commit,
                   &outcome->replayed);
  });
}

absl::Status PgReservationUseCases::Release(const v1::ReleaseReservationRequest& request,
                                            v1::Reservation* out, Outcome* outcome) {
  *outcome = Outcome{};
  return pool_.InTransaction([&](pqxx::work& tx) {
    auto release = [&]() -> absl::Status {
      *outcome = Outcome{};  // a retried transaction starts again
      std::vector<FilledUnits> filled;
      auto head = LockReservation(tx, request.order_id());
      if (!head) {
        // The compensation overtook its reserve: succeed, and leave the tombstone that refuses
        // the reserve when it arrives.
        InsertTombstone(tx, request.order_id());
      } else if (MayRelease(*head)) {
        // Everything: the order's compensation, which also takes its queued units off the
        // queue. One warehouse's (a cancelled shipment) leaves the queue as it is.
        absl::Status released = ReleaseHeld(
            tx, head->id, request.warehouse_id(), request.lines(),
            {MovementKind::kRelease, "", request.request_id(), head->id, request.order_id()},
            /*cancel_queue=*/request.warehouse_id().empty(), outcome, &filled);
        if (!released.ok()) return released;
        Settle(tx, head->id, request.order_id());
      }
      absl::Status read = ReadReservation(tx, request.order_id(), out);
      if (read.ok()) RecordFills(tx, filled);
      return read;
    };
    return RunOnce(tx, request.request_id(), "ReleaseReservation", request, out, release,
                   &outcome->replayed);
  });
}

absl::Status PgReservationUseCases::Resource(const v1::ResourceReservationRequest& request,
                                             v1::ResourceReservationResponse* out,
                                             Outcome* outcome) {
  *outcome = Outcome{};
  const std::string& order_id = request.order_id();
  const std::string from = absl::AsciiStrToLower(request.from_warehouse_id());
  return pool_.InTransaction([&](pqxx::work& tx) {
    auto resource = [&]() -> absl::Status {
      auto head = LockReservation(tx, order_id);
      if (absl::Status held = CheckResourceable(order_id, head); !held.ok()) return held;
      auto missing = ShortPickQuantities(ReadLines(tx, head->id), from, request.lines());
      if (!missing.ok()) return missing.status();
      const std::vector<Line> lines = LinesOf(request.lines());
      LockLevels(tx, SkusOf(lines));
      const Planner plan_of =
          PlannerOn(tx, request.destination(), request.strategy(), /*lock=*/true, {from});
      const Plan plan =
          FullOrWhatThereIs(plan_of, lines, plan_of(lines), request.cancel_unavailable());
      SetOrderLines(UnheldLines(lines, plan), out->mutable_cancelled());
      v1::Allocation moved;
      v1::InsufficientStock shortfalls;
      ToProto(plan, ProtoStrategy(request.strategy()), &moved, shortfalls.mutable_shortfalls());
      if (!plan.feasible) return InsufficientStockError(shortfalls);
      v1::Reservation before;
      if (absl::Status read = ReadReservation(tx, order_id, &before); !read.ok()) return read;
      auto rows = MoveShortPick(
          tx, {MovementKind::kRelease, kShortPickReason, request.request_id(), head->id, order_id},
          *missing, HeldByPlan(plan));
      if (!rows.ok()) return rows.status();
      outcome->movements = *rows;
      SetAllocation(tx, head->id,
                    ReallocatedAllocation(before.allocation(), from, *missing, moved));
      *out->mutable_allocation() = std::move(moved);
      return ReadReservation(tx, order_id, out->mutable_reservation());
    };
    return RunOnce(tx, request.request_id(), "ResourceReservation", request, out, resource,
                   &outcome->replayed);
  });
}

absl::Status PgReservationUseCases::Add(const v1::AddToReservationRequest& request,
                                        v1::AddToReservationResponse* out, Outcome* outcome) {
  *outcome = Outcome{};
  const std::string& order_id = request.order_id();
  return pool_.InTransaction([&](pqxx::work& tx) {
    auto add = [&]() -> absl::Status {
      // The reservation's lock first, then the levels (in the planner): the order every
      // reservation path takes.
      auto head = LockHeld(tx, order_id);
      if (!head.ok()) return head.status();
      const Plan plan = PlannerOn(tx, request.destination(), request.strategy(),
                                  /*lock=*/true)(LinesOf(request.lines()));
      v1::Allocation added;
      v1::InsufficientStock shortfalls;
      ToProto(plan, ProtoStrategy(request.strategy()), &added, shortfalls.mutable_shortfalls());
      if (!plan.feasible) return InsufficientStockError(shortfalls);
      v1::Reservation before;
      if (absl::Status read = ReadReservation(tx, order_id, &before); !read.ok()) return read;
      auto rows = HoldInReservation(
          tx, {MovementKind::kReserve, "", request.request_id(), head->id, order_id},
          HeldByPlan(plan));
      if (!rows.ok()) return rows.status();
      outcome->movements = *rows;
      SetAllocation(tx, head->id, AllocationWithAdded(before.allocation(), added));
      *out->mutable_allocation() = std::move(added);
      return ReadReservation(tx, order_id, out->mutable_reservation());
    };
    return RunOnce(tx, request.request_id(), "AddToReservation", request, out, add,
                   &outcome->replayed);
  });
}

absl::Status PgReservationUseCases::CancelBackorders(const v1::CancelBackordersRequest& request,
                                                     v1::CancelBackordersResponse* out,
                                                     Outcome* outcome) {
  *outcome = Outcome{};
  return pool_.InTransaction([&](pqxx::work& tx) {
    auto cancel = [&]() -> absl::Status {
      *outcome = Outcome{};
      out->Clear();
      // Queue rows change under their order's reservation lock (backorder_queue.h); an order
      // without a reservation has nothing queued.
      auto head = LockReservation(tx, request.order_id());
      if (!head) return absl::OkStatus();
      for (const Line& line : CancelQueued(tx, request.order_id())) {
        auto* cancelled = out->add_cancelled();
        cancelled->set_sku(line.sku);
        cancelled->set_quantity(line.quantity);
        outcome->cancelled_units += line.quantity;
      }
      if (MayRelease(*head)) Settle(tx, head->id, request.order_id());
      return absl::OkStatus();
    };
    return RunOnce(tx, request.request_id(), "CancelBackorders", request, out, cancel,
                   &outcome->replayed);
  });
}

absl::Status PgReservationUseCases::ListBackorderFills(int64_t after_sequence, int page_size,
                                                       v1::ListBackorderFillsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    ReadFills(tx, after_sequence, page_size, out);
    return absl::OkStatus();
  });
}

absl::Status PgReservationUseCases::Get(const std::string& order_id, v1::Reservation* out) {
  return pool_.InTransaction([&](pqxx::work& tx) { return ReadReservation(tx, order_id, out); });
}

absl::StatusOr<Outcome> PgReservationUseCases::SweepExpired(int limit, int* expired) {
  Outcome outcome;
  *expired = 0;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    outcome = Outcome{};
    *expired = 0;
    std::vector<FilledUnits> filled;
    for (const auto& reservation : ClaimExpired(tx, limit)) {
      // An expiry frees units as a release does: they fill the queues of their SKUs.
      absl::Status released = ReleaseHeld(
          tx, reservation.id, "", {},
          {MovementKind::kExpire, "reservation expired", "", reservation.id, reservation.order_id},
          /*cancel_queue=*/false, &outcome, &filled);
      if (!released.ok()) return released;
      SetState(tx, reservation.id, v1::RESERVATION_STATE_EXPIRED);
      ++*expired;
    }
    RecordFills(tx, filled);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return outcome;
}

absl::Status PgReservationUseCases::CheckInvariants(std::chrono::seconds expiry_grace,
                                                    v1::CheckInvariantsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    ReadViolations(tx, expiry_grace, out);
    return absl::OkStatus();
  });
}

absl::Status PgReservationUseCases::AuditOrderFacts(const AuditPage& page,
                                                    v1::AuditOrderFactsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    ReadAuditPage(tx, page, out);
    return absl::OkStatus();
  });
}

}  // namespace oms::inventory
