// The saga hooks' writes to orders and returns (saga_store.h's SagaWrites) inside the
// transaction that saves a step, and the two order writes the shipment event feed shares.
#pragma once

#include <string>
#include <vector>

#include <pqxx/transaction>

#include "order-service/src/saga_store.h"

namespace oms {
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

class PgSagaWrites final : public SagaWrites {
 public:
  explicit PgSagaWrites(pqxx::work& tx) : tx_(tx) {}
  static const std::vector<PreparedStatement>& Statements();

  void RecordOrderProgress(const OrderProgress& progress) override;
  void MarkOrderCancelled(const std::string& order_id) override;
  void FlagOrderAttention(const std::string& order_id) override;
  void RecountOrderAttention(const std::string& order_id) override;
  void CompleteOrderIfDone(const std::string& order_id) override;
  void SetSagaPayload(const std::string& saga_id, const std::string& payload) override;
  void UpdateReturn(const v1::Return& ret) override;
  void FinishReceipt(const v1::Return& ret) override;

 private:
  pqxx::work& tx_;
};

// A row of the order's status history, unless its latest row says the same.
void AppendStatusHistory(pqxx::work& tx, const std::string& order_id, v1::OrderStatus status,
                         const std::string& reason);

// The order, whose status is `status`, becomes COMPLETED (with its history row) when IsComplete
// says so (fulfilment.h); true when it did. The caller holds the order's row lock.
bool CompleteIfDone(pqxx::work& tx, const std::string& order_id, v1::OrderStatus status);

}  // namespace oms::order
