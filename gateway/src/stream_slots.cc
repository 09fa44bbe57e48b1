#include "gateway/src/stream_slots.h"

namespace oms::gateway {

StreamSlots::StreamSlots(std::size_t max, std::size_t max_per_credential,
                         std::function<void(std::size_t)> on_change)
    : max_(max), max_per_credential_(max_per_credential), on_change_(std::move(on_change)) {}

StreamSlots::Acquired StreamSlots::TryAcquire(const std::string& credential) {
  std::size_t open = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto held = by_credential_.find(credential);
    if (held != by_credential_.end() && held->second >= max_per_credential_) {
      return {nullptr, Cap::kCredential};
    }
    if (open_ >= max_) return {nullptr, Cap::kGateway};
    ++by_credential_[credential];
    open = ++open_;
  }
  if (on_change_) on_change_(open);
  // The slot is the deleter: no object to point at, only the release to run.
  return {std::shared_ptr<void>(
              static_cast<void*>(this),
              [credential](void* slots) { static_cast<StreamSlots*>(slots)->Release(credential); }),
          Cap::kNone};
}

void StreamSlots::Release(const std::string& credential) {
  std::size_t open = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto held = by_credential_.find(credential);
    if (held != by_credential_.end() && --held->second == 0) by_credential_.erase(held);
    open = --open_;
    if (open == 0) none_.notify_all();
  }
  if (on_change_) on_change_(open);
}

std::size_t StreamSlots::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

std::size_t StreamSlots::open(const std::string& credential) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto held = by_credential_.find(credential);
  return held == by_credential_.end() ? 0 : held->second;
}

bool StreamSlots::WaitUntilNone(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return none_.wait_for(lock, timeout, [this] { return open_ == 0; });
}

}  // namespace oms::gateway
