#include "gateway/src/stream_slots.h"

namespace oms::gateway {

StreamSlots::StreamSlots(std::size_t max, std::function<void(std::size_t)> on_change)
    : max_(max), on_change_(std::move(on_change)) {}

std::shared_ptr<void> StreamSlots::TryAcquire() {
  std::size_t open = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (open_ >= max_) return nullptr;
    open = ++open_;
  }
  if (on_change_) on_change_(open);
  // The slot is the deleter: no object to point at, only the release to run.
  return std::shared_ptr<void>(static_cast<void*>(this),
                               [](void* slots) { static_cast<StreamSlots*>(slots)->Release(); });
}

void StreamSlots::Release() {
  std::size_t open = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    open = --open_;
    if (open == 0) none_.notify_all();
  }
  if (on_change_) on_change_(open);
}

std::size_t StreamSlots::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

bool StreamSlots::WaitUntilNone(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return none_.wait_for(lock, timeout, [this] { return open_ == 0; });
}

}  // namespace oms::gateway
