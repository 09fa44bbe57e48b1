// The saga store on PostgreSQL (table sagas and its journal), and the operators' commands on
// parked sagas (saga_store.h).
#pragma once

#include <string>
#include <vector>

#include "order-service/src/saga_store.h"

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace pqxx {
class row;
}  // namespace pqxx

// The columns of a saga row `s`; with its kind's payload and its order row `o`, those
// ReadClaimedSaga reads by these names: what a claim, or an insert under a lease, returns.
#define OMS_SAGA_COLUMNS                                                                         \
  "s.id, s.order_id, s.kind, s.phase, s.step, s.attempts, s.failure_reason, s.parked_from, "     \
  "s.retries, (extract(epoch FROM s.failing_since) * 1000000)::bigint AS failing_since_micros, " \
  "s.lease_epoch, (extract(epoch FROM s.updated_at) * 1000000)::bigint AS updated_micros"
#define OMS_CLAIMED_SAGA_COLUMNS                                      \
  OMS_SAGA_COLUMNS                                                    \
  ", encode(s.payload, 'hex') AS payload, "                           \
  "encode(o.snapshot, 'hex') AS snapshot, o.payment_token, "          \
  "encode(o.allocation, 'hex') AS allocation, "                       \
  "encode(o.shipments, 'hex') AS shipments, o.payment_id, o.status, " \
  "encode(o.backorders, 'hex') AS backorders, o.version"

namespace oms::order {

// The saga `owner` holds, from a row of OMS_CLAIMED_SAGA_COLUMNS.
ClaimedSaga ReadClaimedSaga(const pqxx::row& row, const std::string& owner);

class PgSagaStore final : public SagaStore, public SagaOperations {
 public:
  explicit PgSagaStore(PgPool& pool) : pool_(pool) {}
  static const std::vector<PreparedStatement>& Statements();

  [[nodiscard]] absl::StatusOr<std::vector<ClaimedSaga>> Claim(const std::string& owner,
                                                               std::chrono::seconds lease,
                                                               int limit,
                                                               const std::string& saga_id) override;
  [[nodiscard]] absl::Status SaveStep(const ClaimedSaga& saga, const SagaState& next,
                                      const JournalEntry& entry,
                                      std::chrono::milliseconds retry_after,
                                      std::chrono::seconds lease,
                                      const std::function<void(SagaWrites&)>& writes) override;
  [[nodiscard]] absl::Status ReleaseLease(const ClaimedSaga& saga) override;
  [[nodiscard]] absl::Status RenewLeases(const std::string& owner,
                                         const std::vector<HeldLease>& held,
                                         std::chrono::seconds lease) override;
  [[nodiscard]] absl::StatusOr<std::vector<SagaCount>> CountOpenSagas() override;

  [[nodiscard]] absl::Status ListStuckSagas(int limit, v1::ListStuckSagasResponse* out) override;
  [[nodiscard]] absl::Status OperateSaga(const std::string& saga_id, bool resolve,
                                         const std::string& note, v1::Saga* out) override;

 private:
  PgPool& pool_;
};

}  // namespace oms::order
