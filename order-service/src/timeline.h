// An order's timeline: its status changes and saga steps (the order database), its payment
// transactions (billing) and its shipments' journals (shipping), merged in time order.
//
// Event ids (timeline_ids.h) sort in the order oms recorded the events (a carrier's scan posted
// hours late sorts when it was posted). Recorded is not committed: a capture recorded before a
// slow provider call commits after events recorded later, so WatchOrder resumes from positions
// in commit order instead (timeline_resume.h).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "oms/order/v1/order.pb.h"
#include "order-service/src/timeline_ids.h"
#include "order-service/src/timeline_resume.h"

namespace oms::order {

class BillingClient;
class OrderRepository;
class ShippingClient;

// NOT_FOUND when there is no such order; UNAVAILABLE when billing or shipping cannot be read.
// Blocking: it reads the database, then waits for billing's and shipping's answers (asked at
// once, so the slower one sets the pace); run it on the executor. `out` starts empty. `read`,
// when given, gets each event's transaction and each source's floor (WatchOrder's resume
// positions).
[[nodiscard]] absl::Status ReadTimeline(OrderRepository& orders, BillingClient& billing,
                                        ShippingClient& shipping, const std::string& order_id,
                                        const std::string& request_id, v1::OrderTimeline* out,
                                        TimelineRead* read = nullptr);

}  // namespace oms::order
