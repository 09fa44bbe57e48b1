// The open event streams of this process (a WakeHub every stream subscribes to without a key),
// the high-water mark of sequences sent to any consumer, for the outbox lag metric, and the
// heartbeat interval of the streams.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/wake_hub.h"

namespace oms::shipping {

// A stream that has sent nothing for this long sends a heartbeat; consumers treat three
// intervals of silence as a dead stream (order-service --stream_heartbeat_ms).
inline constexpr std::chrono::milliseconds kDefaultHeartbeatInterval{5000};

class EventHub : public WakeHub {
 public:
  explicit EventHub(std::size_t max_subscribers,
                    std::chrono::milliseconds heartbeat_interval = kDefaultHeartbeatInterval)
      : WakeHub(max_subscribers), heartbeat_interval_(heartbeat_interval) {}

  // A consumer was sent everything up to `sequence`.
  void NoteSent(std::int64_t sequence);
  std::int64_t sent_mark() const { return sent_mark_.load(); }

  // The outbox listener wakes every stream twice per interval; a stream whose read then finds
  // nothing new and that has sent nothing for the interval sends a heartbeat.
  std::chrono::milliseconds heartbeat_interval() const { return heartbeat_interval_; }

 private:
  const std::chrono::milliseconds heartbeat_interval_;
  std::atomic<std::int64_t> sent_mark_{0};
};

}  // namespace oms::shipping
