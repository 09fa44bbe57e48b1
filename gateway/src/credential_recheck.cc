#include "gateway/src/credential_recheck.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::gateway {

absl::Status RecheckVerdict(const absl::StatusOr<Principal>& answer, absl::string_view scope) {
  if (!answer.ok()) {
    // A credential granting what its holder may not: refused as at the stream's start.
    if (answer.status().code() == absl::StatusCode::kPermissionDenied) return answer.status();
    if (answer.status().code() != absl::StatusCode::kUnauthenticated) return absl::OkStatus();
    std::string reason = ReasonOf(answer.status());
    return WithReason(
        absl::StatusCode::kUnauthenticated, reason.empty() ? "INVALID_CREDENTIALS" : reason,
        absl::StrCat("the stream's credential is no longer accepted: ", answer.status().message()));
  }
  if (!scope.empty() && !answer->HasScope(scope)) {
    return WithReason(absl::StatusCode::kPermissionDenied, "MISSING_SCOPE",
                      absl::StrCat("the stream's credential no longer holds the scope ", scope));
  }
  return absl::OkStatus();
}

CredentialRecheck::CredentialRecheck(const Authenticator& authenticator,
                                     std::optional<std::string> authorization, std::string scope,
                                     std::shared_ptr<void> slot, OnRefused on_refused)
    : authenticator_(authenticator),
      authorization_(std::move(authorization)),
      scope_(std::move(scope)),
      slot_(std::move(slot)),
      on_refused_(std::move(on_refused)) {}

void CredentialRecheck::Run(std::chrono::system_clock::time_point now) {
  if (refused_.load() || verifying_.exchange(true)) return;
  // The answer holds this object, and so the slot, until it comes.
  authenticator_.Authenticate(authorization_ ? &*authorization_ : nullptr, now,
                              [self = shared_from_this()](absl::StatusOr<Principal> answer) {
                                self->Judge(answer);
                                self->verifying_.store(false);
                              });
}

void CredentialRecheck::Judge(const absl::StatusOr<Principal>& answer) {
  absl::Status verdict = RecheckVerdict(answer, scope_);
  if (!verdict.ok() && !refused_.exchange(true)) on_refused_(verdict);
}

}  // namespace oms::gateway
