// StreamEvents: every outbox event after the client's cursor, then each new commit, in batches
// read on the bounded executor (common/following_stream.h); and a heartbeat whenever the stream
// has sent nothing for the hub's heartbeat interval (woken by the outbox listener), carrying the
// outbox's identity and head sequence, so a consumer tells a quiet stream from a dead one.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <grpcpp/support/server_callback.h>

#include "common/executor.h"
#include "oms/shipping/v1/shipping.pb.h"
#include "shipping-service/src/event_hub.h"
#include "shipping-service/src/shipping_use_cases.h"

namespace oms::shipping {

class ShippingMetrics;

inline constexpr int kStreamBatch = 100;

// Starts at once; the reactor deletes itself when the call ends. `metrics` may be null.
grpc::ServerWriteReactor<v1::OutboxEvent>* NewEventStream(std::int64_t after_sequence,
                                                          ShippingUseCases& use_cases,
                                                          BoundedExecutor& executor, EventHub& hub,
                                                          ShippingMetrics* metrics);

// A heartbeat: no event (sequence 0), the outbox's identity and its head.
[[nodiscard]] v1::OutboxEvent MakeHeartbeat(const std::string& stream_id,
                                            std::int64_t head_sequence);

// Whether a stream that found nothing new to send owes its consumer a heartbeat: it has sent
// nothing (an event or a heartbeat) since `last_sent`, the interval ago or more. The stream's
// opening counts as a send, so a consumer sees events first whenever they come within the
// interval.
[[nodiscard]] bool HeartbeatDue(std::chrono::steady_clock::time_point last_sent,
                                std::chrono::steady_clock::time_point now,
                                std::chrono::milliseconds interval);

}  // namespace oms::shipping
