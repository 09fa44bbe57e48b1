// Payments and their provider transactions in PostgreSQL: the statements and the row mapping,
// inside a transaction the caller owns (see billing_use_cases.h for how a call uses it).
// Statuses, methods, kinds and outcomes are enums here and text only in the rows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "billing-service/src/billing_records.h"
#include "oms/billing/v1/billing.pb.h"

namespace pqxx {
class transaction_base;
}  // namespace pqxx

namespace oms {
struct PreparedStatement;
}  // namespace oms

namespace oms::billing {

class PaymentsStore {
 public:
  // Every statement below, for the pool to prepare on each connection.
  static const std::vector<PreparedStatement>& Statements();

  explicit PaymentsStore(pqxx::transaction_base& tx) : tx_(tx) {}

  // Serializes every call on one order until the transaction ends, including an authorization
  // whose payment row does not exist yet (a hash collision only serializes two unrelated orders).
  void LockOrder(const std::string& order_id);
  // The order's payment row, locked FOR UPDATE; nullopt when the order has none.
  [[nodiscard]] std::optional<PaymentRecord> FindForUpdate(const std::string& order_id);

  // Returns the new payment's id.
  std::string Insert(const NewPayment& payment);
  // Writes all four amounts (an increment raises `authorized`) and the status.
  void UpdateAmounts(const std::string& payment_id, v1::PaymentStatus status,
                     const PaymentAmounts& amounts);
  // Returns the new transaction's id.
  long long InsertTransaction(const TransactionRecord& transaction);
  // Whether a transaction under provider key `idempotency_key` is recorded.
  [[nodiscard]] bool TransactionRecorded(const std::string& idempotency_key);

  // The payment with its transactions in order; false when there is no such payment.
  [[nodiscard]] bool Read(const std::string& payment_id, v1::Payment* out);
  // The order's payments (at most 1000), oldest first.
  void ListByOrder(const std::string& order_id, v1::ListPaymentsResponse* out);

 private:
  pqxx::transaction_base& tx_;
};

}  // namespace oms::billing
