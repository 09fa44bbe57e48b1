// Orders placed before order_skus existed (migration 0020) get their SKU rows in the background
// after start, a batch at a time, so that listing orders by SKU finds them too. Any number of
// replicas may run it at once: a batch locks its orders (SKIP LOCKED). It ends when none are
// left, or at Stop().
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

namespace oms::order {

class PgOrderRepository;

class OrderSkuBackfill {
 public:
  explicit OrderSkuBackfill(PgOrderRepository& orders) : orders_(orders) {}
  ~OrderSkuBackfill() { Stop(); }
  OrderSkuBackfill(const OrderSkuBackfill&) = delete;
  OrderSkuBackfill& operator=(const OrderSkuBackfill&) = delete;

  void Start();
  void Stop();

 private:
  void Run();

  PgOrderRepository& orders_;
  std::mutex mu_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace oms::order
