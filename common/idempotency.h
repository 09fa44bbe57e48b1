// Request-id idempotency for participant mutations: the first call with an id claims it in the
// same transaction as its effect and stores its answer, a response or a refusal; a repeat,
// sequential or concurrent, gets the stored answer and no second effect, whatever changed since.
// A refusal stored is a tombstone: a late duplicate of a refused request (a paused replica, a
// stalled coordinator, another replica reached by round-robin) cannot take effect after the caller
// acted on the refusal. Each service's schema has the `request_results` table:
//   request_id text PRIMARY KEY, method text, request_hash text, response bytea, created_at,
//   refusal_code integer, refusal_message text, refusal_details bytea
// (a refusal has a NULL response). Work also ends with its caller: RunOnce drops the work of a
// caller whose deadline has passed (CallDeadlineScope) and bounds its statements by the time left.
#pragma once

#include <string>
#include <vector>

#include <pqxx/transaction>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace google::protobuf {
class Message;
}

namespace oms {

struct PreparedStatement;

// The statements below; add them to the pool's list.
const std::vector<PreparedStatement>& IdempotencyStatements();

// Whether a failed effect's status is a refusal: a definite business answer that a repeat of the
// request must get again (FAILED_PRECONDITION, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
// OUT_OF_RANGE, PERMISSION_DENIED). Everything else says the request did not run or its outcome is
// unknown (UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED, INTERNAL, RESOURCE_EXHAUSTED, UNKNOWN,
// CANCELLED, ...): a retry must run it again, so nothing of it is kept.
[[nodiscard]] bool IsRefusal(absl::StatusCode code);

// The caller's deadline as RunOnce honours it, for the work done on this thread while the scope
// lives: the service layer opens one around each mutation (WithCallDeadline in
// grpc_interceptors.h), so that use cases and their fakes need no deadline parameter. Outside any
// scope (tests, background workers) there is no deadline.
class CallDeadlineScope {
 public:
  explicit CallDeadlineScope(absl::Time deadline);
  ~CallDeadlineScope();  // restores the enclosing scope's deadline
  CallDeadlineScope(const CallDeadlineScope&) = delete;
  CallDeadlineScope& operator=(const CallDeadlineScope&) = delete;

  // The innermost scope's deadline on this thread; absl::InfiniteFuture() without one.
  static absl::Time Current();

 private:
  absl::Time enclosing_;
};

// What statement_timeout a transaction begun at `now` gets under `deadline`: whole milliseconds
// left, rounded up, at least 1 and at most what statement_timeout takes; 0 for no deadline (no
// bound). DEADLINE_EXCEEDED once the deadline has passed.
[[nodiscard]] absl::StatusOr<int> StatementTimeoutMs(absl::Time deadline, absl::Time now);

// The one way a participant mutation is idempotent, run in `tx` before anything else of it:
//  1. The caller's deadline (CallDeadlineScope::Current): once it has passed, DEADLINE_EXCEEDED
//     and nothing runs; else every statement of `tx` is bounded by the time left (the session's
//     own statement_timeout, if shorter, stays).
//  2. Claims `request_id` (a concurrent claim of the same id waits for the first to end). A repeat
//     runs nothing and gets the stored answer: the response parsed into `*out` and OK, or the
//     stored refusal (code, message and payloads, e.g. the ErrorInfo reason). A different method
//     or body under the same id: FAILED_PRECONDITION IDEMPOTENCY_KEY_REUSED.
//  3. The first call runs `effect`, which fills `*out`, and keeps its answer by its status:
//     - OK: `*out` is recorded; the caller commits `tx`.
//     - a refusal (IsRefusal): RunOnce ENDS `tx` ITSELF: it rolls `tx` back (the effect's writes
//       and the claim), records the refusal as the answer in a transaction of its own on the
//       same connection and commits that, then returns the refusal. The caller returns it
//       without touching `tx` again. (Should a concurrent call with the id have claimed it in
//       between and answered, its answer stands: its refusal is returned as a repeat's, its
//       response as ABORTED, so that the caller asks again and gets it.)
//     - anything else is returned as it is; the caller's rollback takes the claim too, so a retry
//       runs the effect again.
//     If the deadline passed while the effect ran, DEADLINE_EXCEEDED instead, and nothing is kept.
// `*replayed` (when given) says whether this was a repeat.
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
