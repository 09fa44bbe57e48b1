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

namespace oms::order {

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
