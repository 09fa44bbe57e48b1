#include "common/wake_hub.h"

#include <vector>

namespace oms {

bool WakeHub::Subscribe(StreamSubscriber* subscriber, const std::string& key) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (closed_ || subscribers_.size() >= max_subscribers_) return false;
  subscribers_.emplace(subscriber, key);
  return true;
}

void WakeHub::Unsubscribe(StreamSubscriber* subscriber) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  subscribers_.erase(subscriber);
}

// The lock is held while calling out, so a subscriber cannot finish Unsubscribe() (and be
// deleted) on another thread in the middle of the call.
template <class Call>
void WakeHub::ForEach(const std::string* key, Call call) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  std::vector<StreamSubscriber*> copy;
  for (const auto& [subscriber, subscribed_key] : subscribers_) {
    if (key == nullptr || subscribed_key.empty() || subscribed_key == *key) {
      copy.push_back(subscriber);
    }
  }
  for (StreamSubscriber* subscriber : copy) {
    if (subscribers_.count(subscriber) > 0) call(subscriber);
  }
}

void WakeHub::Wake(const std::string& key) {
  ForEach(&key, [](StreamSubscriber* subscriber) { subscriber->Wake(); });
}

void WakeHub::WakeAll() {
  ForEach(nullptr, [](StreamSubscriber* subscriber) { subscriber->Wake(); });
}

void WakeHub::Close() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  closed_ = true;
  ForEach(nullptr, [](StreamSubscriber* subscriber) { subscriber->Close(); });
}

bool WakeHub::closed() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return closed_;
}

std::size_t WakeHub::size() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return subscribers_.size();
}

}  // namespace oms
