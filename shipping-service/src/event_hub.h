// Fan-out of "the outbox has new events" to the open event streams of this process, and the
// high-water mark of sequences sent to any consumer (for the outbox lag metric). No gRPC, no I/O:
// the listener (LISTEN/NOTIFY) and the streams meet here.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>

namespace oms::shipping {

// One open stream. Neither method may block or call back into the hub.
class OutboxSubscriber {
 public:
  virtual ~OutboxSubscriber() = default;
  // New events may have committed: read past the cursor.
  virtual void Wake() = 0;
  // The server is shutting down: end the stream (UNAVAILABLE) as soon as nothing is in flight.
  virtual void Close() = 0;
};

class EventHub {
 public:
  explicit EventHub(std::size_t max_subscribers) : max_subscribers_(max_subscribers) {}

  // False when the hub is closed or full; the caller then ends its stream at once.
  [[nodiscard]] bool Subscribe(OutboxSubscriber* subscriber);
  void Unsubscribe(OutboxSubscriber* subscriber);
  void WakeAll();
  // Refuses new subscribers and closes the open ones. Idempotent.
  void Close();
  bool closed() const;
  std::size_t size() const;

  // A consumer was sent everything up to `sequence`.
  void NoteSent(std::int64_t sequence);
  std::int64_t sent_mark() const { return sent_mark_.load(); }

 private:
  const std::size_t max_subscribers_;
  // Recursive: a subscriber's Close() may end its call, and should gRPC run OnDone on this very
  // thread, its Unsubscribe() comes back here. Every loop walks a copy of the set.
  mutable std::recursive_mutex mu_;
  std::set<OutboxSubscriber*> subscribers_;
  bool closed_ = false;
  std::atomic<std::int64_t> sent_mark_{0};
};

}  // namespace oms::shipping
