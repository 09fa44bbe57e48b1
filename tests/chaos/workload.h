// The chaos run's users, over gRPC, each recording what it did and what it was told in the
// History: customers placing orders (retrying the same key until answered, replaying it later,
// now and then with a changed body; two of them sharing key names; a scarce SKU raced for;
// cancelling some), and a warehouse that ships and delivers every shipment it finds, duplicating
// events and starting as soon as shipping has the shipment, even while the order is PENDING.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "tests/chaos/history.h"
#include "tests/chaos/topology.h"

namespace oms::chaos {

class Workload {
 public:
  Workload(Topology& topology, History& history, uint64_t seed,
           std::chrono::steady_clock::time_point start);
  ~Workload();

  // One customer placing orders until `stop`; `index` picks its random stream and whether it
  // shares key names with the others.
  void RunCustomer(int index, const std::atomic<bool>& stop);

  // The warehouse: rounds over the orders still in flight until `stop`.
  void RunWarehouse(const std::atomic<bool>& stop);

  // One round of the warehouse: every outbound shipment of an order that is not final moves one
  // event further (shipped, then delivered). Returns how many orders it found not final.
  int WarehouseRound();

 private:
  struct Stubs;

  int64_t SinceStart() const;
  void Record(Operation operation);

  Topology& topology_;
  History& history_;
  uint64_t seed_;
  std::chrono::steady_clock::time_point start_;
  std::unique_ptr<Stubs> stubs_;
  std::atomic<int64_t> scans_{0};
};

}  // namespace oms::chaos
