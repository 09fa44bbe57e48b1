// Domain metrics of inventory-service (series made once, at start).
#pragma once

#include <array>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace oms::inventory {

enum class MovementKind;  // stock_moves.h
struct Outcome;           // outcome.h

class InventoryMetrics {
 public:
  explicit InventoryMetrics(prometheus::Registry& registry);

  // outcome: held, insufficient_stock, refused (tombstone, duplicate order, bad state).
  void Reservation(const std::string& outcome);
  void Shortfalls(int count);
  void Expired(int count);
  void AllocationWarehouses(int count);
  // Ledger rows written, by their kind.
  void Movements(MovementKind kind, int rows);
  void InvariantViolations(int count);
  // Backorder units queued, filled and cancelled, and the RESERVE ledger rows of the fills.
  void Backorders(const Outcome& outcome);

 private:
  prometheus::Counter* held_;
  prometheus::Counter* insufficient_;
  prometheus::Counter* refused_;
  prometheus::Counter* shortfalls_;
  prometheus::Counter* expired_;
  prometheus::Histogram* warehouses_;
  prometheus::Gauge* violations_;
  std::array<prometheus::Counter*, 8> movements_;  // by MovementKind
  prometheus::Counter* queued_;
  prometheus::Counter* filled_;
  prometheus::Counter* cancelled_;
};

}  // namespace oms::inventory
