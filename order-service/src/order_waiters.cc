#include "order-service/src/order_waiters.h"

#include <algorithm>

namespace oms::order {

OrderWaiters::OrderWaiters() : timer_([this] { TimerLoop(); }) {}

OrderWaiters::~OrderWaiters() {
  std::vector<Callback> remaining;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [key, waiter] : waiters_) remaining.push_back(std::move(waiter.callback));
    waiters_.clear();
    by_order_.clear();
  }
  changed_.notify_all();
  timer_.join();
  for (auto& callback : remaining) callback();
}

void OrderWaiters::Wait(const std::string& order_id, std::chrono::steady_clock::time_point deadline,
                        Callback callback) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::size_t key = next_key_++;
    waiters_[key] = {order_id, deadline, std::move(callback)};
    by_order_.emplace(order_id, key);
  }
  changed_.notify_all();
}

void OrderWaiters::Notify(const std::string& order_id) {
  std::vector<Callback> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [begin, end] = by_order_.equal_range(order_id);
    for (auto it = begin; it != end; ++it) {
      auto waiter = waiters_.find(it->second);
      due.push_back(std::move(waiter->second.callback));
      waiters_.erase(waiter);
    }
    by_order_.erase(begin, end);
  }
  for (auto& callback : due) callback();
}

std::size_t OrderWaiters::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiters_.size();
}

void OrderWaiters::TimerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    auto earliest = std::chrono::steady_clock::time_point::max();
    for (const auto& [key, waiter] : waiters_) earliest = std::min(earliest, waiter.deadline);
    if (earliest == std::chrono::steady_clock::time_point::max()) {
      changed_.wait(lock);
      continue;
    }
    if (changed_.wait_until(lock, earliest) != std::cv_status::timeout) continue;
    std::vector<Callback> due;
    const auto now = std::chrono::steady_clock::now();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      auto [begin, end] = by_order_.equal_range(it->second.order_id);
      for (auto entry = begin; entry != end; ++entry) {
        if (entry->second == it->first) {
          by_order_.erase(entry);
          break;
        }
      }
      due.push_back(std::move(it->second.callback));
      it = waiters_.erase(it);
    }
    lock.unlock();
    for (auto& callback : due) callback();
    lock.lock();
  }
}

}  // namespace oms::order
