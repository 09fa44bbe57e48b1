#include "inventory-service/src/expiry_sweeper.h"

#include "common/log.h"
#include "inventory-service/src/inventory_metrics.h"
#include "inventory-service/src/reservation_use_cases.h"
#include "inventory-service/src/stock_moves.h"

namespace oms::inventory {
namespace {
constexpr int kBatch = 100;
}

ExpirySweeper::ExpirySweeper(ReservationUseCases& reservations, InventoryMetrics& metrics,
                             std::chrono::milliseconds interval)
    : reservations_(reservations), metrics_(metrics), interval_(interval) {}

ExpirySweeper::~ExpirySweeper() { Stop(); }

void ExpirySweeper::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void ExpirySweeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

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
    if (expired < kBatch) return total;
  }
}

void ExpirySweeper::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const int expired = SweepNow();
    if (expired > 0) log::Info("", "reservations expired", {{"count", std::to_string(expired)}});
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace oms::inventory
