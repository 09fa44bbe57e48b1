// Named failpoints for fault tests, compiled into every build and inert unless a point is named.
//
// OMS_FAILPOINTS holds entries "<name>=<action>[@<trigger>]", separated by commas or newlines;
// OMS_FAILPOINTS_FILE names a file of such entries that is read again whenever it changes, so a
// running process is armed and disarmed without a restart (the chaos suite writes it).
//   actions:  crash         exit at once with status 137, as kill -9 would
//             sleep(<ms>)   stall the thread that reached the point (1 .. 600000 ms)
//             error(<CODE>) fail there with a gRPC status code, e.g. error(UNAVAILABLE)
//             reply_lost    the work is done, its answer never arrives (the caller sees an
//                           unknown outcome)
//   triggers: always (the default) | p<probability in (0,1]>, e.g. p0.25 | nth<n>: the n-th hit
//             only | every<n>: every n-th hit
// A probability is decided by a hash of OMS_FAILPOINTS_SEED, the point and the request id, so a
// seeded run makes the same decision for the same request whatever the timing.
//
// Where a point sits decides what error and reply_lost mean there: a server's
// `<service>.<Method>.before_reply` (after the handler committed) answers with the error, or
// UNAVAILABLE for a lost reply; billing's `billing.<op>.before_commit` fails the transaction;
// the coordinator's `order.before_<step>` fails the call without making it (as a participant's
// answer with that code would: UNAVAILABLE is retried, FAILED_PRECONDITION refused) and
// `order.after_<step>` loses the answer of a call that was made.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace oms {

enum class FailAction { kNone, kCrash, kSleep, kError, kReplyLost };

// What a point asks of its caller once it fired (a crash never returns, a sleep has happened).
struct FailDecision {
  FailAction action = FailAction::kNone;
  absl::StatusCode code = absl::StatusCode::kOk;  // for kError
  // The status the caller fails with: the error's code, UNAVAILABLE for a lost reply, OK else.
  absl::Status AsStatus(absl::string_view name) const;
};

class Failpoints {
 public:
  Failpoints() = default;  // nothing armed
  // OMS_FAILPOINTS, OMS_FAILPOINTS_FILE and OMS_FAILPOINTS_SEED.
  static Failpoints FromEnvironment();
  // Entries as OMS_FAILPOINTS holds them; a malformed entry is logged and left out.
  static Failpoints Parse(absl::string_view specification);
  // The first malformed entry, for tools that write specifications.
  static absl::Status Validate(absl::string_view specification);

  bool armed(absl::string_view name) const;
  // Nothing armed and no file to watch: callers skip building point names.
  bool empty() const;

  // Counts the hit and, when the point fires, crashes or sleeps here, or returns the error or
  // lost reply for the caller to apply. Copies of a Failpoints share their points and counts.
  FailDecision Hit(absl::string_view name, absl::string_view request_id) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace oms
