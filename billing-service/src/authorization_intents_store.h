// Authorization intents in PostgreSQL (authorization_intents, migrations/0004): the statements and
// the row mapping, inside a transaction the caller owns. Callers take the order's lock
// (PaymentsStore::LockOrder) before they read an intent to decide on it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "billing-service/src/billing_records.h"

namespace pqxx {
class transaction_base;
}  // namespace pqxx

namespace oms {
struct PreparedStatement;
}  // namespace oms

namespace oms::billing {

class AuthorizationIntentsStore {
 public:
  // Every statement below, for the pool to prepare on each connection.
  static const std::vector<PreparedStatement>& Statements();

  explicit AuthorizationIntentsStore(pqxx::transaction_base& tx) : tx_(tx) {}

  // The order's intent, locked FOR UPDATE; nullopt when it has none.
  [[nodiscard]] std::optional<AuthorizationIntent> FindForUpdate(const std::string& order_id);
  // False when the order already has an intent, or the request id or key another's.
  [[nodiscard]] bool Insert(const AuthorizationIntent& intent);
  // No-op for an order without an intent (one authorized before intents existed).
  void SetState(const std::string& order_id, IntentState state);

  // Whether billing stored an answer to `request_id` (request_results), whatever the call.
  [[nodiscard]] bool RequestAnswered(const std::string& request_id);

  // Intents not settled (AUTHORIZING, VOIDED) whose last change or look is older than `age`,
  // oldest first, at most `limit`.
  [[nodiscard]] std::vector<AuthorizationIntent> ListUnsettled(std::chrono::seconds age, int limit);
  // Records a look at an intent left as it was, so the next list comes to others first.
  void Touch(const std::string& order_id);
  [[nodiscard]] long long CountUnsettled();

 private:
  pqxx::transaction_base& tx_;
};

}  // namespace oms::billing
