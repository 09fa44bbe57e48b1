#include "gateway/src/idempotency.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/src/auth.h"

namespace oms::gateway {
namespace {

void AppendField(std::string& out, absl::string_view field) {
  absl::StrAppend(&out, field.size(), ":", field, ";");
}

}  // namespace

std::string IdempotencyScope(const Principal& principal, const std::string& method,
                             const std::string& route_template) {
  const std::string& client =
      principal.client_id.empty() ? principal.credential_id : principal.client_id;
  return absl::StrCat(client, " ", method, " ", route_template);
}

std::string ParticipantRequestId(const Principal& principal, const std::string& method,
                                 const std::string& route_template, const std::string& key) {
  return absl::StrCat("gw:", absl::BytesToHexString(Sha256(absl::StrCat(
                                 IdempotencyScope(principal, method, route_template), "\n", key))));
}

std::string RequestFingerprint(const std::string& method, const std::string& route_template,
                               const PathParams& params, const std::string& body) {
  std::string text;
  text.reserve(body.size() + 256);
  AppendField(text, method);
  AppendField(text, route_template);
  AppendField(text, std::to_string(params.size()));
  for (const auto& [name, value] : params) {  // a std::map: in name order
    AppendField(text, name);
    AppendField(text, value);
  }
  AppendField(text, body);
  return Sha256(text);
}

bool IsStoredAnswer(const Response& response) {
  if (response.stream != nullptr) return false;
  if (response.body.size() > kMaxStoredAnswerBytes) return false;
  const int status = response.status;
  if (status >= 200 && status < 300) return true;
  if (status < 400 || status >= 500) return false;
  return status != 400 && status != 408 && status != 409 && status != 429 && status != 499;
}

const char* BackendKeyOutcome(const Response& response) {
  const std::string* replayed = FindHeader(response.headers, kReplayedHeader);
  if (replayed != nullptr && *replayed == "true") return "replayed";
  if (response.status == 409 || response.status == 422) {
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    const nlohmann::json* reason = nullptr;
    if (body.is_object() && body.contains("error") && body["error"].is_object() &&
        body["error"].contains("reason")) {
      reason = &body["error"]["reason"];
    }
    if (reason != nullptr && *reason == "IDEMPOTENCY_KEY_IN_USE") return "in_use";
    if (reason != nullptr && *reason == "IDEMPOTENCY_KEY_REUSED") return "mismatch";
  }
  return "claimed";
}

Response StoredAnswer(const Response& response) {
  Response stored;
  stored.status = response.status;
  stored.body = response.body;
  for (const auto& [name, value] : response.headers) {
    for (const char* kept : {"Content-Type", "Location", "Retry-After"}) {
      if (absl::EqualsIgnoreCase(name, kept)) stored.headers.emplace_back(name, value);
    }
  }
  return stored;
}

}  // namespace oms::gateway
