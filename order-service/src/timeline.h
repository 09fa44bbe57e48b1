// An order's timeline: its status changes and saga steps (the order database), its payment
// transactions (billing) and its shipments' journals (shipping), merged in time order.
//
// Every event gets an id, "<recorded time in microseconds since the epoch, 17 digits>-<16 hex
// digits of a hash of what happened>", stable across reads (the rows behind it never change) and
// sorting in the order oms learned of the events. That is the order WatchOrder sends them in, so
// a client's last id tells what it has seen even when a carrier posts a scan hours late.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

class BillingClient;
class OrderRepository;
class ShippingClient;

// NOT_FOUND when there is no such order; UNAVAILABLE when billing or shipping cannot be read.
// Blocking: it reads the database, then waits for billing's and shipping's answers (asked at
// once, so the slower one sets the pace); run it on the executor.
[[nodiscard]] absl::Status ReadTimeline(OrderRepository& orders, BillingClient& billing,
                                        ShippingClient& shipping, const std::string& order_id,
                                        const std::string& request_id, v1::OrderTimeline* out);

// Gives each event its id (two identical events get distinct ones; an event without a recorded
// time was recorded at its time) and sorts the timeline by time, then id.
void AssignIdsAndSort(v1::OrderTimeline* timeline);

// Whether `id` has the form AssignIdsAndSort gives (for resume cursors from clients).
bool IsTimelineEventId(const std::string& id);

}  // namespace oms::order
