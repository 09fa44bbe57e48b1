#include "shipping-service/src/event_hub.h"

namespace oms::shipping {

void EventHub::NoteSent(std::int64_t sequence) {
  std::int64_t seen = sent_mark_.load();
  while (sequence > seen && !sent_mark_.compare_exchange_weak(seen, sequence)) {
  }
}

}  // namespace oms::shipping
