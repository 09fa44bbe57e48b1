#include "inventory-service/src/expiry_sweeper.h"

#include "common/log.h"
#include "inventory-service/src/inventory_metrics.h"
#include "inventory-service/src/outcome.h"
#include "inventory-service/src/reservation_use_cases.h"
#include "inventory-service/src/stock_moves.h"

namespace oms::inventory {
namespace {
constexpr int kBatch = 100;
}

ExpirySweeper::ExpirySweeper(ReservationUseCases& reservations, InventoryMetrics& metrics,
                             std::chrono::milliseconds interval)
    : reservations_(reservations),
      metrics_(metrics),
      loop_([this, interval]() -> std::optional<std::chrono::milliseconds> {
        const int expired = SweepNow();
        if (expired > 0) {
          log::Info("", "reservations expired", {{"count", std::to_string(expired)}});
        }
        return interval;
      }) {}

void ExpirySweeper::Start() { loop_.Start(); }

void ExpirySweeper::Stop() { loop_.Stop(); }

int ExpirySweeper::SweepNow() {
  int total = 0;
  for (;;) {
    int expired = 0;
    auto outcome = reservations_.SweepExpired(kBatch, &expired);
    if (!outcome.ok()) {
      // The database may be restarting; the next interval tries again.
      log::Warn("", "reservation sweep failed", {{"error", outcome.status().ToString()}});
      return total;
    }
    total += expired;
    metrics_.Expired(expired);
    metrics_.Movements(MovementKind::kExpire, outcome->movements);
    metrics_.Backorders(*outcome);
    if (expired < kBatch) return total;
  }
}

}  // namespace oms::inventory
