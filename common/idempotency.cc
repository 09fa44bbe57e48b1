#include "common/idempotency.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "google/rpc/status.pb.h"

namespace oms {
namespace {

constexpr char kClaim[] = "request_results_claim";
constexpr char kGet[] = "request_results_get";
constexpr char kRecord[] = "request_results_record";
constexpr char kRecordRefusal[] = "request_results_record_refusal";
constexpr char kBound[] = "request_results_bound";

// Bounds the statements of the transaction after this one by the caller's time left, $1 ms (0: no
// bound of the caller's): SET LOCAL, until the transaction ends; a shorter bound of the
// session's stays. The session's is read with current_setting (text with a unit, e.g. "30s",
// which casts to an interval): the pg_settings view builds every setting of the server on each
// read.
#define OMS_BOUND_BY_CALLER                                                             \
  "SELECT CASE WHEN $1::bigint > 0 THEN set_config('statement_timeout', "               \
  "  CASE WHEN session.ms = 0 OR session.ms > $1::bigint THEN $1::bigint "              \
  "  ELSE session.ms END::text, true) END "                                             \
  "  FROM (SELECT (extract(epoch FROM current_setting('statement_timeout')::interval) " \
  "    * 1000)::bigint AS ms) AS session"

thread_local absl::Time call_deadline = absl::InfiniteFuture();

// What an earlier call with the id answered: its refusal, or (refusal OK) its response.
struct StoredAnswer {
  absl::Status refusal;
  std::string response;
};

// The payloads of `status` (ErrorInfo, BadRequest, a service's own details) as the details of a
// google.rpc.Status, the encoding they travel in on the wire.
std::string PayloadBytes(const absl::Status& status) {
  google::rpc::Status details;
  status.ForEachPayload([&details](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = details.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  return details.SerializeAsString();
}

absl::Status StoredRefusal(const pqxx::row& row) {
  absl::Status refusal(static_cast<absl::StatusCode>(row["refusal_code"].as<int>()),
                       row["refusal_message"].as<std::string>());
  google::rpc::Status details;
  if (details.ParseFromString(
          absl::HexStringToBytes(row["refusal_details_hex"].as<std::string>()))) {
    for (const auto& any : details.details()) {
      refusal.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return refusal;
}

// The answer stored for `request_id` by an earlier call (committed: reading it waited for that
// call's transaction), or the reason there is none to give.
absl::StatusOr<StoredAnswer> StoredAnswerOf(pqxx::work& tx, const std::string& request_id,
                                            const std::string& method,
                                            const std::string& request_hex) {
  pqxx::result stored = tx.exec_prepared(kGet, request_id, request_hex);
  if (stored.empty()) {
    // Claimed by a transaction that rolled back between our two statements: let the caller retry.
    return absl::AbortedError(absl::StrCat("request ", request_id, " is being retried; try again"));
  }
  const pqxx::row row = stored[0];
  if (row["method"].as<std::string>() != method || !row["same_request"].as<bool>()) {
    return WithReason(
        absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
        absl::StrCat("request_id ", request_id, " was already used for a different request"));
  }
  if (!row["refusal_code"].is_null()) return StoredAnswer{StoredRefusal(row), ""};
  return StoredAnswer{absl::OkStatus(),
                      absl::HexStringToBytes(row["response_hex"].is_null()
                                                 ? ""
                                                 : row["response_hex"].as<std::string>())};
}

// nullopt: this call is the first with `request_id` and holds its claim until `tx` ends. The
// statements of `tx` from here on are bounded by `timeout_ms` (StatementTimeoutMs; 0: none).
absl::StatusOr<std::optional<StoredAnswer>> Claim(pqxx::work& tx, const std::string& request_id,
                                                  const std::string& method,
                                                  const std::string& request_hex, int timeout_ms) {
  if (!tx.exec_prepared(kClaim, timeout_ms, request_id, method, request_hex).empty()) {
    return std::nullopt;
  }
  return StoredAnswerOf(tx, request_id, method, request_hex);
}

// Keeps `refusal` as the answer to `request_id` in a transaction of its own on `tx`'s connection,
// once `tx` (the claim and the effect's writes) has been rolled back; commits it. Its statements
// are bounded by the time left until `deadline`, as the claim's were. In between, a concurrent
// call with the id may have claimed it and answered: then that answer is the id's. A refusal is
// returned as a repeat's (`*replayed`); a response cannot be, `tx` being over, so the caller is
// told to ask again (ABORTED, which callers retry) and gets it then.
absl::Status RecordRefusal(pqxx::work& tx, const std::string& request_id, const std::string& method,
                           const std::string& request_hex, const absl::Status& refusal,
                           absl::Time deadline, bool* replayed) {
  auto timeout_ms = StatementTimeoutMs(deadline, absl::Now());
  if (!timeout_ms.ok()) return timeout_ms.status();
  pqxx::connection_base& connection = tx.conn();
  tx.abort();
  // On a connection that broke, this throws broken_connection: the pool replaces the connection
  // and runs the request again.
  pqxx::work keep(connection);
  if (*timeout_ms > 0) keep.exec_prepared(kBound, *timeout_ms);
  if (!keep.exec_prepared(kRecordRefusal, request_id, method, request_hex,
                          static_cast<int>(refusal.code()), std::string(refusal.message()),
                          absl::BytesToHexString(PayloadBytes(refusal)))
           .empty()) {
    keep.commit();
    return refusal;
  }
  auto stored = StoredAnswerOf(keep, request_id, method, request_hex);
  if (!stored.ok()) return stored.status();
  if (stored->refusal.ok()) {
    return absl::AbortedError(absl::StrCat("request ", request_id,
                                           " was answered meanwhile by a concurrent call; ask "
                                           "again for its answer"));
  }
  if (replayed != nullptr) *replayed = true;
  return stored->refusal;
}

}  // namespace

std::string DeterministicHex(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return absl::BytesToHexString(bytes);
}

const std::vector<PreparedStatement>& IdempotencyStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // Waits for a concurrent claim of the same id to commit or roll back, then claims or not.
      // With it, in the same round trip, the transaction's later statements are bounded by the
      // caller's time left, $1 ms (the claim itself runs under the session's bounds, its
      // lock_timeout among them).
      {kClaim, "WITH bound AS (" OMS_BOUND_BY_CALLER ") "
               "INSERT INTO request_results (request_id, method, request_hash) "
               "SELECT $2, $3, encode(sha256(decode($4, 'hex')), 'hex') FROM bound "
               "ON CONFLICT (request_id) DO NOTHING RETURNING 1"},
      {kGet,
       "SELECT method, request_hash = encode(sha256(decode($2, 'hex')), 'hex') AS same_request, "
       "encode(response, 'hex') AS response_hex, refusal_code, refusal_message, "
       "encode(refusal_details, 'hex') AS refusal_details_hex "
       "FROM request_results WHERE request_id = $1"},
      {kRecord, "UPDATE request_results SET response = decode($2, 'hex') WHERE request_id = $1"},
      {kBound, OMS_BOUND_BY_CALLER},
      // After the claim was rolled back with the effect; waits for a concurrent claim, as kClaim.
      {kRecordRefusal,
       "INSERT INTO request_results (request_id, method, request_hash, refusal_code, "
       "refusal_message, refusal_details) "
       "VALUES ($1, $2, encode(sha256(decode($3, 'hex')), 'hex'), $4, $5, decode($6, 'hex')) "
       "ON CONFLICT (request_id) DO NOTHING RETURNING 1"},
  };
  return kStatements;
}

bool IsRefusal(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kPermissionDenied:
      return true;
    default:
      return false;
  }
}

CallDeadlineScope::CallDeadlineScope(absl::Time deadline) : enclosing_(call_deadline) {
  call_deadline = deadline;
}

CallDeadlineScope::~CallDeadlineScope() { call_deadline = enclosing_; }

absl::Time CallDeadlineScope::Current() { return call_deadline; }

absl::StatusOr<int> StatementTimeoutMs(absl::Time deadline, absl::Time now) {
  if (deadline == absl::InfiniteFuture()) return 0;
  const absl::Duration left = deadline - now;
  if (left <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError("the caller's deadline has passed; nothing was done");
  }
  const int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
  return static_cast<int>(std::min<int64_t>(ms, std::numeric_limits<int>::max()));
}

absl::Status RunOnce(pqxx::work& tx, const std::string& request_id, const std::string& method,
                     const google::protobuf::Message& request, google::protobuf::Message* out,
                     absl::FunctionRef<absl::Status()> effect, bool* replayed) {
  if (replayed != nullptr) *replayed = false;
  const absl::Time deadline = CallDeadlineScope::Current();
  // DEADLINE_EXCEEDED once the deadline has passed: nothing runs.
  auto timeout_ms = StatementTimeoutMs(deadline, absl::Now());
  if (!timeout_ms.ok()) return timeout_ms.status();
  const std::string request_hex = DeterministicHex(request);
  auto claim = Claim(tx, request_id, method, request_hex, *timeout_ms);
  if (!claim.ok()) return claim.status();
  if (claim->has_value()) {
    if (replayed != nullptr) *replayed = true;
    if (!(*claim)->refusal.ok()) return (*claim)->refusal;
    out->ParseFromString((*claim)->response);
    return absl::OkStatus();
  }
  // No savepoint around the effect: a refusal is rare, and rolling the whole transaction back
  // then costs less than a savepoint (a round trip and a subtransaction) on every call.
  absl::Status status = effect();
  if (!status.ok() && !IsRefusal(status.code())) return status;
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError(
        "the caller's deadline passed while the request ran; nothing was kept");
  }
  if (status.ok()) {
    tx.exec_prepared(kRecord, request_id, DeterministicHex(*out));
    return absl::OkStatus();
  }
  return RecordRefusal(tx, request_id, method, request_hex, status, deadline, replayed);
}

}  // namespace oms
