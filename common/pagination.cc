#include "common/pagination.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "common/validation.h"

namespace oms {
namespace {
constexpr absl::string_view kTokenPrefix = "oms1:";
}

absl::StatusOr<int> PageSize(int requested) {
  if (requested < 0) return InvalidField("page_size", "must not be negative");
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

std::string EncodePageToken(absl::string_view last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, last_key));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token) {
  if (token.empty()) return std::string();
  std::string decoded;
  if (token.size() > 1024 || !absl::WebSafeBase64Unescape(token, &decoded) ||
      !absl::StartsWith(decoded, kTokenPrefix)) {
    return InvalidField("page_token", "is not a token this server issued");
  }
  return decoded.substr(kTokenPrefix.size());
}

std::string TimeIdPayload(int64_t micros, absl::string_view id) {
  return absl::StrCat(micros, ":", id);
}

absl::StatusOr<TimeIdKey> ParseTimeIdPayload(absl::string_view payload) {
  TimeIdKey key;
  if (payload.empty()) return key;
  std::pair<std::string, std::string> parts = absl::StrSplit(payload, absl::MaxSplits(':', 1));
  if (!absl::SimpleAtoi(parts.first, &key.micros) ||
      !ValidateUuid(parts.second, "page_token", "a row id").ok()) {
    return InvalidField("page_token", "is not a token this server issued");
  }
  key.id = parts.second;
  return key;
}

}  // namespace oms
