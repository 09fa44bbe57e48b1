// Reservations in PostgreSQL: plan and hold, commit, release, restock, expire, and the stock
// invariants. Every mutation locks the stock rows it touches in (SKU, warehouse) order, writes
// its ledger rows and its request-id result in the same transaction.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::inventory {

// What a mutation did, for metrics: a replay of an earlier request did nothing new.
struct Outcome {
  bool replayed = false;
  int movements = 0;  // ledger rows written
};

class ReservationStore {
 public:
  virtual ~ReservationStore() = default;

  // Read only: plans on current availability.
  [[nodiscard]] virtual absl::Status Preview(const v1::PlanAllocationRequest& request,
                                             v1::PlanAllocationResponse* out) = 0;
  [[nodiscard]] virtual absl::Status Reserve(const v1::ReserveStockRequest& request,
                                             int ttl_seconds, v1::Reservation* out,
                                             Outcome* outcome) = 0;
  [[nodiscard]] virtual absl::Status Extend(const v1::ExtendReservationRequest& request,
                                            v1::Reservation* out, Outcome* outcome) = 0;
  [[nodiscard]] virtual absl::Status Commit(const v1::CommitReservationRequest& request,
                                            v1::Reservation* out, Outcome* outcome) = 0;
  [[nodiscard]] virtual absl::Status Release(const v1::ReleaseReservationRequest& request,
                                             v1::Reservation* out, Outcome* outcome) = 0;
  [[nodiscard]] virtual absl::Status Get(const std::string& order_id, v1::Reservation* out) = 0;
  [[nodiscard]] virtual absl::Status Restock(const v1::RestockReturnRequest& request,
                                             v1::RestockReturnResponse* out, Outcome* outcome) = 0;

  // Expires up to `limit` held reservations past their expiry (database clock); safe to run in
  // several replicas at once (SKIP LOCKED). Sets how many it expired.
  [[nodiscard]] virtual absl::StatusOr<Outcome> SweepExpired(int limit, int* expired) = 0;

  // RELIABILITY.md I1 to I3 on this database. `expiry_grace`: how far past its expiry a held
  // reservation may be before it counts (two sweep intervals).
  [[nodiscard]] virtual absl::Status CheckInvariants(std::chrono::seconds expiry_grace,
                                                     v1::CheckInvariantsResponse* out) = 0;
};

class PgReservationStore : public ReservationStore {
 public:
  explicit PgReservationStore(PgPool& pool) : pool_(pool) {}

  static const std::vector<PreparedStatement>& Statements();

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
  absl::Status Get(const std::string& order_id, v1::Reservation* out) override;
  absl::Status Restock(const v1::RestockReturnRequest& request, v1::RestockReturnResponse* out,
                       Outcome* outcome) override;
  absl::StatusOr<Outcome> SweepExpired(int limit, int* expired) override;
  absl::Status CheckInvariants(std::chrono::seconds expiry_grace,
                               v1::CheckInvariantsResponse* out) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::inventory
