// The use cases of reservations: what the handlers and the expiry sweeper call. Each runs in one
// transaction that locks the stock rows it touches in (SKU, warehouse) order and writes its
// ledger rows, and for a mutation its request-id answer (oms::RunOnce), with its effect. The
// decisions come from the planner (allocation.h) and reservation_rules.h, the SQL from the
// *_store.h files. Handler tests use a fake.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/audit_page.h"
#include "inventory-service/src/outcome.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms {
class PgPool;
}

namespace oms::inventory {

class ReservationUseCases {
 public:
  virtual ~ReservationUseCases() = default;

  // Read only: plans on current availability.
  [[nodiscard]] virtual absl::Status Preview(const v1::PlanAllocationRequest& request,
                                             v1::PlanAllocationResponse* out) = 0;
  // Plans and holds all lines or none; or, where the request's backorder policies allow it
  // (backorder_policy.h), what there is, doing without or queuing the rest per SKU.
  // FAILED_PRECONDITION: INSUFFICIENT_STOCK (with the InsufficientStock payload),
  // RESERVATION_EXISTS, RESERVATION_RELEASED (a release came first).
  [[nodiscard]] virtual absl::Status Reserve(const v1::ReserveStockRequest& request,
                                             int ttl_seconds, v1::Reservation* out,
                                             Outcome* outcome) = 0;
  // NOT_FOUND without a reservation; FAILED_PRECONDITION RESERVATION_NOT_HELD unless it is held
  // and not past its expiry.
  [[nodiscard]] virtual absl::Status Extend(const v1::ExtendReservationRequest& request,
                                            v1::Reservation* out, Outcome* outcome) = 0;
  // Ships held lines; the reservation ends COMMITTED or RELEASED once it holds nothing. As Extend,
  // and FAILED_PRECONDITION COMMIT_EXCEEDS_HOLD when a line asks for more than is held.
  [[nodiscard]] virtual absl::Status Commit(const v1::CommitReservationRequest& request,
                                            v1::Reservation* out, Outcome* outcome) = 0;
  // Frees what a held reservation holds (in one warehouse, or all); anything else is answered as
  // it is. With no reservation yet, leaves a tombstone that refuses the late reserve.
  [[nodiscard]] virtual absl::Status Release(const v1::ReleaseReservationRequest& request,
                                             v1::Reservation* out, Outcome* outcome) = 0;
  // A short pick (short_pick.h): the units the from-warehouse's picker could not find are
  // released and written off there and held at other warehouses instead, all lines or none; the
  // reservation stays HELD with its allocation saying where its units are now. NOT_FOUND
  // without a HELD reservation (CheckResourceable); FAILED_PRECONDITION RESERVATION_LINE_SHORT,
  // or INSUFFICIENT_STOCK (with the InsufficientStock payload) as Reserve refuses.
  [[nodiscard]] virtual absl::Status Resource(const v1::ResourceReservationRequest& request,
                                              v1::ResourceReservationResponse* out,
                                              Outcome* outcome) = 0;
  // An order edit's added units: planned as Reserve plans and held in the order's reservation,
  // all lines or none; its lines grow (a new line where it held none of the SKU at that
  // warehouse), its allocation gains them, its expiry stays. NOT_FOUND without a reservation;
  // FAILED_PRECONDITION RESERVATION_NOT_HELD as Extend, or INSUFFICIENT_STOCK (with the
  // InsufficientStock payload) as Reserve refuses.
  [[nodiscard]] virtual absl::Status Add(const v1::AddToReservationRequest& request,
                                         v1::AddToReservationResponse* out, Outcome* outcome) = 0;
  // Takes what is still queued for the order off the backorder queue (nothing, for an order
  // without a reservation or queued units) and answers it per SKU; then settles the reservation
  // if it holds nothing any more.
  [[nodiscard]] virtual absl::Status CancelBackorders(const v1::CancelBackordersRequest& request,
                                                      v1::CancelBackordersResponse* out,
                                                      Outcome* outcome) = 0;
  // Read only: up to `page_size` backorder fills after `after_sequence`, and the head.
  [[nodiscard]] virtual absl::Status ListBackorderFills(int64_t after_sequence, int page_size,
                                                        v1::ListBackorderFillsResponse* out) = 0;
  // NOT_FOUND without a reservation.
  [[nodiscard]] virtual absl::Status Get(const std::string& order_id, v1::Reservation* out) = 0;

  // Expires up to `limit` held reservations past their expiry (database clock), but none whose
  // order still has units queued; safe to run in several replicas at once (SKIP LOCKED). Sets
  // how many it expired. The units it frees fill the backorder queues.
  [[nodiscard]] virtual absl::StatusOr<Outcome> SweepExpired(int limit, int* expired) = 0;

  // RELIABILITY.md I1 to I3 on this database. `expiry_grace`: how far past its expiry a held
  // reservation may be before it counts (two sweep intervals).
  [[nodiscard]] virtual absl::Status CheckInvariants(std::chrono::seconds expiry_grace,
                                                     v1::CheckInvariantsResponse* out) = 0;
  // Read only: the reservations of a page of orders, for the cross-service invariant check.
  [[nodiscard]] virtual absl::Status AuditOrderFacts(const AuditPage& page,
                                                     v1::AuditOrderFactsResponse* out) = 0;
};

class PgReservationUseCases : public ReservationUseCases {
 public:
  explicit PgReservationUseCases(PgPool& pool) : pool_(pool) {}

  absl::Status Preview(const v1::PlanAllocationRequest& request,
                       v1::PlanAllocationResponse* out) override;
  absl::Status Reserve(const v1::ReserveStockRequest& request, int ttl_seconds,
                       v1::Reservation* out, Outcome* outcome) override;
  absl::Status Extend(const v1::ExtendReservationRequest& request, v1::Reservation* out,
                      Outcome* outcome) override;
  absl::Status Commit(const v1::CommitReservationRequest& request, v1::Reservation* out,
                      Outcome* outcome) override;
  absl::Status Release(const v1::ReleaseReservationRequest& request, v1::Reservation* out,
                       Outcome* outcome) override;
  absl::Status Resource(const v1::ResourceReservationRequest& request,
                        v1::ResourceReservationResponse* out, Outcome* outcome) override;
  absl::Status Add(const v1::AddToReservationRequest& request, v1::AddToReservationResponse* out,
                   Outcome* outcome) override;
  absl::Status CancelBackorders(const v1::CancelBackordersRequest& request,
                                v1::CancelBackordersResponse* out, Outcome* outcome) override;
  absl::Status ListBackorderFills(int64_t after_sequence, int page_size,
                                  v1::ListBackorderFillsResponse* out) override;
  absl::Status Get(const std::string& order_id, v1::Reservation* out) override;
  absl::StatusOr<Outcome> SweepExpired(int limit, int* expired) override;
  absl::Status CheckInvariants(std::chrono::seconds expiry_grace,
                               v1::CheckInvariantsResponse* out) override;
  absl::Status AuditOrderFacts(const AuditPage& page, v1::AuditOrderFactsResponse* out) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::inventory
