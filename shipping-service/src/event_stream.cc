#include "shipping-service/src/event_stream.h"

#include <atomic>
#include <memory>

#include "common/following_stream.h"
#include "shipping-service/src/shipping_metrics.h"

namespace oms::shipping {
namespace {

using Clock = std::chrono::steady_clock;

// What one stream's callbacks share. One operation of a stream is in flight at a time (a read or
// a write), so these are never touched at once; atomics keep that simple to see.
struct HeartbeatState {
  std::atomic<Clock::rep> last_sent{Clock::now().time_since_epoch().count()};
  std::atomic<bool> heartbeat_written{false};
};

}  // namespace

v1::OutboxEvent MakeHeartbeat(const std::string& stream_id, std::int64_t head_sequence) {
  v1::OutboxEvent heartbeat;
  heartbeat.set_stream_id(stream_id);
  heartbeat.mutable_heartbeat()->set_head_sequence(head_sequence);
  return heartbeat;
}

bool HeartbeatDue(Clock::time_point last_sent, Clock::time_point now,
                  std::chrono::milliseconds interval) {
  return now - last_sent >= interval;
}

grpc::ServerWriteReactor<v1::OutboxEvent>* NewEventStream(std::int64_t after_sequence,
                                                          ShippingUseCases& use_cases,
                                                          BoundedExecutor& executor, EventHub& hub,
                                                          ShippingMetrics* metrics) {
  auto state = std::make_shared<HeartbeatState>();
  StreamSource<v1::OutboxEvent, std::int64_t> source;
  source.read = [&use_cases, &hub, state](const std::int64_t& after,
                                          std::vector<v1::OutboxEvent>* out, bool* more) {
    v1::ListEventsResponse page;
    absl::Status status = use_cases.ListEvents(after, kStreamBatch, &page);
    if (!status.ok()) return status;
    for (auto& event : *page.mutable_events()) out->push_back(std::move(event));
    *more = page.events_size() == kStreamBatch;
    const Clock::time_point last_sent{Clock::duration(state->last_sent.load())};
    if (out->empty() && HeartbeatDue(last_sent, Clock::now(), hub.heartbeat_interval())) {
      out->push_back(MakeHeartbeat(page.stream_id(), page.head_sequence()));
    }
    return absl::OkStatus();
  };
  source.advance = [state](std::int64_t& cursor, const v1::OutboxEvent& sent) {
    state->last_sent = Clock::now().time_since_epoch().count();
    state->heartbeat_written = sent.has_heartbeat();
    if (!sent.has_heartbeat()) cursor = sent.sequence();
  };
  // A heartbeat moves no cursor: nothing new was sent (and a consumer's cursor past the head
  // of a reset outbox must not count as sent).
  source.sent = [&hub, state](const std::int64_t& sequence) {
    if (!state->heartbeat_written) hub.NoteSent(sequence);
  };
  if (metrics != nullptr) {
    source.opened = [metrics] { metrics->SubscriberAdded(); };
    source.closed = [metrics] { metrics->SubscriberRemoved(); };
  }
  return new FollowingStream<v1::OutboxEvent, std::int64_t>(after_sequence, "", std::move(source),
                                                            executor, hub);
}

}  // namespace oms::shipping
