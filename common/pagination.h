// AIP-158 pagination: page sizes with a default and a ceiling, and opaque page tokens that carry
// the last key of the previous page (keyset pagination, stable under concurrent inserts).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oms {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// 0 -> the default; above the ceiling -> the ceiling; negative -> INVALID_ARGUMENT.
[[nodiscard]] absl::StatusOr<int> PageSize(int requested);

std::string EncodePageToken(absl::string_view last_key);
// "" -> "" (first page); anything not made by EncodePageToken -> INVALID_ARGUMENT "page_token".
[[nodiscard]] absl::StatusOr<std::string> DecodePageToken(absl::string_view token);

// The last key of lists ordered by creation time, then id (a UUID): "<micros>:<id>" as the
// token's payload. The first page's is (0, the nil UUID), before every row.
struct TimeIdKey {
  int64_t micros = 0;
  std::string id = "00000000-0000-0000-0000-000000000000";
};
std::string TimeIdPayload(int64_t micros, absl::string_view id);
// "" -> the first page's key; anything TimeIdPayload did not make -> INVALID_ARGUMENT
// "page_token".
[[nodiscard]] absl::StatusOr<TimeIdKey> ParseTimeIdPayload(absl::string_view payload);

}  // namespace oms
