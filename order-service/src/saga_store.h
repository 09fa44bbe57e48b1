// The sagas' durable state, as the coordinator sees it: claim due sagas under a lease, save each
// step's outcome, count what is open. It knows no saga kind: a saga's kind is a name and its own
// state an opaque payload, both interpreted by the kind's definition (sagas/saga_kind.h).
//
// Saga writes are fenced by the lease epoch the writer claimed, so a replica that lost its lease
// (paused, slow, partitioned) can no longer write.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oms/order/v1/order.pb.h"
#include "order-service/src/saga.h"

namespace oms::order {

// A saga this replica holds the lease of, and what its steps need to know.
struct ClaimedSaga {
  std::string owner;    // the replica that holds the lease
  std::string kind;     // the name of its kind, e.g. "ORDER" (sagas/registry.h)
  std::string payload;  // the kind's own state, serialized by the kind (e.g. a CancelPlan)
  std::string saga_id;
  std::string order_id;
  int64_t epoch = 0;
  SagaState state;
  v1::Order order;  // the captured order with what its sagas learned so far
  std::string payment_token;
};

// The lease a new saga is inserted under, so that the replica that starts it drives it without
// claiming it first; none when `owner` is empty.
struct SagaLease {
  std::string owner;
  std::chrono::seconds duration{0};
};

// A lease this replica holds: the saga and the epoch it claimed it with.
struct HeldLease {
  std::string saga_id;
  int64_t epoch = 0;
};

// The journal row of one call (or operator action).
struct JournalEntry {
  std::string step;
  std::string action;  // FORWARD, COMPENSATE
  std::string request_id;
  std::string outcome;  // OK, TRANSIENT, REFUSED
  std::string detail;
};

// Sagas not yet final, grouped for the coordinator's gauges.
struct SagaCount {
  std::string kind;
  int step = 0;
  SagaPhase phase = SagaPhase::kRunning;
  int64_t count = 0;
  double oldest_seconds = 0;  // age of the oldest of them
};

// What the order saga learned at a step, written with the order's lifecycle status. A field
// left empty keeps what the order has.
struct OrderProgress {
  std::string order_id;
  v1::OrderStatus status = v1::ORDER_STATUS_UNSPECIFIED;
  std::string rejection_reason;
  const inventory::v1::Allocation* allocation = nullptr;
  const google::protobuf::RepeatedPtrField<v1::ShipmentSummary>* shipments = nullptr;
  std::string payment_id;
};

// The writes a saga kind's hooks make in the transaction that saves a step (SaveStep), so the
// saga's state and their effect on the order commit together or not at all.
class SagaWrites {
 public:
  virtual ~SagaWrites() = default;
  // The order's lifecycle status (with its history row) and what the order saga learned.
  virtual void RecordOrderProgress(const OrderProgress& progress) = 0;
  // A cancellation that cancelled every shipment: the order is CANCELLED.
  virtual void MarkOrderCancelled(const std::string& order_id) = 0;
  // A saga of the order parked: the order's attention flag is set (its status is untouched).
  virtual void FlagOrderAttention(const std::string& order_id) = 0;
  // After an operator's action: the flag stays set while any saga of the order is still parked.
  virtual void RecountOrderAttention(const std::string& order_id) = 0;
  // A DELIVERED order whose follow-up sagas are all done becomes COMPLETED.
  virtual void CompleteOrderIfDone(const std::string& order_id) = 0;
  // The saga's own state (its payload), e.g. a cancellation's progress.
  virtual void SetSagaPayload(const std::string& saga_id, const std::string& payload) = 0;
  // Shipments a saga made after the order saga's (a short pick re-sourced): listed with the
  // order's shipments (one listed already, by an event or as the short-picked one, gains what
  // `shipments` say: where it was re-sourced from, its lines, its cancelled units), and the
  // order's status derived again.
  virtual void ListShipments(const std::string& order_id,
                             const std::vector<v1::ShipmentSummary>& shipments) = 0;
  // What was still queued for the order's backorders is cancelled (CANCEL saga): the order no
  // longer waits for it, and its status is derived again. Answers the order's backorders as
  // they now stand (the fills taken in up to this moment stay the order's).
  virtual v1::BackorderState CancelBackorders(const std::string& order_id) = 0;
  // An edit took effect (EDIT saga, its pivot): `edited` (its lines, totals, allocation and
  // version) is the order now; the version before it and this one are kept (order_versions),
  // and the order's SKUs indexed.
  virtual void AdoptOrderVersion(const std::string& order_id, const v1::Order& edited) = 0;
  // A parcel returned to sender was refunded (REFUND saga): it no longer counts in the order's
  // status, which is derived again.
  virtual void MarkParcelRefunded(const std::string& order_id, const std::string& shipment_id) = 0;
  // A return's progress, kept with the return.
  virtual void UpdateReturn(const v1::Return& ret) = 0;
  // A received return is refunded; the order's return status follows all its returns.
  virtual void FinishReceipt(const v1::Return& ret) = 0;
};

class SagaStore {
 public:
  virtual ~SagaStore() = default;
  // Takes the lease of up to `limit` sagas that are due and not leased; `saga_id` non-empty
  // claims that one saga only (if due and free).
  [[nodiscard]] virtual absl::StatusOr<std::vector<ClaimedSaga>> Claim(
      const std::string& owner, std::chrono::seconds lease, int limit,
      const std::string& saga_id) = 0;
  // In one transaction: the saga's next state, the journal entry and `writes` (the kind's hook).
  // Renews the lease, or releases it when the saga is final, parked or waits `retry_after`
  // (> 0) to retry. ABORTED with reason LEASE_LOST when another replica holds the saga now.
  [[nodiscard]] virtual absl::Status SaveStep(const ClaimedSaga& saga, const SagaState& next,
                                              const JournalEntry& entry,
                                              std::chrono::milliseconds retry_after,
                                              std::chrono::seconds lease,
                                              const std::function<void(SagaWrites&)>& writes) = 0;
  // Gives the lease up at once, so another replica may take the saga now rather than when the
  // lease expires (a replica stopping). ABORTED with reason LEASE_LOST when another holds it.
  [[nodiscard]] virtual absl::Status ReleaseLease(const ClaimedSaga& saga) = 0;
  // Extends by `lease` from now each of `held` that `owner` still holds as claimed (same epoch,
  // neither expired nor given up), so a step whose calls outlast the lease keeps its saga; a
  // lease lost or given up stays so.
  [[nodiscard]] virtual absl::Status RenewLeases(const std::string& owner,
                                                 const std::vector<HeldLease>& held,
                                                 std::chrono::seconds lease) = 0;
  // Running, compensating and parked sagas by kind, step and phase.
  [[nodiscard]] virtual absl::StatusOr<std::vector<SagaCount>> CountOpenSagas() = 0;
};

// The operators' commands on parked sagas.
class SagaOperations {
 public:
  virtual ~SagaOperations() = default;
  // The sagas in NEEDS_ATTENTION, longest parked first.
  [[nodiscard]] virtual absl::Status ListStuckSagas(int limit, v1::ListStuckSagasResponse* out) = 0;
  // RetrySaga (resume) and ResolveSaga (end by hand) of a NEEDS_ATTENTION saga. NOT_FOUND for
  // an unknown saga; FAILED_PRECONDITION / SAGA_NOT_PARKED for any saga not parked.
  [[nodiscard]] virtual absl::Status OperateSaga(const std::string& saga_id, bool resolve,
                                                 const std::string& note, v1::Saga* out) = 0;
};

}  // namespace oms::order
