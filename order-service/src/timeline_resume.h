// Where a watcher of an order's timeline is, in commit order rather than by clock.
//
// Every timeline row carries the PostgreSQL transaction (xid8) that wrote it, and every read of
// a source (order database, billing, shipping) reports its snapshot's xmin, its floor: each
// transaction below it had ended before the read, so each event it committed is in that read.
// An event recorded at t can commit long after events recorded later (a capture waits on the
// payment provider inside its transaction), so no clock position is safe to resume from; a
// transaction position is. A position counts an event as sent when
//   - its transaction is below its source's floor (every such event went out with an earlier
//     batch), or
//   - its transaction is below its source's horizon and its id is at most `last_id` (the batch
//     being sent: all of it was visible to one read, and it goes out in id order), or
//   - its id's digest is listed (events of transactions at or above the floor: the few that were
//     running about the time of the read).
// An event that commits late has a transaction at or above the floor and the horizon of every
// read that did not see it, and is not listed: a client resuming from any position gets it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oms::order {

enum class TimelineSource { kOrder = 0, kBilling = 1, kShipping = 2 };
inline constexpr std::size_t kTimelineSources = 3;

// What one read of a source found: the transaction of each event, in the order the events were
// added, and the read's floor (0: not known, e.g. the read found nothing).
struct SourcePositions {
  std::int64_t floor = 0;
  std::vector<std::int64_t> xacts;
};

struct EventPosition {
  TimelineSource source = TimelineSource::kOrder;
  std::int64_t xact = 0;
};

// One read of an order's whole timeline: each event's position by id, each source's floor.
struct TimelineRead {
  std::array<std::int64_t, kTimelineSources> floors{};
  std::map<std::string, EventPosition> events;
};

// Whether `id` has the form timeline ids have (timeline_ids.h): "<17 digits>-<16 hex>".
bool IsTimelineEventId(const std::string& id);

// The longest token ResumePosition writes or accepts (it fits an HTTP header).
inline constexpr std::size_t kMaxResumeTokenLength = 4096;

class ResumePosition {
 public:
  // Nothing sent yet.
  ResumePosition() = default;
  // Every event with an id at most `event_id` (a timeline id) counts as sent: the clock resume
  // of a client that holds an id, not a token.
  static ResumePosition AfterEventId(const std::string& event_id);
  // A token from Token(); INVALID_ARGUMENT naming `field` for anything else.
  static absl::StatusOr<ResumePosition> Parse(absl::string_view token, const std::string& field);
  // Whether `text` claims to be a token (Parse decides whether it is one).
  static bool LooksLikeToken(absl::string_view text);

  bool Sent(const std::string& id, const EventPosition& where) const;

  // The events of `read` not sent yet, in id order, each with the token of the position once it
  // has been sent; after the last, everything `read` saw counts as sent.
  std::vector<std::pair<std::string, std::string>> Plan(const TimelineRead& read) const;

  std::string Token() const;

 private:
  bool InBatch(const std::string& id, const EventPosition& where) const;
  void List(const std::string& id);

  std::array<std::int64_t, kTimelineSources> floors_{};
  std::array<std::int64_t, kTimelineSources> horizons_{};
  std::string last_id_;
  std::set<std::uint64_t> digests_;
};

}  // namespace oms::order
