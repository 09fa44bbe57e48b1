#include "order-service/src/timeline_ids.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

// FNV-1a: the same on every replica and every build, unlike std::hash.
std::uint64_t Fnv1a(const std::string& text, std::uint64_t hash = 14695981039346656037ull) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

std::string TimelineEventId(const v1::TimelineEvent& event, int occurrence) {
  std::uint64_t hash = Fnv1a(event.source());
  for (const std::string* part : {&event.kind(), &event.detail(), &event.subject()}) {
    hash = Fnv1a("\x1f" + *part, hash);
  }
  if (occurrence > 0) hash = Fnv1a(absl::StrCat("\x1f#", occurrence), hash);
  const auto& recorded = event.has_recorded_time() ? event.recorded_time() : event.time();
  const int64_t micros = std::max<int64_t>(0, TimeUtil::TimestampToMicroseconds(recorded));
  return absl::StrFormat("%017d-%016x", micros, hash);
}

void ShipmentJournalEvent(const std::string& shipment_id, const shipping::v1::JournalEntry& entry,
                          v1::TimelineEvent* event) {
  *event->mutable_time() = entry.occurred_at();
  *event->mutable_recorded_time() = entry.recorded_at();
  event->set_source("shipping");
  event->set_kind(std::string(absl::StripPrefix(shipping::v1::ShipmentEventType_Name(entry.type()),
                                                "SHIPMENT_EVENT_TYPE_")));
  event->set_detail(absl::StrCat(entry.location(), entry.note().empty() ? "" : ": ", entry.note()));
  event->set_subject(shipment_id);
}

void AssignIds(v1::OrderTimeline* timeline) {
  std::set<std::string> seen;
  for (auto& event : *timeline->mutable_events()) {
    if (!event.has_recorded_time()) *event.mutable_recorded_time() = event.time();
    int occurrence = 0;
    std::string id = TimelineEventId(event, occurrence);
    while (!seen.insert(id).second) id = TimelineEventId(event, ++occurrence);
    event.set_id(std::move(id));
  }
}

void AssignIdsAndSort(v1::OrderTimeline* timeline) {
  AssignIds(timeline);
  SortByTime(timeline);
}

void SortByTime(v1::OrderTimeline* timeline) {
  std::sort(timeline->mutable_events()->begin(), timeline->mutable_events()->end(),
            [](const v1::TimelineEvent& a, const v1::TimelineEvent& b) {
              const auto a_time = TimeUtil::TimestampToMicroseconds(a.time());
              const auto b_time = TimeUtil::TimestampToMicroseconds(b.time());
              return a_time != b_time ? a_time < b_time : a.id() < b.id();
            });
}

}  // namespace oms::order
