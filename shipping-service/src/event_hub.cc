#include "shipping-service/src/event_hub.h"

#include <vector>

namespace oms::shipping {

bool EventHub::Subscribe(OutboxSubscriber* subscriber) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (closed_ || subscribers_.size() >= max_subscribers_) return false;
  subscribers_.insert(subscriber);
  return true;
}

void EventHub::Unsubscribe(OutboxSubscriber* subscriber) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  subscribers_.erase(subscriber);
}

// The lock is held while calling out, so a subscriber cannot finish Unsubscribe() (and be
// deleted) on another thread in the middle of the call.
void EventHub::WakeAll() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  const std::vector<OutboxSubscriber*> copy(subscribers_.begin(), subscribers_.end());
  for (OutboxSubscriber* subscriber : copy) {
    if (subscribers_.count(subscriber) > 0) subscriber->Wake();
  }
}

void EventHub::Close() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  closed_ = true;
  const std::vector<OutboxSubscriber*> copy(subscribers_.begin(), subscribers_.end());
  for (OutboxSubscriber* subscriber : copy) {
    if (subscribers_.count(subscriber) > 0) subscriber->Close();
  }
}

bool EventHub::closed() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return closed_;
}

std::size_t EventHub::size() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return subscribers_.size();
}

void EventHub::NoteSent(std::int64_t sequence) {
  std::int64_t seen = sent_mark_.load();
  while (sequence > seen && !sent_mark_.compare_exchange_weak(seen, sequence)) {
  }
}

}  // namespace oms::shipping
