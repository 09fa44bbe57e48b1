// Returns (RMAs) in the order database: a return and its receipt each start the saga that
// carries them out (RETURN, RECEIVE), in the transaction that records them. What may be returned
// and received is decided in returns.h; this file holds the statements and the row mapping.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oms/order/v1/order.pb.h"

namespace pqxx {
class transaction_base;
}  // namespace pqxx

namespace oms {
class PgPool;
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

// A return (or its receipt) and the saga that carries it out.
struct StartedReturn {
  v1::Return ret;
  std::string saga_id;  // "" when the request was answered already
  bool created = false;
};

class ReturnStore {
 public:
  virtual ~ReturnStore() = default;
  // A return of delivered lines (RETURN saga), or the one `request_id` already made for this
  // same request. FAILED_PRECONDITION IDEMPOTENCY_KEY_REUSED when the key was used for another
  // request (another order, other lines or reason); NOT_FOUND for an unknown order;
  // ORDER_NOT_DELIVERED and RETURN_EXCEEDS_DELIVERED as returns.h.
  [[nodiscard]] virtual absl::StatusOr<StartedReturn> StartReturn(
      const v1::CreateReturnRequest& request) = 0;
  // The receipt of a return (RECEIVE saga: restock, refund, record it at shipping), or the return
  // as it is when it was received already. NOT_FOUND for an unknown return;
  // RETURN_SHIPMENT_PENDING and RECEIPT_EXCEEDS_RETURN as CheckReceipt.
  [[nodiscard]] virtual absl::StatusOr<StartedReturn> StartReceive(
      const v1::ReceiveReturnRequest& request) = 0;
  // NOT_FOUND when there is no such return.
  [[nodiscard]] virtual absl::Status GetReturn(const std::string& id, v1::Return* out) = 0;
  // The order's returns, oldest first (none for an order without, or no order).
  [[nodiscard]] virtual absl::Status ListReturns(const std::string& order_id,
                                                 v1::ListReturnsResponse* out) = 0;
};

class PgReturnStore final : public ReturnStore {
 public:
  explicit PgReturnStore(PgPool& pool) : pool_(pool) {}
  // The statements below, for the pool's list.
  static const std::vector<PreparedStatement>& Statements();

  [[nodiscard]] absl::StatusOr<StartedReturn> StartReturn(
      const v1::CreateReturnRequest& request) override;
  [[nodiscard]] absl::StatusOr<StartedReturn> StartReceive(
      const v1::ReceiveReturnRequest& request) override;
  [[nodiscard]] absl::Status GetReturn(const std::string& id, v1::Return* out) override;
  [[nodiscard]] absl::Status ListReturns(const std::string& order_id,
                                         v1::ListReturnsResponse* out) override;

 private:
  PgPool& pool_;
};

// Row helpers for the stores that write returns inside their own transactions (the sagas').
// Every return of the order, oldest first.
std::vector<v1::Return> ReturnsOf(pqxx::transaction_base& tx, const std::string& order_id);
// Writes the return's status and body.
void UpdateReturn(pqxx::transaction_base& tx, const v1::Return& ret);

}  // namespace oms::order
