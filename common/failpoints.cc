#include "common/failpoints.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/log.h"

namespace oms {
namespace {

constexpr int kMaxSleepMs = 600000;
// How often a watched file is looked at again, at most (from the points' own hits).
constexpr auto kFileCheckInterval = std::chrono::milliseconds(100);

enum class Trigger { kAlways, kProbability, kNth, kEvery };

struct Point {
  FailAction action = FailAction::kNone;
  int sleep_ms = 0;
  absl::StatusCode code = absl::StatusCode::kOk;
  Trigger trigger = Trigger::kAlways;
  double probability = 1;
  int64_t n = 1;
  int64_t hits = 0;
  std::mt19937_64 random;
};

bool ParseCode(absl::string_view text, absl::StatusCode* code) {
  for (int value = 1; value <= 16; ++value) {
    const auto candidate = static_cast<absl::StatusCode>(value);
    if (absl::StatusCodeToString(candidate) == text) {
      *code = candidate;
      return true;
    }
  }
  return false;
}

absl::Status Malformed(absl::string_view entry, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("failpoint \"", entry, "\": ", why));
}

absl::Status ParseAction(absl::string_view entry, absl::string_view text, Point* point) {
  if (text == "crash") {
    point->action = FailAction::kCrash;
  } else if (text == "reply_lost") {
    point->action = FailAction::kReplyLost;
  } else if (absl::ConsumePrefix(&text, "sleep(") && absl::ConsumeSuffix(&text, ")")) {
    if (!absl::SimpleAtoi(text, &point->sleep_ms) || point->sleep_ms < 1 ||
        point->sleep_ms > kMaxSleepMs) {
      return Malformed(entry, absl::StrCat("sleep takes 1 to ", kMaxSleepMs, " ms"));
    }
    point->action = FailAction::kSleep;
  } else if (absl::ConsumePrefix(&text, "error(") && absl::ConsumeSuffix(&text, ")")) {
    if (!ParseCode(text, &point->code)) {
      return Malformed(entry, "error takes a gRPC status code name, e.g. error(UNAVAILABLE)");
    }
    point->action = FailAction::kError;
  } else {
    return Malformed(entry, "the action is crash, sleep(<ms>), error(<CODE>) or reply_lost");
  }
  return absl::OkStatus();
}

absl::Status ParseTrigger(absl::string_view entry, absl::string_view text, Point* point) {
  if (text.empty() || text == "always") return absl::OkStatus();
  if (absl::ConsumePrefix(&text, "p")) {
    if (!absl::SimpleAtod(text, &point->probability) || !(point->probability > 0) ||
        point->probability > 1) {
      return Malformed(entry, "a probability is p<number in (0, 1]>, e.g. p0.25");
    }
    point->trigger = Trigger::kProbability;
    return absl::OkStatus();
  }
  const bool nth = absl::ConsumePrefix(&text, "nth");
  if (!nth && !absl::ConsumePrefix(&text, "every")) {
    return Malformed(entry, "the trigger is always, p<probability>, nth<n> or every<n>");
  }
  if (!absl::SimpleAtoi(text, &point->n) || point->n < 1) {
    return Malformed(entry, "nth and every take a whole number from 1");
  }
  point->trigger = nth ? Trigger::kNth : Trigger::kEvery;
  return absl::OkStatus();
}

using PointMap = std::map<std::string, Point, std::less<>>;

// Every well-formed entry into `points`; the first malformed one's error (the rest still go in).
absl::Status ParseInto(absl::string_view specification, uint64_t seed, PointMap* points) {
  absl::Status first_error;
  for (absl::string_view raw : absl::StrSplit(specification, absl::ByAnyChar(",\n"))) {
    const absl::string_view entry = absl::StripAsciiWhitespace(raw);
    if (entry.empty()) continue;
    const std::pair<absl::string_view, absl::string_view> named =
        absl::StrSplit(entry, absl::MaxSplits('=', 1));
    const std::pair<absl::string_view, absl::string_view> acted =
        absl::StrSplit(named.second, absl::MaxSplits('@', 1));
    Point point;
    absl::Status status = named.first.empty() ? Malformed(entry, "the point has no name")
                                              : ParseAction(entry, acted.first, &point);
    if (status.ok()) status = ParseTrigger(entry, acted.second, &point);
    if (!status.ok()) {
      if (first_error.ok()) first_error = status;
      continue;
    }
    point.random.seed(seed ^ absl::HashOf(named.first));
    (*points)[std::string(named.first)] = std::move(point);
  }
  return first_error;
}

bool Fires(Point& point) {
  ++point.hits;
  switch (point.trigger) {
    case Trigger::kAlways:
      return true;
    case Trigger::kProbability:
      return std::uniform_real_distribution<double>(0, 1)(point.random) < point.probability;
    case Trigger::kNth:
      return point.hits == point.n;
    case Trigger::kEvery:
      return point.hits % point.n == 0;
  }
  return false;
}

}  // namespace

struct Failpoints::State {
  std::mutex mu;
  PointMap points;
  uint64_t seed = 1;
  std::string file;  // watched when not empty
  std::string file_content;
  std::chrono::steady_clock::time_point file_checked{};

  // Takes the file's entries when its content changed (under mu). The points it names start
  // counting afresh; a file that cannot be read leaves the points as they are.
  void RefreshFromFile() {
    const auto now = std::chrono::steady_clock::now();
    if (file.empty() || now - file_checked < kFileCheckInterval) return;
    file_checked = now;
    std::ifstream in(file);
    if (!in) return;
    std::stringstream content;
    content << in.rdbuf();
    if (content.str() == file_content) return;
    file_content = content.str();
    PointMap fresh;
    absl::Status parsed = ParseInto(file_content, seed, &fresh);
    if (!parsed.ok()) log::Warn("", "failpoints file", {{"error", parsed.ToString()}});
    points = std::move(fresh);
    log::Info("", "failpoints armed from file",
              {{"file", file}, {"points", std::to_string(points.size())}});
  }
};

absl::Status FailDecision::AsStatus(absl::string_view name) const {
  switch (action) {
    case FailAction::kError:
      return absl::Status(code, absl::StrCat("failpoint ", name));
    case FailAction::kReplyLost:
      return absl::UnavailableError(absl::StrCat("failpoint ", name, ": reply lost"));
    default:
      return absl::OkStatus();
  }
}

Failpoints Failpoints::FromEnvironment() {
  const char* specification = std::getenv("OMS_FAILPOINTS");
  Failpoints failpoints = Parse(specification == nullptr ? "" : specification);
  const char* seed = std::getenv("OMS_FAILPOINTS_SEED");
  const char* file = std::getenv("OMS_FAILPOINTS_FILE");
  if ((seed == nullptr || *seed == '\0') && (file == nullptr || *file == '\0')) return failpoints;
  if (failpoints.state_ == nullptr) failpoints.state_ = std::make_shared<State>();
  State& state = *failpoints.state_;
  if (seed != nullptr && !absl::SimpleAtoi(seed, &state.seed)) {
    log::Warn("", "OMS_FAILPOINTS_SEED is not a whole number; seed 1 is used", {});
  }
  if (file != nullptr) state.file = file;
  return failpoints;
}

Failpoints Failpoints::Parse(absl::string_view specification) {
  Failpoints failpoints;
  PointMap points;
  absl::Status parsed = ParseInto(specification, 1, &points);
  if (!parsed.ok()) log::Warn("", "failpoints", {{"error", parsed.ToString()}});
  if (points.empty()) return failpoints;
  failpoints.state_ = std::make_shared<State>();
  failpoints.state_->points = std::move(points);
  return failpoints;
}

absl::Status Failpoints::Validate(absl::string_view specification) {
  PointMap points;
  return ParseInto(specification, 1, &points);
}

bool Failpoints::armed(absl::string_view name) const {
  if (state_ == nullptr) return false;
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->RefreshFromFile();
  return state_->points.find(name) != state_->points.end();
}

bool Failpoints::empty() const {
  if (state_ == nullptr) return true;
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->points.empty() && state_->file.empty();
}

FailDecision Failpoints::Hit(absl::string_view name, absl::string_view request_id) const {
  FailDecision decision;
  if (state_ == nullptr) return decision;
  int sleep_ms = 0;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->RefreshFromFile();
    auto point = state_->points.find(name);
    if (point == state_->points.end() || !Fires(point->second)) return decision;
    decision.action = point->second.action;
    decision.code = point->second.code;
    sleep_ms = point->second.sleep_ms;
  }
  switch (decision.action) {
    case FailAction::kCrash:
      log::Error(request_id, "failpoint: crashing", {{"failpoint", std::string(name)}});
      std::_Exit(137);  // no destructors, no flushing of anything else: a crash
    case FailAction::kSleep:
      log::Warn(request_id, "failpoint: sleeping",
                {{"failpoint", std::string(name)}, {"ms", std::to_string(sleep_ms)}});
      std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
      decision.action = FailAction::kNone;  // nothing left for the caller to do
      break;
    default:
      log::Warn(request_id, "failpoint: failing",
                {{"failpoint", std::string(name)}, {"status", decision.AsStatus(name).ToString()}});
      break;
  }
  return decision;
}

}  // namespace oms
