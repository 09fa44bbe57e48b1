// Follows shipping's event stream from the cursor stored in the order database, and takes each
// event into its order exactly once (PgShipmentEventStore::Apply). A shipped shipment's
// saga is started at once. One thread; it reconnects with its cursor after any break, so events
// committed while it was away are read on return. A second thread measures the consumer's lag
// every few seconds: the age of the oldest event past the stored cursor (one small read).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace oms::order {

class Coordinator;
class OrderMetrics;
class PgShipmentEventStore;

class ShipmentFeed {
 public:
  ShipmentFeed(PgShipmentEventStore& store, Coordinator& coordinator, OrderMetrics& metrics,
               std::shared_ptr<grpc::Channel> shipping);
  ~ShipmentFeed();  // Stop()s

  void Start();
  void Stop();

 private:
  void Loop();
  void FollowOnce();
  void MeasureLag();

  PgShipmentEventStore& store_;
  Coordinator& coordinator_;
  OrderMetrics& metrics_;
  std::shared_ptr<grpc::Channel> shipping_;
  std::mutex mu_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  grpc::ClientContext* current_ = nullptr;  // the open stream's, to cancel it on Stop
  std::thread thread_;
  std::thread lag_thread_;
};

}  // namespace oms::order
