#include "order-service/src/idempotency_records.h"

#include <optional>

#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/pg_pool.h"
#include "common/reactor.h"
#include "common/status.h"
#include "common/validation.h"

namespace oms::order {
namespace {

constexpr char kInsert[] = "idempotency_records_insert";
constexpr char kLock[] = "idempotency_records_lock";
constexpr char kRenew[] = "idempotency_records_renew";
constexpr char kTakeOver[] = "idempotency_records_take_over";
constexpr char kComplete[] = "idempotency_records_complete";
constexpr char kRelease[] = "idempotency_records_release";
constexpr char kSweep[] = "idempotency_records_sweep";

// The record's state column: RUNNING while its first request runs, then COMPLETED.
constexpr char kCompletedState[] = "COMPLETED";

constexpr std::size_t kFingerprintBytes = 32;  // SHA-256
constexpr int64_t kMaxLeaseMs = 3600 * 1000;
constexpr std::size_t kMaxHeaderName = 64;
constexpr std::size_t kMaxHeaderValue = 1024;

// A claim that found a record and decides what it means; a pure function of the record.
struct Existing {
  std::string fingerprint;  // raw bytes
  bool completed = false;
  std::string response;  // serialized StoredResponse, when completed
  bool lease_passed = false;
  bool expired = false;
};

enum class Decision { kRenew, kMismatch, kReplay, kInProgress, kTakeOver };

Decision Decide(const Existing& existing, const std::string& fingerprint) {
  if (existing.expired) return Decision::kRenew;  // an expired record is no record
  if (existing.fingerprint != fingerprint) return Decision::kMismatch;
  if (existing.completed) return Decision::kReplay;
  return existing.lease_passed ? Decision::kTakeOver : Decision::kInProgress;
}

absl::Status ClaimLost() {
  return WithReason(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_CLAIM_LOST",
                    "claim_token: the claim was taken over or has expired");
}

absl::Status ValidateKeyAndScope(const std::string& scope, const std::string& key) {
  if (absl::Status valid = ValidateText(scope, "scope", 1, kMaxIdempotencyScope); !valid.ok()) {
    return valid;
  }
  return ValidateRequestId(key, "key");
}

absl::Status ValidateToken(const std::string& token) {
  return ValidateUuid(token, "claim_token", "a claim token");
}

}  // namespace

absl::Status ValidateClaim(const v1::ClaimIdempotencyKeyRequest& request) {
  if (absl::Status valid = ValidateKeyAndScope(request.scope(), request.key()); !valid.ok()) {
    return valid;
  }
  if (request.fingerprint().size() != kFingerprintBytes) {
    return InvalidField("fingerprint", "must be 32 bytes (SHA-256)");
  }
  if (request.lease_ms() < 1 || request.lease_ms() > kMaxLeaseMs) {
    return InvalidField("lease_ms", "must be 1 to 3600000");
  }
  return absl::OkStatus();
}

absl::Status ValidateComplete(const v1::CompleteIdempotencyKeyRequest& request) {
  if (absl::Status valid = ValidateKeyAndScope(request.scope(), request.key()); !valid.ok()) {
    return valid;
  }
  if (absl::Status valid = ValidateToken(request.claim_token()); !valid.ok()) return valid;
  const v1::StoredResponse& response = request.response();
  if (response.status() < 100 || response.status() > 599) {
    return InvalidField("response.status", "must be an HTTP status (100 to 599)");
  }
  if (response.headers_size() > kMaxStoredHeaders) {
    return InvalidField("response.headers", absl::StrCat("at most ", kMaxStoredHeaders));
  }
  for (int i = 0; i < response.headers_size(); ++i) {
    const auto& header = response.headers(i);
    const std::string field = absl::StrCat("response.headers[", i, "]");
    if (absl::Status name = ValidateText(header.name(), field + ".name", 1, kMaxHeaderName);
        !name.ok()) {
      return name;
    }
    if (absl::Status value = ValidateText(header.value(), field + ".value", 0, kMaxHeaderValue);
        !value.ok()) {
      return value;
    }
  }
  if (response.body().size() > kMaxStoredBodyBytes) {
    return InvalidField("response.body",
                        absl::StrCat("must be at most ", kMaxStoredBodyBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRelease(const v1::ReleaseIdempotencyKeyRequest& request) {
  if (absl::Status valid = ValidateKeyAndScope(request.scope(), request.key()); !valid.ok()) {
    return valid;
  }
  return ValidateToken(request.claim_token());
}

const std::vector<PreparedStatement>& PgIdempotencyStore::Statements() {
  // $4: the lease, $5: the retention, both in milliseconds.
  static const std::vector<PreparedStatement> kStatements = {
      {kInsert,
       "INSERT INTO idempotency_records "
       "(scope, key, fingerprint, state, claim_token, lease_until, expires_at) "
       "VALUES ($1, $2, decode($3, 'hex'), 'RUNNING', gen_random_uuid(), "
       "now() + $4::bigint * interval '1 millisecond', "
       "now() + $5::bigint * interval '1 millisecond') "
       "ON CONFLICT (scope, key) DO NOTHING RETURNING claim_token::text AS claim_token"},
      {kLock,
       "SELECT encode(fingerprint, 'hex') AS fingerprint_hex, state, "
       "encode(response, 'hex') AS response_hex, lease_until <= now() AS lease_passed, "
       "expires_at <= now() AS expired "
       "FROM idempotency_records WHERE scope = $1 AND key = $2 FOR UPDATE"},
      // An expired record is replaced as if it had never been.
      {kRenew,
       "UPDATE idempotency_records SET fingerprint = decode($3, 'hex'), state = 'RUNNING', "
       "claim_token = gen_random_uuid(), "
       "lease_until = now() + $4::bigint * interval '1 millisecond', "
       "expires_at = now() + $5::bigint * interval '1 millisecond', response = NULL, "
       "takeovers = 0, created_at = now(), updated_at = now() "
       "WHERE scope = $1 AND key = $2 RETURNING claim_token::text AS claim_token"},
      {kTakeOver,
       "UPDATE idempotency_records SET claim_token = gen_random_uuid(), "
       "lease_until = now() + $3::bigint * interval '1 millisecond', "
       "expires_at = now() + $4::bigint * interval '1 millisecond', "
       "takeovers = takeovers + 1, updated_at = now() "
       "WHERE scope = $1 AND key = $2 AND state = 'RUNNING' "
       "RETURNING claim_token::text AS claim_token"},
      // A claim past its lease that nobody took over still completes: it is still the claim.
      {kComplete,
       "UPDATE idempotency_records SET state = 'COMPLETED', response = decode($4, 'hex'), "
       "updated_at = now() "
       "WHERE scope = $1 AND key = $2 AND claim_token = $3::uuid AND state = 'RUNNING' "
       "AND expires_at > now() RETURNING 1"},
      {kRelease,
       "DELETE FROM idempotency_records "
       "WHERE scope = $1 AND key = $2 AND claim_token = $3::uuid AND state = 'RUNNING' "
       "RETURNING 1"},
      {kSweep,
       "DELETE FROM idempotency_records WHERE ctid IN (SELECT ctid FROM idempotency_records "
       "WHERE expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)"},
  };
  return kStatements;
}

absl::Status PgIdempotencyStore::Claim(const v1::ClaimIdempotencyKeyRequest& request,
                                       v1::ClaimIdempotencyKeyResponse* out) {
  const std::string fingerprint_hex = absl::BytesToHexString(request.fingerprint());
  const int64_t retention_ms = retention_.count();
  out->Clear();
  auto claimed = [&](const pqxx::result& rows, bool taken_over) {
    out->set_outcome(v1::CLAIM_OUTCOME_CLAIMED);
    out->set_claim_token(rows[0]["claim_token"].as<std::string>());
    out->set_taken_over(taken_over);
    return absl::OkStatus();
  };
  // The first claim of a key, by far the most common, is the insert alone, committed by itself.
  bool first = false;
  absl::Status inserted_first = pool_.Autocommit([&](pqxx::transaction_base& statement) {
    pqxx::result inserted = statement.exec_prepared(
        kInsert, request.scope(), request.key(), fingerprint_hex, request.lease_ms(), retention_ms);
    first = !inserted.empty();
    return first ? claimed(inserted, false) : absl::OkStatus();
  });
  if (!inserted_first.ok() || first) return inserted_first;
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    out->Clear();
    // A record released or swept between the insert and the lock is gone: insert again. Twice
    // in a row means the key is being hammered; the caller may retry.
    for (int attempt = 0; attempt < 3; ++attempt) {
      pqxx::result inserted = tx.exec_prepared(kInsert, request.scope(), request.key(),
                                               fingerprint_hex, request.lease_ms(), retention_ms);
      if (!inserted.empty()) return claimed(inserted, false);
      pqxx::result rows = tx.exec_prepared(kLock, request.scope(), request.key());
      if (rows.empty()) continue;
      Existing existing;
      const pqxx::row row = rows[0];
      existing.fingerprint = absl::HexStringToBytes(row["fingerprint_hex"].as<std::string>());
      existing.completed = row["state"].as<std::string>() == kCompletedState;
      if (!row["response_hex"].is_null()) {
        existing.response = absl::HexStringToBytes(row["response_hex"].as<std::string>());
      }
      existing.lease_passed = row["lease_passed"].as<bool>();
      existing.expired = row["expired"].as<bool>();
      switch (Decide(existing, request.fingerprint())) {
        case Decision::kRenew:
          return claimed(tx.exec_prepared(kRenew, request.scope(), request.key(), fingerprint_hex,
                                          request.lease_ms(), retention_ms),
                         false);
        case Decision::kTakeOver:
          return claimed(tx.exec_prepared(kTakeOver, request.scope(), request.key(),
                                          request.lease_ms(), retention_ms),
                         true);
        case Decision::kMismatch:
          out->set_outcome(v1::CLAIM_OUTCOME_MISMATCH);
          return absl::OkStatus();
        case Decision::kInProgress:
          out->set_outcome(v1::CLAIM_OUTCOME_IN_PROGRESS);
          return absl::OkStatus();
        case Decision::kReplay:
          if (!out->mutable_response()->ParseFromString(existing.response)) {
            return absl::InternalError("unreadable stored response");
          }
          out->set_outcome(v1::CLAIM_OUTCOME_COMPLETED);
          return absl::OkStatus();
      }
    }
    return absl::AbortedError("the idempotency record changed during the claim; retry");
  });
}

absl::Status PgIdempotencyStore::Complete(const v1::CompleteIdempotencyKeyRequest& request) {
  const std::string response_hex = absl::BytesToHexString(request.response().SerializeAsString());
  return pool_.Autocommit([&](pqxx::transaction_base& statement) -> absl::Status {
    pqxx::result rows = statement.exec_prepared(kComplete, request.scope(), request.key(),
                                                request.claim_token(), response_hex);
    return rows.empty() ? ClaimLost() : absl::OkStatus();
  });
}

absl::Status PgIdempotencyStore::Release(const v1::ReleaseIdempotencyKeyRequest& request) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) -> absl::Status {
    pqxx::result rows =
        statement.exec_prepared(kRelease, request.scope(), request.key(), request.claim_token());
    return rows.empty() ? ClaimLost() : absl::OkStatus();
  });
}

absl::StatusOr<int> PgIdempotencyStore::SweepExpired(int limit) {
  int deleted = 0;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    deleted = static_cast<int>(tx.exec_prepared(kSweep, limit).affected_rows());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return deleted;
}

grpc::ServerUnaryReactor* IdempotencyServiceImpl::ClaimIdempotencyKey(
    grpc::CallbackServerContext* context, const v1::ClaimIdempotencyKeyRequest* request,
    v1::ClaimIdempotencyKeyResponse* response) {
  if (absl::Status invalid = ValidateClaim(*request); !invalid.ok()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(invalid));
    return reactor;
  }
  MaybeSweep();
  return RunBlocking(context, executor_,
                     [this, request, response] { return store_.Claim(*request, response); });
}

grpc::ServerUnaryReactor* IdempotencyServiceImpl::CompleteIdempotencyKey(
    grpc::CallbackServerContext* context, const v1::CompleteIdempotencyKeyRequest* request,
    v1::CompleteIdempotencyKeyResponse*) {
  if (absl::Status invalid = ValidateComplete(*request); !invalid.ok()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(invalid));
    return reactor;
  }
  return RunBlocking(context, executor_, [this, request] { return store_.Complete(*request); });
}

grpc::ServerUnaryReactor* IdempotencyServiceImpl::ReleaseIdempotencyKey(
    grpc::CallbackServerContext* context, const v1::ReleaseIdempotencyKeyRequest* request,
    v1::ReleaseIdempotencyKeyResponse*) {
  if (absl::Status invalid = ValidateRelease(*request); !invalid.ok()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(invalid));
    return reactor;
  }
  return RunBlocking(context, executor_, [this, request] { return store_.Release(*request); });
}

void IdempotencyServiceImpl::MaybeSweep() {
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto last = last_sweep_.load();
  const auto interval =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.sweep_interval)
          .count();
  // One claim in an interval wins the exchange and sweeps; the others go on.
  if (now - last < interval || !last_sweep_.compare_exchange_strong(last, now)) return;
  // A full queue skips this sweep; the next interval's claim tries again.
  (void)executor_.TrySubmit([this] {
    auto deleted = store_.SweepExpired(options_.sweep_batch);
    if (!deleted.ok()) {
      log::Warn("", "sweeping expired idempotency records failed",
                {{"error", deleted.status().ToString()}});
    } else if (*deleted > 0) {
      log::Info("", "expired idempotency records deleted", {{"count", std::to_string(*deleted)}});
    }
  });
}

}  // namespace oms::order
