#include "billing-service/src/authorization_settlement.h"

#include <optional>

#include <pqxx/pqxx>

#include "billing-service/src/authorization_decisions.h"
#include "billing-service/src/authorization_intents_store.h"
#include "billing-service/src/billing_decisions.h"
#include "billing-service/src/payments_store.h"
#include "common/pg_pool.h"

namespace oms::billing {

std::string RecordAnswer(PaymentsStore& payments, AuthorizationIntentsStore& intents,
                         const std::string& provider, const AuthorizationIntent& intent,
                         const ProviderResult& answer) {
  AuthorizationRecords records = RecordAuthorization(
      intent.order_id, provider, RecordedCallOf(intent), answer, intent.request_id);
  records.transaction.payment_id = payments.Insert(records.payment);
  payments.InsertTransaction(records.transaction);
  intents.SetState(intent.order_id, StateAfter(answer));
  return records.transaction.payment_id;
}

absl::StatusOr<bool> AuthorizationSettlement::Release(const AuthorizationIntent& intent,
                                                      const ProviderResult& answer,
                                                      const std::string& request_id) {
  // What the order holds, and whether a late answer is still to be recorded on its tombstone.
  struct Late {
    std::optional<AuthorizationIntent> current;
    std::optional<PaymentRecord> tombstone;
    bool pending = false;
  };
  auto read = [&intent](PaymentsStore& payments, AuthorizationIntentsStore& intents) {
    Late late{intents.FindForUpdate(intent.order_id), payments.FindForUpdate(intent.order_id)};
    late.pending = LateAnswerToRecord(late.current, late.tombstone.has_value(),
                                      payments.TransactionRecorded(intent.idempotency_key));
    return late;
  };
  // Only an answer for an order voided in flight is released. An intent never leaves VOIDED or
  // CLOSED once there, so what this finds still holds when the provider is called.
  auto pending = UnderOrderLock(intent.order_id,
                                [&](PaymentsStore& payments, AuthorizationIntentsStore& intents) {
                                  return read(payments, intents).pending;
                                });
  if (!pending.ok() || !*pending) return pending;
  std::optional<ProviderResult> release;
  if (answer.outcome == ProviderOutcome::kApproved) {
    auto voided = provider_.Void(ReleaseCall(intent, answer));
    if (!voided.ok()) return voided.status();
    release = *std::move(voided);
  }
  return UnderOrderLock(intent.order_id, [&](PaymentsStore& payments,
                                             AuthorizationIntentsStore& intents) {
    const Late late = read(payments, intents);
    if (!late.pending) return false;  // recorded by another caller or the reconciler
    for (const TransactionRecord& record : LateAnswerRecords(
             late.tombstone->id, *late.current, answer, release, provider_.name(), request_id)) {
      payments.InsertTransaction(record);
    }
    intents.SetState(intent.order_id, IntentState::kClosed);
    return true;
  });
}

absl::StatusOr<bool> AuthorizationSettlement::Adopt(const AuthorizationIntent& intent,
                                                    const ProviderResult& answer) {
  return UnderOrderLock(
      intent.order_id, [&](PaymentsStore& payments, AuthorizationIntentsStore& intents) {
        const std::optional<AuthorizationIntent> current = intents.FindForUpdate(intent.order_id);
        if (!current.has_value() || current->state != IntentState::kAuthorizing ||
            payments.FindForUpdate(intent.order_id).has_value()) {
          return false;
        }
        RecordAnswer(payments, intents, provider_.name(), *current, answer);
        return true;
      });
}

absl::StatusOr<bool> AuthorizationSettlement::Close(const AuthorizationIntent& intent) {
  return UnderOrderLock(intent.order_id, [&](PaymentsStore&, AuthorizationIntentsStore& intents) {
    const std::optional<AuthorizationIntent> current = intents.FindForUpdate(intent.order_id);
    if (!current.has_value() || current->state != IntentState::kVoided) return false;
    intents.SetState(intent.order_id, IntentState::kClosed);
    return true;
  });
}

absl::StatusOr<bool> AuthorizationSettlement::UnderOrderLock(
    const std::string& order_id,
    absl::FunctionRef<bool(PaymentsStore&, AuthorizationIntentsStore&)> settle) {
  bool settled = false;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    PaymentsStore payments(tx);
    AuthorizationIntentsStore intents(tx);
    payments.LockOrder(order_id);
    settled = settle(payments, intents);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return settled;
}

}  // namespace oms::billing
