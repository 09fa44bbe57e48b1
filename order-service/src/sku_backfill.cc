#include "order-service/src/sku_backfill.h"

#include <chrono>
#include <string>

#include "common/log.h"
#include "order-service/src/order_repository.h"

namespace oms::order {
namespace {

// Small enough that a batch's locks are held briefly beside the live traffic.
constexpr int kBatch = 500;
// After a failed batch (the database away), before the next try.
constexpr std::chrono::seconds kRetryPause{5};

}  // namespace

void OrderSkuBackfill::Start() {
  thread_ = std::thread([this] { Run(); });
}

void OrderSkuBackfill::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stopped_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OrderSkuBackfill::Run() {
  int64_t total = 0;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    auto indexed = orders_.IndexOrderSkus(kBatch);
    if (indexed.ok() && *indexed == 0) break;
    if (indexed.ok()) {
      total += *indexed;
      continue;
    }
    log::Warn("", "indexing the SKUs of earlier orders failed; trying again",
              {{"error", indexed.status().ToString()}});
    std::unique_lock<std::mutex> lock(mu_);
    if (stopped_.wait_for(lock, kRetryPause, [this] { return stopping_; })) return;
  }
  if (total > 0) {
    log::Info("", "indexed the SKUs of earlier orders", {{"orders", std::to_string(total)}});
  }
}

}  // namespace oms::order
