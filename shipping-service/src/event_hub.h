// The open event streams of this process (a WakeHub every stream subscribes to without a key),
// and the high-water mark of sequences sent to any consumer, for the outbox lag metric.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/wake_hub.h"

namespace oms::shipping {

class EventHub : public WakeHub {
 public:
  using WakeHub::WakeHub;

  // A consumer was sent everything up to `sequence`.
  void NoteSent(std::int64_t sequence);
  std::int64_t sent_mark() const { return sent_mark_.load(); }

 private:
  std::atomic<std::int64_t> sent_mark_{0};
};

}  // namespace oms::shipping
