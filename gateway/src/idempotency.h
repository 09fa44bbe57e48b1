// Idempotency-Key on POST routes, independent of where the records live: the scope a key
// belongs to, the request's fingerprint, which answers are kept for replay, and the interface of
// the record store (order-service keeps them: idempotency_client.h). No gRPC here.
//
// A key is claimed before the route's handler runs. The first request with a key runs and its
// answer is stored; a repeat of it is answered with that answer (Idempotent-Replayed: true); a
// repeat while it still runs is 409 IDEMPOTENCY_KEY_IN_USE; the same key with another request
// is 422 IDEMPOTENCY_KEY_REUSED. Answers that say the request did not run, or whose outcome is
// unknown, are not stored: the claim is released and a retry runs again (the services' own
// request ids still deduplicate what they can). A route whose backend keeps the key's record
// itself (IdempotencyRecord::kBackend, route.h) is not claimed here at all.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/src/auth.h"
#include "gateway/src/http_types.h"
#include "gateway/src/router.h"

namespace oms::gateway {

inline constexpr char kReplayedHeader[] = "Idempotent-Replayed";
// Bodies larger than this are not stored (the claim is released instead); no POST answer of
// the API comes near it.
inline constexpr std::size_t kMaxStoredAnswerBytes = 1 << 20;

// Whose key it is and where: the caller's client id (the one order-service scopes its own
// request ids by; the credential id when there is none) and the route.
std::string IdempotencyScope(const Principal& principal, const std::string& method,
                             const std::string& route_template);

// The request id a participant is given for a client's Idempotency-Key: "gw:" and the hex
// SHA-256 of the scope (IdempotencyScope) and the key, so two clients' equal keys, or one
// client's key on two routes, never meet at a participant. Stable for a given client, route and
// key, so a retry reaches the participant with the same id.
std::string ParticipantRequestId(const Principal& principal, const std::string& method,
                                 const std::string& route_template, const std::string& key);

// SHA-256 (raw bytes) of the request as far as idempotency is concerned: method, route template,
// path parameters and the body bytes, each length-prefixed so that no two requests collide by
// concatenation.
std::string RequestFingerprint(const std::string& method, const std::string& route_template,
                               const PathParams& params, const std::string& body);

// Whether an answer of the route's handler is kept for replay: successes and the handler's
// final refusals (404, 403, 422, ...). Not kept: 400 (bad input: nothing ran, and a corrected
// request is another request), 408, 409 (a conflict with the resource's current state, which a
// later retry may not meet: RETURN_SHIPMENT_PENDING, ORDER_NOT_CONFIRMED), 429, 499 and every
// 5xx (the request did not run, or its outcome is unknown), nor streams.
bool IsStoredAnswer(const Response& response);

// The answer as it is stored: status, body and the headers that belong to it (Content-Type,
// Location, Retry-After), not those of the exchange (X-Request-Id, CORS), which the replay gets
// afresh.
Response StoredAnswer(const Response& response);

// What a backend that keeps its routes' keys (IdempotencyRecord::kBackend) said of one, as the
// outcomes the gateway's own records count: "replayed" (the Idempotent-Replayed header),
// "in_use" and "mismatch" (its IDEMPOTENCY_KEY_IN_USE and _REUSED refusals), and otherwise
// "claimed": the request ran as the key's first.
const char* BackendKeyOutcome(const Response& response);

class IdempotencyStore {
 public:
  struct Claim {
    std::string scope;
    std::string key;
    std::string fingerprint;
    // Another gateway may take the claim over after this (this one died with it).
    std::chrono::milliseconds lease{0};
    std::string request_id;  // passed on as x-request-id, for the logs
  };
  enum class Outcome { kClaimed, kCompleted, kInProgress, kMismatch };
  struct ClaimResult {
    Outcome outcome = Outcome::kClaimed;
    std::string token;  // kClaimed: names the claim to Complete and Release
    Response answer;    // kCompleted: the stored answer
  };
  using ClaimDone = std::function<void(absl::StatusOr<ClaimResult>)>;
  using Done = std::function<void(absl::Status)>;

  virtual ~IdempotencyStore() = default;
  // Each calls `done` exactly once, from any thread.
  virtual void ClaimKey(const Claim& claim, ClaimDone done) = 0;
  virtual void Complete(const Claim& claim, const std::string& token, const Response& answer,
                        Done done) = 0;
  virtual void Release(const Claim& claim, const std::string& token, Done done) = 0;
};

}  // namespace oms::gateway
