// CreateOrder answers once its order is final, or with the PENDING order at its deadline,
// without holding a thread while it waits: a waiter is a callback, called once, by whichever
// comes first of the coordinator's notice and one timer thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace oms::order {

class OrderWaiters {
 public:
  using Callback = std::function<void()>;
  OrderWaiters();
  ~OrderWaiters();  // calls every waiter still registered

  // `callback` runs once: on Notify(order_id) or at `deadline`, whichever is first.
  void Wait(const std::string& order_id, std::chrono::steady_clock::time_point deadline,
            Callback callback);
  void Notify(const std::string& order_id);
  std::size_t waiting() const;

 private:
  struct Waiter {
    std::string order_id;
    std::chrono::steady_clock::time_point deadline;
    Callback callback;
  };
  void TimerLoop();

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::multimap<std::string, std::size_t> by_order_;  // order id -> waiter key
  std::map<std::size_t, Waiter> waiters_;
  std::size_t next_key_ = 0;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace oms::order
