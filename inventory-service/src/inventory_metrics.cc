#include "inventory-service/src/inventory_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace oms::inventory {
namespace {

constexpr std::array<const char*, 8> kKinds = {"RECEIPT", "CORRECTION", "RESERVE", "RELEASE",
                                               "EXPIRE",  "COMMIT",     "RESTOCK", "DAMAGED"};

}  // namespace

InventoryMetrics::InventoryMetrics(prometheus::Registry& registry) {
  auto& reservations = prometheus::BuildCounter()
                           .Name("oms_inventory_reservations_total")
                           .Help("Reservation requests by outcome (replays not counted).")
                           .Register(registry);
  held_ = &reservations.Add({{"outcome", "held"}});
  insufficient_ = &reservations.Add({{"outcome", "insufficient_stock"}});
  refused_ = &reservations.Add({{"outcome", "refused"}});
  shortfalls_ = &prometheus::BuildCounter()
                     .Name("oms_inventory_shortfalls_total")
                     .Help("SKUs short in refused reservations.")
                     .Register(registry)
                     .Add({});
  expired_ = &prometheus::BuildCounter()
                  .Name("oms_inventory_reservations_expired_total")
                  .Help("Held reservations the sweeper expired.")
                  .Register(registry)
                  .Add({});
  warehouses_ = &prometheus::BuildHistogram()
                     .Name("oms_inventory_allocation_warehouses")
                     .Help("Warehouses per reserved order (1 means no split).")
                     .Register(registry)
                     .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 3, 4, 6, 8});
  violations_ = &prometheus::BuildGauge()
                     .Name("oms_inventory_invariant_violations")
                     .Help("Violations found by the last CheckInvariants run.")
                     .Register(registry)
                     .Add({});
  auto& movements = prometheus::BuildCounter()
                        .Name("oms_inventory_stock_movements_total")
                        .Help("Stock ledger rows written, by kind.")
                        .Register(registry);
  for (std::size_t i = 0; i < kKinds.size(); ++i)
    movements_[i] = &movements.Add({{"kind", kKinds[i]}});
}

void InventoryMetrics::Reservation(const std::string& outcome) {
  if (outcome == "held") {
    held_->Increment();
  } else if (outcome == "insufficient_stock") {
    insufficient_->Increment();
  } else {
    refused_->Increment();
  }
}

void InventoryMetrics::Shortfalls(int count) { shortfalls_->Increment(count); }
void InventoryMetrics::Expired(int count) { expired_->Increment(count); }
void InventoryMetrics::AllocationWarehouses(int count) { warehouses_->Observe(count); }
void InventoryMetrics::InvariantViolations(int count) { violations_->Set(count); }

void InventoryMetrics::Movements(const std::string& kind, int rows) {
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    if (kind == kKinds[i]) movements_[i]->Increment(rows);
  }
}

}  // namespace oms::inventory
