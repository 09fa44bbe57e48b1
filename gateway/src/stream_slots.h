// A cap on the streams open at once (server-sent event watches): each holds a slot from
// TryAcquire until it ends, and shutdown waits for the slots to come back.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>

namespace oms::gateway {

class StreamSlots {
 public:
  // `on_change` (may be null) gets the number open after every change (a gauge).
  explicit StreamSlots(std::size_t max, std::function<void(std::size_t)> on_change = nullptr);
  StreamSlots(const StreamSlots&) = delete;
  StreamSlots& operator=(const StreamSlots&) = delete;

  // A slot, held until the last copy of the returned pointer goes; null when all are taken.
  // The slots must not outlive this object (WaitUntilNone before destroying it).
  std::shared_ptr<void> TryAcquire();

  std::size_t open() const;
  std::size_t max() const { return max_; }

  // Waits until no slot is held, at most `timeout`; whether none is.
  bool WaitUntilNone(std::chrono::milliseconds timeout);

 private:
  void Release();

  const std::size_t max_;
  std::function<void(std::size_t)> on_change_;
  mutable std::mutex mu_;
  std::condition_variable none_;
  std::size_t open_ = 0;
};

}  // namespace oms::gateway
