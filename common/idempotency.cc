#include "common/idempotency.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"
#include "common/status.h"

namespace oms {
namespace {

constexpr char kClaim[] = "request_results_claim";
constexpr char kGet[] = "request_results_get";
constexpr char kRecord[] = "request_results_record";

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
      {kClaim,
       "INSERT INTO request_results (request_id, method, request_hash) "
       "VALUES ($1, $2, encode(sha256(decode($3, 'hex')), 'hex')) "
       "ON CONFLICT (request_id) DO NOTHING RETURNING 1"},
      {kGet,
       "SELECT method, request_hash = encode(sha256(decode($2, 'hex')), 'hex') AS same_request, "
       "encode(response, 'hex') AS response_hex FROM request_results WHERE request_id = $1"},
      {kRecord, "UPDATE request_results SET response = decode($2, 'hex') WHERE request_id = $1"},
  };
  return kStatements;
}

absl::StatusOr<std::optional<std::string>> ClaimRequest(pqxx::work& tx,
                                                        const std::string& request_id,
                                                        const std::string& method,
                                                        const google::protobuf::Message& request) {
  const std::string request_hex = DeterministicHex(request);
  if (!tx.exec_prepared(kClaim, request_id, method, request_hex).empty()) return std::nullopt;
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
  return absl::HexStringToBytes(
      row["response_hex"].is_null() ? "" : row["response_hex"].as<std::string>());
}

void RecordResponse(pqxx::work& tx, const std::string& request_id,
                    const google::protobuf::Message& response) {
  tx.exec_prepared(kRecord, request_id, DeterministicHex(response));
}

absl::Status RunOnce(pqxx::work& tx, const std::string& request_id, const std::string& method,
                     const google::protobuf::Message& request, google::protobuf::Message* out,
                     absl::FunctionRef<absl::Status()> effect, bool* replayed) {
  if (replayed != nullptr) *replayed = false;
  auto claim = ClaimRequest(tx, request_id, method, request);
  if (!claim.ok()) return claim.status();
  if (claim->has_value()) {
    if (replayed != nullptr) *replayed = true;
    out->ParseFromString(**claim);
    return absl::OkStatus();
  }
  absl::Status status = effect();
  if (status.ok()) RecordResponse(tx, request_id, *out);
  return status;
}

}  // namespace oms
