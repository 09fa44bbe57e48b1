#include "inventory-service/src/inventory_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "inventory-service/src/outcome.h"
#include "inventory-service/src/stock_moves.h"

namespace oms::inventory {

InventoryMetrics::InventoryMetrics(prometheus::Registry& registry) {
  static_assert(std::tuple_size_v<decltype(movements_)> == kMovementKinds);
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
  for (int i = 0; i < kMovementKinds; ++i) {
    movements_[i] = &movements.Add({{"kind", MovementKindText(static_cast<MovementKind>(i))}});
  }
  auto& backorders = prometheus::BuildCounter()
                         .Name("oms_inventory_backorder_units_total")
                         .Help("Units put on, filled off and cancelled off the backorder queue.")
                         .Register(registry);
  queued_ = &backorders.Add({{"event", "queued"}});
  filled_ = &backorders.Add({{"event", "filled"}});
  cancelled_ = &backorders.Add({{"event", "cancelled"}});
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

void InventoryMetrics::Movements(MovementKind kind, int rows) {
  movements_[static_cast<int>(kind)]->Increment(rows);
}

void InventoryMetrics::Backorders(const Outcome& outcome) {
  queued_->Increment(static_cast<double>(outcome.queued_units));
  filled_->Increment(static_cast<double>(outcome.filled_units));
  cancelled_->Increment(static_cast<double>(outcome.cancelled_units));
  Movements(MovementKind::kReserve, outcome.fill_movements);
}

}  // namespace oms::inventory
