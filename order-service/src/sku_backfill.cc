#include "order-service/src/sku_backfill.h"

#include "common/log.h"
#include "order-service/src/order_repository.h"

namespace oms::order {
namespace {

// Small enough that a batch's locks are held briefly beside the live traffic.
constexpr int kBatch = 500;
// After a failed batch (the database away), before the next try.
constexpr std::chrono::seconds kRetryPause{5};

}  // namespace

BackgroundLoop::Step OrderSkuBackfill(PgOrderRepository& orders) {
  return [&orders]() -> std::optional<std::chrono::milliseconds> {
    auto indexed = orders.IndexOrderSkus(kBatch);
    if (!indexed.ok()) {
      log::Warn("", "indexing the SKUs of earlier orders failed; trying again",
                {{"error", indexed.status().ToString()}});
      return kRetryPause;
    }
    if (*indexed == 0) return std::nullopt;
    log::Info("", "indexed the SKUs of earlier orders", {{"orders", std::to_string(*indexed)}});
    return std::chrono::milliseconds(0);
  };
}

}  // namespace oms::order
