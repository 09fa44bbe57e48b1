// The saga hooks' writes to orders and returns (saga_store.h's SagaWrites) inside the
// transaction that saves a step, and the order writes the shipment event feed shares: both
// derive the order's status from its shipment rows (table order_shipments) the same way.
#pragma once

#include <string>
#include <vector>

#include <pqxx/transaction>

#include "order-service/src/fulfilment.h"
#include "order-service/src/saga_store.h"

namespace oms {
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

class PgSagaWrites final : public SagaWrites {
 public:
  explicit PgSagaWrites(pqxx::work& tx) : tx_(tx) {}
  static const std::vector<PreparedStatement>& Statements();

  // The order's status written is the saga's (progress.status) refined by the order's shipments
  // as their rows stand (OrderStatusWithShipments): events taken in while the order was PENDING
  // count. The ship step's shipments get their rows, an event's newer status kept; once the
  // order is confirmed, every shipment already shipped gets its saga (FollowOrderStatus).
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

// The order's shipments now: `listed` (what the ship step saved, orders.shipments) merged with
// the rows shipping's events keep (MergeShipments). The caller holds the order's row lock.
ShipmentList CurrentShipments(pqxx::work& tx, const std::string& order_id,
                              const ShipmentList& listed);

// What follows once the order's status `status` is written: when ShipmentSagasMayStart, a saga
// for each shipped shipment that has none yet (their ids), and the order COMPLETED when
// CompleteIfDone says so. The caller holds the order's row lock.
std::vector<std::string> FollowOrderStatus(pqxx::work& tx, const std::string& order_id,
                                           v1::OrderStatus status);

// The order, whose status is `status`, becomes COMPLETED (with its history row) when IsComplete
// says so (fulfilment.h); true when it did. The caller holds the order's row lock.
bool CompleteIfDone(pqxx::work& tx, const std::string& order_id, v1::OrderStatus status);

}  // namespace oms::order
