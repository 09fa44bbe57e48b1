// Structured logs: one JSON object per line on stderr with time, level, service, request id,
// message and fields, so that a log pipeline can index them without parsing prose.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace oms::log {

enum class Level { kDebug, kInfo, kWarn, kError };
using Fields = std::vector<std::pair<std::string, std::string>>;

// Sets the service name every line carries and the lowest level written. Call once in main.
void Init(absl::string_view service, Level min_level = Level::kInfo);

// Parses "debug", "info", "warn" or "error"; false for anything else.
[[nodiscard]] bool ParseLevel(absl::string_view text, Level* level);

// Whether a line at `level` would be written: a caller skips building the fields of one that
// would not.
[[nodiscard]] bool Enabled(Level level);

void Write(Level level, absl::string_view request_id, absl::string_view message,
           const Fields& fields = {});
inline void Debug(absl::string_view request_id, absl::string_view message, const Fields& f = {}) {
  Write(Level::kDebug, request_id, message, f);
}
inline void Info(absl::string_view request_id, absl::string_view message, const Fields& f = {}) {
  Write(Level::kInfo, request_id, message, f);
}
inline void Warn(absl::string_view request_id, absl::string_view message, const Fields& f = {}) {
  Write(Level::kWarn, request_id, message, f);
}
inline void Error(absl::string_view request_id, absl::string_view message, const Fields& f = {}) {
  Write(Level::kError, request_id, message, f);
}

// The JSON line for one event (no trailing newline); exposed for tests.
[[nodiscard]] std::string FormatLine(std::chrono::system_clock::time_point time, Level level,
                                     absl::string_view service, absl::string_view request_id,
                                     absl::string_view message, const Fields& fields);

}  // namespace oms::log
