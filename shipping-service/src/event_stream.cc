#include "shipping-service/src/event_stream.h"

#include "common/following_stream.h"
#include "shipping-service/src/shipping_metrics.h"

namespace oms::shipping {

grpc::ServerWriteReactor<v1::OutboxEvent>* NewEventStream(std::int64_t after_sequence,
                                                          ShippingUseCases& use_cases,
                                                          BoundedExecutor& executor, EventHub& hub,
                                                          ShippingMetrics* metrics) {
  StreamSource<v1::OutboxEvent, std::int64_t> source;
  source.read = [&use_cases](const std::int64_t& after, std::vector<v1::OutboxEvent>* out,
                             bool* more) {
    v1::ListEventsResponse page;
    absl::Status status = use_cases.ListEvents(after, kStreamBatch, &page);
    if (!status.ok()) return status;
    for (auto& event : *page.mutable_events()) out->push_back(std::move(event));
    *more = page.events_size() == kStreamBatch;
    return absl::OkStatus();
  };
  source.advance = [](std::int64_t& cursor, const v1::OutboxEvent& sent) {
    cursor = sent.sequence();
  };
  source.sent = [&hub](const std::int64_t& sequence) { hub.NoteSent(sequence); };
  if (metrics != nullptr) {
    source.opened = [metrics] { metrics->SubscriberAdded(); };
    source.closed = [metrics] { metrics->SubscriberRemoved(); };
  }
  return new FollowingStream<v1::OutboxEvent, std::int64_t>(after_sequence, "", std::move(source),
                                                            executor, hub);
}

}  // namespace oms::shipping
