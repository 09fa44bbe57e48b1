// StreamEvents: every outbox event after the client's cursor, then each new commit, in batches
// read on the bounded executor (common/following_stream.h).
#pragma once

#include <cstdint>

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

}  // namespace oms::shipping
