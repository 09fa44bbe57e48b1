#include "common/log.h"

#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "absl/time/time.h"

namespace oms::log {
namespace {

struct State {
  std::mutex mu;
  std::string service = "oms";
  Level min_level = Level::kInfo;
  std::shared_ptr<spdlog::logger> logger;
};

State& GetState() {
  static State* state = [] {
    auto* s = new State;
    // spdlog owns the locking and flushing; the line itself is already formatted JSON.
    s->logger = spdlog::stderr_logger_mt("oms_json");
    s->logger->set_pattern("%v");
    s->logger->flush_on(spdlog::level::trace);
    return s;
  }();
  return *state;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void Init(absl::string_view service, Level min_level) {
  State& state = GetState();
  std::lock_guard<std::mutex> lock(state.mu);
  state.service = std::string(service);
  state.min_level = min_level;
}

bool ParseLevel(absl::string_view text, Level* level) {
  for (Level candidate : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (text == LevelName(candidate)) {
      *level = candidate;
      return true;
    }
  }
  return false;
}

std::string FormatLine(std::chrono::system_clock::time_point time, Level level,
                       absl::string_view service, absl::string_view request_id,
                       absl::string_view message, const Fields& fields) {
  nlohmann::ordered_json line;
  line["time"] =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromChrono(time), absl::UTCTimeZone());
  line["level"] = LevelName(level);
  line["service"] = std::string(service);
  if (!request_id.empty()) line["request_id"] = std::string(request_id);
  line["message"] = std::string(message);
  for (const auto& [key, value] : fields) line[key] = value;
  // Replace rather than throw on invalid UTF-8: a log line must never take the process down.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

bool Enabled(Level level) {
  State& state = GetState();
  std::lock_guard<std::mutex> lock(state.mu);
  return level >= state.min_level;
}

void Write(Level level, absl::string_view request_id, absl::string_view message,
           const Fields& fields) {
  State& state = GetState();
  std::string service;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    if (level < state.min_level) return;
    service = state.service;
  }
  state.logger->info(
      FormatLine(std::chrono::system_clock::now(), level, service, request_id, message, fields));
}

}  // namespace oms::log
