// Webhook subscriptions' rules that need neither the network nor the database: the type of a fed
// event, which subscriptions want it, the body sent for it, the retry schedule, and the checks
// of a new subscription's event types.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "oms/order/v1/order.pb.h"

namespace oms::order {

inline constexpr int kMaxWebhookEventTypes = 20;
inline constexpr std::size_t kMaxWebhookEventTypeLength = 100;

// The event's type: "order.status.<status>" for a status change, "saga.<step>.<action>.<outcome>"
// for a saga step and "shipping.<event>" for a shipment event, lower case (e.g.
// "order.status.confirmed", "saga.capture.forward.ok", "shipping.delivered").
std::string WebhookEventType(const v1::TimelineEvent& event);

// Whether a subscription to `prefixes` wants events of `type`: a prefix matches whole
// dot-separated segments ("order.status" matches "order.status.confirmed", not
// "order.statusx"); no prefixes match everything.
bool WebhookWants(const google::protobuf::RepeatedPtrField<std::string>& prefixes,
                  const std::string& type);

// INVALID_ARGUMENT naming event_types[i] for more than kMaxWebhookEventTypes types, or a type
// that is empty, too long, or not made of a-z, 0-9, '.' and '_' in non-empty segments.
[[nodiscard]] absl::Status ValidateWebhookEventTypes(
    const google::protobuf::RepeatedPtrField<std::string>& types);

// The body POSTed for `fed`: {"type", "timestamp" (the event's time), "data" (the FeedEvent)}.
// The same for every attempt: it depends on the event alone.
std::string WebhookPayload(const v1::FeedEvent& fed);

// How long to wait after the `failed`-th failed attempt in a row (1 for the first): `base`
// doubled each time, at most `cap`.
std::chrono::milliseconds WebhookBackoff(int failed, std::chrono::milliseconds base,
                                         std::chrono::milliseconds cap);

}  // namespace oms::order
