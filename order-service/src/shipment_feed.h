// Follows shipping's event stream from the cursor stored in the order database, and takes each
// event into its order exactly once (PgShipmentEventStore::ApplyAll). A shipped shipment's saga
// is started at once. One thread reads the stream and queues its events; another takes in what
// is queued, up to `max_batch` events per transaction: the events that arrived while the last
// commit was flushed share the next one, so the feed keeps up with however many shipments are
// made instead of one commit per event. After any break (the stream's, or a batch that failed)
// the queue is drained or dropped and the stream is read again from the stored cursor, so
// events committed while it was away are read on return.
//
// Liveness: shipping sends a heartbeat whenever the stream has been quiet for its heartbeat
// interval; three intervals without any message (a paused shipping, a half-open connection) end
// the stream, and the feed reconnects. A second thread watches for that silence and sets the lag
// gauge about every second from what the feed knows (ConsumerLag): no I/O, so the gauge moves
// even when shipping does not answer.
//
// Consistency: the feed checks every message against its cursor and the outbox identity stored
// with it (CheckStreamMessage). A stream from another outbox, a gap in the sequences or a head
// below the cursor (shipping's outbox replaced or reset) would make events be skipped silently:
// the feed takes nothing in, logs an error naming what it expected and what it got, counts
// oms_order_event_stream_errors_total{reason} and tries again every two heartbeat intervals. The
// operator's way out is in order-service migration 0011 (and README, Behaviour worth knowing).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace oms::shipping::v1 {
class OutboxEvent;
}

namespace oms::order {

class OrderMetrics;
class PgShipmentEventStore;

// What to do with one message of the stream, given the last sequence handled on it (initially
// the stored cursor) and the identity the cursor is bound to ("" while unbound: anything goes).
// A message without an identity (a shipping older than identities) is not checked for one.
enum class StreamCheck {
  kApply,             // the next event: take it in
  kDuplicate,         // at or below the cursor: taken already, skip
  kHeartbeat,         // no event, head at or past the cursor: the stream is alive
  kIdentityChanged,   // another outbox: its sequences are not what the cursor counts
  kGap,               // an event past the next one: events are missing
  kHeadBehindCursor,  // the outbox holds less than was taken in: it was reset or restored
};
[[nodiscard]] StreamCheck CheckStreamMessage(const std::string& bound_stream_id,
                                             std::int64_t cursor,
                                             const shipping::v1::OutboxEvent& message);
// The metric reason of a stopping check (one of kStreamErrorReasons), nullptr for the others.
[[nodiscard]] const char* StreamErrorReason(StreamCheck check);

// The consumer's lag as the feed knows it, on the wall clock (events carry shipping's commit
// time): the age of the oldest event received and not yet taken in; else 0 while a message
// within `stale_after` showed the feed caught up (a heartbeat whose head is at the cursor, or an
// event taken in at or past the last head heard); else, when nothing has shown it for longer
// (a silent stream, a stream refused as inconsistent), the time since it last was. So the lag
// grows while the stream is stalled instead of keeping its last value.
class ConsumerLag {
 public:
  using Time = std::chrono::system_clock::time_point;
  // The feed counts as caught up at `start`.
  ConsumerLag(std::chrono::milliseconds stale_after, Time start)
      : stale_after_(stale_after), caught_up_at_(start) {}

  // Everything up to `cursor` is taken in, by this feed or another replica's; nothing more is
  // known (the stored cursor when a stream opens).
  void TakenIn(std::int64_t cursor);
  // A heartbeat that passed CheckStreamMessage: the outbox's head, the feed's cursor.
  void Heartbeat(std::int64_t head_sequence, std::int64_t cursor, Time now);
  // An event past the cursor arrived and is not taken in yet.
  void Received(std::int64_t sequence, Time created);
  // Everything up to `sequence` is taken in.
  void Applied(std::int64_t sequence, Time now);
  double Seconds(Time now) const;

 private:
  const std::chrono::milliseconds stale_after_;
  Time caught_up_at_;
  std::int64_t known_head_ = 0;
  // Received and not taken in: the events queued for the applier, and one that stopped the
  // stream (a gap, say). The first counts.
  std::map<std::int64_t, Time> waiting_;  // sequence -> created
};

class ShipmentFeed {
 public:
  struct Options {
    // Shipping's heartbeat interval (its kDefaultHeartbeatInterval unless configured otherwise):
    // three without a message end the stream; two make the lag count.
    std::chrono::milliseconds heartbeat_interval{5000};
    // Pause before reconnecting after the stream broke.
    std::chrono::milliseconds reconnect_pause{1000};
    // Events taken in per transaction at most: each holds its orders' locks until the commit.
    std::size_t max_batch = 64;
  };

  // `saga_started` gets the id of each saga an event started (the coordinator's Kick).
  ShipmentFeed(PgShipmentEventStore& store, std::function<void(const std::string&)> saga_started,
               OrderMetrics& metrics, std::shared_ptr<grpc::Channel> shipping, Options options);
  ~ShipmentFeed();  // Stop()s

  void Start();
  void Stop();

 private:
  enum class Outcome { kBroken, kInconsistent };

  void Loop();
  Outcome FollowOnce();
  // Queues an event read from the stream, waiting while the queue is full; false: the feed
  // stops, or a batch failed and the stream is to be read again.
  bool Enqueue(const shipping::v1::OutboxEvent& event);
  // The applier's thread: takes in what is queued, a batch at a time.
  void ApplyLoop();
  // With mu_ held: the lag gauge, and the end of a stream silent for too long.
  void Watch();
  void ReportInconsistency(StreamCheck check, const std::string& bound_stream_id,
                           std::int64_t cursor, const shipping::v1::OutboxEvent& message);

  PgShipmentEventStore& store_;
  const std::function<void(const std::string&)> saga_started_;
  OrderMetrics& metrics_;
  std::shared_ptr<grpc::Channel> shipping_;
  const Options options_;
  std::mutex mu_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  grpc::ClientContext* current_ = nullptr;  // the open stream's, to cancel it on Stop
  // When the feed started waiting for the stream's next message (none: not waiting).
  std::optional<std::chrono::steady_clock::time_point> waiting_since_;
  ConsumerLag lag_;
  // Read from the stream and not yet taken in, in the stream's order; the batch being taken in
  // is out of the queue, and `applying_` says so.
  std::vector<shipping::v1::OutboxEvent> queued_;
  bool applying_ = false;
  // A batch failed: what is queued is dropped and the stream read again from the stored cursor.
  bool apply_failed_ = false;
  std::int64_t applied_ = 0;  // the last sequence taken in, as this feed knows it
  std::condition_variable queue_changed_;
  std::thread thread_;
  std::thread apply_thread_;
  std::thread watch_thread_;
};

}  // namespace oms::order
