// The ids of timeline events, and the timeline's order.
//
// Every event gets an id, "<recorded time in microseconds since the epoch, 17 digits>-<16 hex
// digits of a hash of what happened>", stable across reads (the rows behind it never change) and
// sorting in the order oms recorded the events. The order's timeline and the feed of all orders
// give one event the same id.
#pragma once

#include <string>

#include "oms/order/v1/order.pb.h"

namespace oms::shipping::v1 {
class JournalEntry;
}  // namespace oms::shipping::v1

namespace oms::order {

// The id of `event` (its recorded time, or its time when it has none); `occurrence` tells
// apart identical events of one timeline (0 for the first).
std::string TimelineEventId(const v1::TimelineEvent& event, int occurrence = 0);

// Shipment `shipment_id`'s journal entry as the timeline and the feed show it (no id): kind the
// entry's type ("DELIVERED"), detail "<location>: <note>", subject the shipment.
void ShipmentJournalEvent(const std::string& shipment_id, const shipping::v1::JournalEntry& entry,
                          v1::TimelineEvent* event);

// Gives each event its id (two identical events get distinct ones; an event without a recorded
// time was recorded at its time).
void AssignIds(v1::OrderTimeline* timeline);
// Sorts the timeline by time, then id.
void SortByTime(v1::OrderTimeline* timeline);
// Both.
void AssignIdsAndSort(v1::OrderTimeline* timeline);

}  // namespace oms::order
