// The chaos run's users, over gRPC, each recording what it did and what it was told in the
// History: customers placing orders (retrying the same key until answered, replaying it later,
// now and then with a changed body; two of them sharing key names; a scarce SKU raced for, some
// orders of it waiting for stock (BACKORDER); editing some, racing the warehouse; cancelling
// some), a supplier whose receipts of the
// scarce SKU fill the orders that wait, and a warehouse that ships and delivers every shipment it
// finds, duplicating events and starting as soon as shipping has the shipment, even while the order
// is PENDING; a customer service desk taking back one unit of some completed orders, the warehouse
// receiving it (resellable or damaged); watchers following orders' timelines on short streams, each
// resumed from its last token; and an operator retrying the sagas that park. One customer shops
// through the gateway over HTTP.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/chaos/history.h"
#include "tests/chaos/topology.h"

namespace oms::chaos {

class Workload {
 public:
  static constexpr int kCustomers = 4;  // the last one through the gateway

  Workload(Topology& topology, History& history, uint64_t seed,
           std::chrono::steady_clock::time_point start);
  ~Workload();

  // One customer placing orders until `stop`; `index` picks its random stream and whether it
  // shares key names with the others.
  void RunCustomer(int index, const std::atomic<bool>& stop);

  // One watcher until `stop`: follows up to a dozen acknowledged orders, one stream at a time,
  // each stream ended by a short deadline (or a fault) and resumed later from its last token.
  void RunWatcher(int index, const std::atomic<bool>& stop);

  // Returns until `stop`: one unit of a quarter of the completed orders is returned and then
  // received, each call retried with the same request id until it is answered.
  void RunReturns(const std::atomic<bool>& stop);

  // At rest: each watched order resumed until its watcher has every event of the timeline.
  // Violations: an event of the final timeline never sent, or sent twice, or one sent that is
  // not in it. Also the figures (streams, events).
  std::vector<std::string> CheckWatchers(std::map<std::string, int64_t>* figures);

  // The supplier: until `stop`, a receipt of 1 to 4 of the scarce SKU at one of the warehouses
  // every second or so, each retried with its request id until answered: they fill the orders
  // waiting for it.
  void RunSupplier(const std::atomic<bool>& stop);
  // At rest: one receipt of what the orders waiting for the scarce SKU still wait for (retried
  // with its request id until answered), so that every order can end. The units received.
  int64_t ReceiveWhatIsWaitedFor();

  // The operator: rounds until `stop`, each retrying every parked saga it finds.
  void RunOperator(const std::atomic<bool>& stop);
  // One round of the operator: every saga parked now is retried, once its cause (a refusal the
  // run injected, for a second or so) has passed. Returns how many it found.
  int OperatorRound();
  // Violations: a saga parked for anything but an injected refusal. Also the figures (parked
  // sagas found, retries).
  std::vector<std::string> CheckOperator(std::map<std::string, int64_t>* figures);

  // The warehouse: rounds over the orders still in flight until `stop`.
  void RunWarehouse(const std::atomic<bool>& stop);

  // One round of the warehouse: every outbound shipment of an order that is not final moves one
  // event further (shipped, then delivered). Returns how many orders it found not final.
  int WarehouseRound();

 private:
  struct Stubs;
  // A receipt of `units` of the scarce SKU at `warehouse_id`, retried with `request_id` until
  // answered; whether it was.
  bool Receive(const std::string& request_id, const std::string& warehouse_id, int64_t units);
  // Returns one unit of `sku` of the order, then receives it, each call retried until answered.
  void ReturnOneUnit(const std::string& order_id, const std::string& sku, bool resellable);
  // What one watcher was sent of one order, and where it resumes.
  struct Watch {
    std::string order_id;
    std::string token;
    std::map<std::string, int> received;       // event id -> times sent
    std::map<std::string, std::string> kinds;  // event id -> source and kind, for reports
    int streams = 0;
  };
  // One stream of `watch`, from its token, until `timeout` or the stream breaks.
  void Follow(Watch& watch, std::chrono::milliseconds timeout);

  int64_t SinceStart() const;
  void Record(Operation operation);

  Topology& topology_;
  History& history_;
  uint64_t seed_;
  std::chrono::steady_clock::time_point start_;
  std::unique_ptr<Stubs> stubs_;
  std::atomic<int64_t> scans_{0};
  std::atomic<int> receipts_{0};
  std::mutex mu_;
  std::vector<std::string> acknowledged_;  // orders placed, as customers were told
  std::vector<Watch> watches_;             // every watcher's, once it stopped
  std::map<std::string, int> parked_;      // saga id -> times the operator found it parked
  std::vector<std::string> unexplained_;   // parked sagas no injected refusal explains
};

}  // namespace oms::chaos
