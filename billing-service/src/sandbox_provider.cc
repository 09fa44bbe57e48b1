#include "billing-service/src/sandbox_provider.h"

#include <optional>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"
#include "common/status.h"

namespace oms::billing {
namespace {

#define OMS_SANDBOX_COLUMNS \
  "operation, reference, amount_minor, currency, outcome, decline_code, fingerprint"

constexpr char kGet[] = "sandbox_provider_operations_get";
constexpr char kInsert[] = "sandbox_provider_operations_insert";
constexpr char kLockAuthorization[] = "sandbox_provider_operations_lock_authorization";
constexpr char kTotals[] = "sandbox_provider_operations_totals";
constexpr char kFailCapture[] = "sandbox_provider_operations_fail_capture";

// The ledger's operation and outcome columns, mapped at the row boundary.
constexpr char kAuthorizeText[] = "AUTHORIZE";
constexpr const char* kOperationTexts[] = {kAuthorizeText, "CAPTURE", "VOID", "REFUND",
                                           "INCREMENT"};

// Authorizes like tok_visa; every increment of that authorization is declined.
constexpr char kIncrementDeclinedToken[] = "tok_increment_declined";

// SandboxProvider::Operation (private, hence the template) as its column holds it.
template <class Operation>
const char* OperationText(Operation operation) {
  return kOperationTexts[static_cast<int>(operation)];
}

bool IsAuthorization(const pqxx::field& operation) {
  return operation.as<std::string>() == kAuthorizeText;
}

const char* OutcomeText(ProviderOutcome outcome) {
  return outcome == ProviderOutcome::kApproved ? "APPROVED" : "DECLINED";
}

ProviderOutcome OutcomeFromText(const pqxx::field& outcome) {
  return outcome.as<std::string>() == OutcomeText(ProviderOutcome::kApproved)
             ? ProviderOutcome::kApproved
             : ProviderOutcome::kDeclined;
}

std::string Fingerprint(absl::string_view operation, absl::string_view authorization,
                        long long amount, absl::string_view currency, absl::string_view token) {
  return absl::StrCat(operation, "|", authorization, "|", amount, "|", currency, "|", token);
}

ProviderResult ReadResult(const pqxx::row& row, bool replayed) {
  ProviderResult result;
  result.reference = row["reference"].as<std::string>();
  result.amount_minor = row["amount_minor"].as<long long>();
  result.currency = row["currency"].as<std::string>();
  result.outcome = OutcomeFromText(row["outcome"]);
  result.decline_code = row["decline_code"].as<std::string>();
  result.replayed = replayed;
  return result;
}

// The stored answer for a key seen before, or a refusal when the key now asks for something else.
absl::StatusOr<ProviderResult> Replay(const pqxx::row& row, const std::string& fingerprint,
                                      const std::string& key) {
  if (row["fingerprint"].as<std::string>() != fingerprint) {
    return WithReason(
        absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
        absl::StrCat("sandbox provider: key ", key, " was already used with other parameters"));
  }
  return ReadResult(row, /*replayed=*/true);
}

// The answer stored under the call's key, if any (refused when the key came with other
// parameters).
absl::StatusOr<std::optional<ProviderResult>> Stored(pqxx::work& tx, const std::string& key,
                                                     const std::string& fingerprint) {
  pqxx::result existing = tx.exec_prepared(kGet, key);
  if (existing.empty()) return std::optional<ProviderResult>();
  auto replay = Replay(existing[0], fingerprint, key);
  if (!replay.ok()) return replay.status();
  return std::optional<ProviderResult>(*replay);
}

absl::Status Unavailable(absl::string_view what) {
  return absl::UnavailableError(absl::StrCat("sandbox provider unavailable: ", what));
}

// What an approved authorization holds in the ledger: its amount raised by every approved
// increment, and what was captured, voided and refunded against it.
struct Ledger {
  long long authorized = 0;
  long long captured = 0;
  long long voided = 0;
  long long refunded = 0;

  long long open() const { return authorized - captured - voided; }
};

Ledger ReadLedger(pqxx::work& tx, const pqxx::row& authorization, const std::string& reference) {
  const pqxx::row totals = tx.exec_prepared1(kTotals, reference);
  return {authorization["amount_minor"].as<long long>() + totals["incremented"].as<long long>(),
          totals["captured"].as<long long>(), totals["voided"].as<long long>(),
          totals["refunded"].as<long long>()};
}

// A capture or void takes at most what is open, a refund at most what was captured and not
// refunded.
absl::Status CheckLimit(absl::string_view operation_text, bool refund, const Ledger& ledger,
                        long long amount) {
  const long long limit = refund ? ledger.captured - ledger.refunded : ledger.open();
  if (amount <= limit) return absl::OkStatus();
  return WithReason(absl::StatusCode::kFailedPrecondition,
                    refund ? "REFUND_EXCEEDS_CAPTURE" : "AMOUNT_EXCEEDS_AUTHORIZATION",
                    absl::StrCat("sandbox provider: ", operation_text, " of ", amount,
                                 " exceeds the ", limit, " available"));
}

// An increment of an authorization with nothing open is refused, as an acquirer refuses to raise
// a closed authorization; one made with tok_increment_declined is declined.
absl::StatusOr<ProviderOutcome> JudgeIncrement(const Ledger& ledger, const std::string& token) {
  if (ledger.open() <= 0) {
    return absl::FailedPreconditionError(
        "sandbox provider: the authorization has nothing open; it cannot be incremented");
  }
  return token == kIncrementDeclinedToken ? ProviderOutcome::kDeclined : ProviderOutcome::kApproved;
}

}  // namespace

const std::vector<PreparedStatement>& SandboxProvider::Statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kGet, "SELECT " OMS_SANDBOX_COLUMNS " FROM sandbox_provider_operations "
             "WHERE idempotency_key = $1"},
      // $2 is the operation; the reference is made here; an authorization refers to itself.
      // A concurrent insert of the same key waits for the other transaction, then inserts nothing.
      {kInsert,
       "INSERT INTO sandbox_provider_operations (idempotency_key, operation, reference, "
       "authorization_reference, amount_minor, currency, outcome, decline_code, token, "
       "capture_failures_left, fingerprint) "
       "SELECT $1, $2, ref, CASE WHEN $3 = '' THEN ref ELSE $3 END, $4, $5, $6, $7, $8, $9, $10 "
       "FROM (SELECT 'sbx_' || lower($2) || '_' || replace(gen_random_uuid()::text, '-', '') "
       "AS ref) r "
       "ON CONFLICT (idempotency_key) DO NOTHING "
       "RETURNING " OMS_SANDBOX_COLUMNS},
      // Serializes every follow-up on one authorization.
      {kLockAuthorization,
       "SELECT amount_minor, currency, outcome, token, capture_failures_left "
       "FROM sandbox_provider_operations WHERE reference = $1 AND operation = 'AUTHORIZE' "
       "FOR UPDATE"},
      {kTotals,
       "SELECT "
       "COALESCE(sum(amount_minor) FILTER (WHERE operation = 'INCREMENT'), 0)::bigint "
       "  AS incremented, "
       "COALESCE(sum(amount_minor) FILTER (WHERE operation = 'CAPTURE'), 0)::bigint AS captured, "
       "COALESCE(sum(amount_minor) FILTER (WHERE operation = 'VOID'), 0)::bigint AS voided, "
       "COALESCE(sum(amount_minor) FILTER (WHERE operation = 'REFUND'), 0)::bigint AS refunded "
       "FROM sandbox_provider_operations "
       "WHERE authorization_reference = $1 AND operation <> 'AUTHORIZE' AND outcome = 'APPROVED'"},
      {kFailCapture,
       "UPDATE sandbox_provider_operations SET capture_failures_left = capture_failures_left - 1 "
       "WHERE reference = $1 AND capture_failures_left > 0"},
  };
  return kStatements;
}

absl::StatusOr<ProviderResult> SandboxProvider::Authorize(const AuthorizeCall& call) {
  const std::string fingerprint = Fingerprint(OperationText(Operation::kAuthorize), "",
                                              call.amount_minor, call.currency, call.token);
  ProviderResult result;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    auto stored = Stored(tx, call.idempotency_key, fingerprint);
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) {
      result = **stored;
      return absl::OkStatus();
    }
    if (call.token == "tok_unavailable") return Unavailable("authorization");
    const bool approved = call.token == "tok_visa" || call.token == "tok_capture_fails" ||
                          call.token == kIncrementDeclinedToken;
    const std::string decline_code = approved                             ? ""
                                     : call.token == "tok_chargeDeclined" ? "card_declined"
                                                                          : "invalid_token";
    const int capture_failures = call.token == "tok_capture_fails" ? kCaptureFailures : 0;
    pqxx::result inserted = tx.exec_prepared(
        kInsert, call.idempotency_key, OperationText(Operation::kAuthorize), "", call.amount_minor,
        call.currency,
        OutcomeText(approved ? ProviderOutcome::kApproved : ProviderOutcome::kDeclined),
        decline_code, call.token, capture_failures, fingerprint);
    if (inserted.empty()) {  // a concurrent call with the same key committed first
      auto replay =
          Replay(tx.exec_prepared1(kGet, call.idempotency_key), fingerprint, call.idempotency_key);
      if (!replay.ok()) return replay.status();
      result = *replay;
      return absl::OkStatus();
    }
    result = ReadResult(inserted[0], /*replayed=*/false);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<ProviderResult> SandboxProvider::Capture(const FollowUpCall& call) {
  return FollowUp(Operation::kCapture, call);
}

absl::StatusOr<ProviderResult> SandboxProvider::Void(const FollowUpCall& call) {
  return FollowUp(Operation::kVoid, call);
}

absl::StatusOr<ProviderResult> SandboxProvider::Refund(const FollowUpCall& call) {
  return FollowUp(Operation::kRefund, call);
}

absl::StatusOr<ProviderResult> SandboxProvider::IncrementAuthorization(const FollowUpCall& call) {
  return FollowUp(Operation::kIncrement, call);
}

absl::StatusOr<ProviderResult> SandboxProvider::FollowUp(Operation operation,
                                                         const FollowUpCall& call) {
  const char* operation_text = OperationText(operation);
  const std::string fingerprint = Fingerprint(operation_text, call.authorization_reference,
                                              call.amount_minor, call.currency, "");
  ProviderResult result;
  bool failed_attempt = false;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result authorization = tx.exec_prepared(kLockAuthorization, call.authorization_reference);
    if (authorization.empty()) {
      return absl::NotFoundError(
          absl::StrCat("sandbox provider: no authorization ", call.authorization_reference));
    }
    // Looked up under the authorization's lock, so a concurrent call with the same key waits.
    auto stored = Stored(tx, call.idempotency_key, fingerprint);
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) {
      result = **stored;
      return absl::OkStatus();
    }
    const pqxx::row auth = authorization[0];
    if (OutcomeFromText(auth["outcome"]) != ProviderOutcome::kApproved) {
      return absl::FailedPreconditionError("sandbox provider: the authorization was declined");
    }
    if (auth["currency"].as<std::string>() != call.currency) {
      return WithReason(absl::StatusCode::kFailedPrecondition, "CURRENCY_MISMATCH",
                        "sandbox provider: currency differs from the authorization's");
    }
    if (operation == Operation::kCapture && auth["capture_failures_left"].as<int>() > 0) {
      // Committed on purpose: the attempt is spent even though the caller sees an error.
      tx.exec_prepared(kFailCapture, call.authorization_reference);
      failed_attempt = true;
      return absl::OkStatus();
    }
    const Ledger ledger = ReadLedger(tx, auth, call.authorization_reference);
    ProviderOutcome outcome = ProviderOutcome::kApproved;
    if (operation == Operation::kIncrement) {
      auto judged = JudgeIncrement(ledger, auth["token"].as<std::string>());
      if (!judged.ok()) return judged.status();
      outcome = *judged;
    } else if (absl::Status within = CheckLimit(operation_text, operation == Operation::kRefund,
                                                ledger, call.amount_minor);
               !within.ok()) {
      return within;
    }
    // A declined increment is stored under its key like an approval: a replay declines again.
    const char* decline_code = outcome == ProviderOutcome::kDeclined ? "card_declined" : "";
    pqxx::result inserted = tx.exec_prepared(
        kInsert, call.idempotency_key, operation_text, call.authorization_reference,
        call.amount_minor, call.currency, OutcomeText(outcome), decline_code, "", 0, fingerprint);
    if (inserted.empty()) return absl::AbortedError("sandbox provider: concurrent key; retry");
    result = ReadResult(inserted[0], /*replayed=*/false);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (failed_attempt) return Unavailable("capture attempt failed (tok_capture_fails)");
  return result;
}

absl::StatusOr<std::optional<ProviderResult>> SandboxProvider::FindAuthorization(
    const std::string& idempotency_key) {
  std::optional<ProviderResult> result;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    pqxx::result rows = tx.exec_prepared(kGet, idempotency_key);
    if (!rows.empty() && IsAuthorization(rows[0]["operation"])) {
      result = ReadResult(rows[0], /*replayed=*/true);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace oms::billing
