// An open stream's credential, verified again while the stream runs, so that a key revoked or a
// token expired since the stream began ends it as it would refuse a new request. The stream's
// timer calls Run (StreamedBody::recheck); the Authenticator answers on whichever thread it
// does, and nothing waits for it. No gRPC here: API keys reach order-service through the
// Authenticator's verifier, with its cache.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/src/auth.h"

namespace oms::gateway {

// What one verification of a stream's credential means for the stream: OK, it goes on;
// otherwise why it ends, for the client. Only a definite refusal ends it: the credential is no
// longer accepted (UNAUTHENTICATED: a revoked or unknown key, an expired token) or no longer
// holds `scope` (PERMISSION_DENIED, MISSING_SCOPE) or grants scopes its customer may not hold
// (PERMISSION_DENIED from CheckCustomerScopes). A verification that could not be made
// (order-service unavailable) is not the client's doing: the stream goes on, and the next
// check asks again.
[[nodiscard]] absl::Status RecheckVerdict(const absl::StatusOr<Principal>& answer,
                                          absl::string_view scope);

class CredentialRecheck : public std::enable_shared_from_this<CredentialRecheck> {
 public:
  using OnRefused = std::function<void(const absl::Status& why)>;

  // `authorization`: the stream's Authorization header as it came (none: nothing is accepted).
  // `scope`: what the stream's route needs ("" for none). `slot`: the stream's slot, kept until
  // the last verification has answered, so that shutdown (StreamSlots::WaitUntilNone) waits for
  // the answers too and `authenticator` outlives them.
  CredentialRecheck(const Authenticator& authenticator, std::optional<std::string> authorization,
                    std::string scope, std::shared_ptr<void> slot, OnRefused on_refused);

  // Verifies the credential again, unless the previous verification has not answered yet (a
  // slow order-service must not pile checks up). `on_refused` runs at most once, with
  // RecheckVerdict's reason, from whichever thread the answer comes on.
  void Run(std::chrono::system_clock::time_point now);

 private:
  void Judge(const absl::StatusOr<Principal>& answer);

  const Authenticator& authenticator_;
  const std::optional<std::string> authorization_;
  const std::string scope_;
  const std::shared_ptr<void> slot_;
  const OnRefused on_refused_;
  std::atomic<bool> verifying_{false};
  std::atomic<bool> refused_{false};
};

}  // namespace oms::gateway
