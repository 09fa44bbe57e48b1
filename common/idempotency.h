// Request-id idempotency for mutating calls: the first call with an id claims it in the same
// transaction as its effect and stores its response; a repeat, sequential or concurrent, gets the
// stored response and no second effect. Each service's schema has the `request_results` table:
//   request_id text PRIMARY KEY, method text, request_hash text, response bytea, created_at.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

namespace google::protobuf {
class Message;
}

namespace oms {

struct PreparedStatement;

// The statements below; add them to the pool's list.
const std::vector<PreparedStatement>& IdempotencyStatements();

// nullopt: this call is the first with `request_id`, go on and RecordResponse() in the same
// transaction. A value: the serialized response of the earlier call. A different method or
// request body under the same id answers FAILED_PRECONDITION with IDEMPOTENCY_KEY_REUSED.
[[nodiscard]] absl::StatusOr<std::optional<std::string>> ClaimRequest(
    pqxx::work& tx, const std::string& request_id, const std::string& method,
    const google::protobuf::Message& request);

void RecordResponse(pqxx::work& tx, const std::string& request_id,
                    const google::protobuf::Message& response);

// The one way a participant mutation is idempotent: claims `request_id` in `tx`; the first call
// runs `effect`, which fills `*out`, and records `*out` as the answer when `effect` succeeds (a
// failed effect rolls back with its transaction, so the claim goes too). A repeat parses the
// stored answer into `*out` and runs nothing; `*replayed` (when given) says which happened.
[[nodiscard]] absl::Status RunOnce(pqxx::work& tx, const std::string& request_id,
                                   const std::string& method,
                                   const google::protobuf::Message& request,
                                   google::protobuf::Message* out,
                                   absl::FunctionRef<absl::Status()> effect,
                                   bool* replayed = nullptr);

// Hex of the deterministic encoding of `message`: equal messages give equal text, for request
// fingerprints (hash it in SQL with encode(sha256(decode($n, 'hex')), 'hex')).
std::string DeterministicHex(const google::protobuf::Message& message);

}  // namespace oms
