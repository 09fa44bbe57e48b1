#include "order-service/src/timeline_resume.h"

#include <algorithm>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace oms::order {
namespace {

constexpr char kTokenPrefix[] = "r1~";
constexpr std::size_t kTokenPrefixLength = 3;
constexpr std::size_t kDigestLength = 12;  // hex digits: 48 bits
// Listed events beyond this are left out of the position: a client resuming from it may be sent
// them again, never miss one. The token stays within kMaxResumeTokenLength.
constexpr std::size_t kMaxDigests = 300;
static_assert(kMaxDigests * kDigestLength + 200 <= kMaxResumeTokenLength);

// FNV-1a over the id, cut to 48 bits: ids differ within an order's few hundred events.
std::uint64_t Digest(const std::string& id) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : id) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash >> 16;
}

std::size_t IndexOf(TimelineSource source) { return static_cast<std::size_t>(source); }

std::string Joined(const std::array<std::int64_t, kTimelineSources>& values) {
  return absl::StrCat(values[0], ".", values[1], ".", values[2]);
}

bool ParseTriple(absl::string_view text, std::array<std::int64_t, kTimelineSources>* out) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() != kTimelineSources) return false;
  for (std::size_t i = 0; i < kTimelineSources; ++i) {
    const bool digits = !parts[i].empty() && parts[i].size() <= 19 &&
                        std::all_of(parts[i].begin(), parts[i].end(), absl::ascii_isdigit);
    if (!digits || !absl::SimpleAtoi(parts[i], &(*out)[i])) return false;
  }
  return true;
}

}  // namespace

bool IsTimelineEventId(const std::string& id) {
  if (id.size() != 34 || id[17] != '-') return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 17) continue;
    const char c = id[i];
    const bool ok =
        i < 17 ? absl::ascii_isdigit(c) : (absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'));
    if (!ok) return false;
  }
  return true;
}

ResumePosition ResumePosition::AfterEventId(const std::string& event_id) {
  ResumePosition position;
  position.horizons_.fill(std::numeric_limits<std::int64_t>::max());
  position.last_id_ = event_id;
  return position;
}

bool ResumePosition::LooksLikeToken(absl::string_view text) {
  return absl::StartsWith(text, kTokenPrefix);
}

absl::StatusOr<ResumePosition> ResumePosition::Parse(absl::string_view token,
                                                     const std::string& field) {
  const auto malformed = [&field] {
    return InvalidField(field, "must be a resume token WatchOrder sent, or an event id");
  };
  if (token.size() > kMaxResumeTokenLength || !LooksLikeToken(token)) return malformed();
  std::vector<absl::string_view> parts = absl::StrSplit(token.substr(kTokenPrefixLength), '~');
  if (parts.size() != 4) return malformed();
  ResumePosition position;
  if (!ParseTriple(parts[0], &position.floors_) || !ParseTriple(parts[1], &position.horizons_)) {
    return malformed();
  }
  position.last_id_ = std::string(parts[2]);
  if (!position.last_id_.empty() && !IsTimelineEventId(position.last_id_)) return malformed();
  const absl::string_view digests = parts[3];
  if (digests.size() % kDigestLength != 0 || digests.size() / kDigestLength > kMaxDigests) {
    return malformed();
  }
  for (std::size_t at = 0; at < digests.size(); at += kDigestLength) {
    const absl::string_view hex = digests.substr(at, kDigestLength);
    std::uint64_t digest = 0;
    const bool lower_hex = std::all_of(hex.begin(), hex.end(), [](char c) {
      return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
    });
    if (!lower_hex || !absl::SimpleHexAtoi(hex, &digest)) return malformed();
    position.digests_.insert(digest);
  }
  return position;
}

bool ResumePosition::InBatch(const std::string& id, const EventPosition& where) const {
  return !last_id_.empty() && where.xact < horizons_[IndexOf(where.source)] && id <= last_id_;
}

bool ResumePosition::Sent(const std::string& id, const EventPosition& where) const {
  return where.xact < floors_[IndexOf(where.source)] || InBatch(id, where) ||
         digests_.count(Digest(id)) > 0;
}

void ResumePosition::List(const std::string& id) {
  if (digests_.size() < kMaxDigests) digests_.insert(Digest(id));
}

std::vector<std::pair<std::string, std::string>> ResumePosition::Plan(
    const TimelineRead& read) const {
  ResumePosition next = *this;
  // A batch clause speaks of the read it came from: against this read it becomes a list.
  if (!last_id_.empty()) {
    for (const auto& [id, where] : read.events) {
      if (InBatch(id, where) && where.xact >= floors_[IndexOf(where.source)]) next.List(id);
    }
    next.last_id_.clear();
    next.horizons_ = next.floors_;
  }
  std::array<std::int64_t, kTimelineSources> floors;
  for (std::size_t s = 0; s < kTimelineSources; ++s) {
    floors[s] = std::max(floors_[s], read.floors[s]);  // 0: the read did not say
  }
  std::vector<const std::pair<const std::string, EventPosition>*> unsent;
  for (const auto& event : read.events) {
    if (!next.Sent(event.first, event.second)) unsent.push_back(&event);
  }
  std::vector<std::pair<std::string, std::string>> plan;
  for (std::size_t i = 0; i < unsent.size(); ++i) {
    const auto& [id, where] = *unsent[i];
    if (i + 1 < unsent.size()) {
      next.horizons_ = floors;
      next.last_id_ = id;
      if (where.xact >= floors[IndexOf(where.source)]) next.List(id);
    } else {
      // Everything the read saw is sent: its floors hold, and what is above them is listed.
      next.floors_ = floors;
      next.horizons_ = floors;
      next.last_id_.clear();
      next.digests_.clear();
      for (const auto& [seen, seen_where] : read.events) {
        if (seen_where.xact >= floors[IndexOf(seen_where.source)]) next.List(seen);
      }
    }
    plan.emplace_back(id, next.Token());
  }
  return plan;
}

std::string ResumePosition::Token() const {
  std::string token =
      absl::StrCat(kTokenPrefix, Joined(floors_), "~", Joined(horizons_), "~", last_id_, "~");
  for (std::uint64_t digest : digests_) absl::StrAppendFormat(&token, "%012x", digest);
  return token;
}

}  // namespace oms::order
