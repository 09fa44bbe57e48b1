// The payment-provider interface billing talks to. It knows nothing of billing's tables: a call
// carries the idempotency key billing chose, and the provider answers with its own reference.
//
// The contract every implementation keeps (the sandbox provider does; a card acquirer would
// behind an adapter):
// - A call with a key the provider has seen returns the stored answer (`replayed` set) and has no
//   second effect; the same key with different parameters is refused (FAILED_PRECONDITION,
//   IDEMPOTENCY_KEY_REUSED). This is what makes "billing crashed after the provider answered"
//   safe: the retry sends the same key.
// - UNAVAILABLE means nothing happened; the caller may retry with the same key.
// - A decline is an answer, not an error (outcome kDeclined), and is stored under its key.
// - Follow-up calls name the authorization by the provider's reference; amounts beyond what
//   the provider holds open (capture, void) or captured (refund) are refused with
//   FAILED_PRECONDITION, an unknown authorization with NOT_FOUND.
// - An increment raises the amount of that same authorization (the acquirer's incremental
//   authorization): what a capture or void may take grows by it, and no second authorization
//   exists. The issuer may decline it (outcome kDeclined): the authorization stays as it was.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace oms::billing {

enum class ProviderOutcome { kApproved, kDeclined };

struct ProviderResult {
  ProviderOutcome outcome = ProviderOutcome::kApproved;
  std::string reference;  // the provider's id of this operation
  std::string decline_code;
  long long amount_minor = 0;
  std::string currency;
  bool replayed = false;  // the provider already had this key: this is its stored answer
};

struct AuthorizeCall {
  std::string idempotency_key;
  long long amount_minor = 0;
  std::string currency;
  std::string method;  // "CARD"
  std::string token;
};

// A capture, void, refund or increment against an authorization.
struct FollowUpCall {
  std::string idempotency_key;
  std::string authorization_reference;
  long long amount_minor = 0;
  std::string currency;
};

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;

  // Stored on each payment, e.g. "sandbox".
  virtual std::string name() const = 0;

  [[nodiscard]] virtual absl::StatusOr<ProviderResult> Authorize(const AuthorizeCall& call) = 0;
  [[nodiscard]] virtual absl::StatusOr<ProviderResult> Capture(const FollowUpCall& call) = 0;
  [[nodiscard]] virtual absl::StatusOr<ProviderResult> Void(const FollowUpCall& call) = 0;
  [[nodiscard]] virtual absl::StatusOr<ProviderResult> Refund(const FollowUpCall& call) = 0;
  // Raises the authorization by `call.amount_minor`; the result's reference is the increment's
  // own, its amount the increment's.
  [[nodiscard]] virtual absl::StatusOr<ProviderResult> IncrementAuthorization(
      const FollowUpCall& call) = 0;

  // The authorization the provider recorded under `idempotency_key`, nullopt when it has none.
  // Billing asks this when a void arrives for an order it has no payment for, and its reconciler
  // for authorizations still in flight after its bound: an authorization may have reached the
  // provider while billing crashed before recording it.
  [[nodiscard]] virtual absl::StatusOr<std::optional<ProviderResult>> FindAuthorization(
      const std::string& idempotency_key) = 0;
};

}  // namespace oms::billing
