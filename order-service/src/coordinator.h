// The saga coordinator: claims sagas (a lease with an epoch, so any number of replicas share
// them), drives each through its steps on a bounded pool of workers, persists every outcome
// before the next call, and waits out retries with backoff by releasing the lease until then.
// New sagas are started at once (Kick); a scan picks up what is due: retries, and sagas whose
// replica died.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/executor.h"
#include "common/failpoints.h"
#include "order-service/src/order_store.h"
#include "order-service/src/order_waiters.h"
#include "order-service/src/participants.h"
#include "order-service/src/saga.h"

namespace oms::order {

class OrderMetrics;

struct CoordinatorOptions {
  std::string owner;  // this replica's name in leases
  std::size_t workers = 8;
  std::chrono::seconds lease{30};
  std::chrono::milliseconds scan_interval{500};
  RetryPolicy retry;
  // Fault tests (OMS_FAILPOINTS, read once in main): order.before_<step> after the claim and
  // right before a forward step's call, order.after_<step> after its reply and before the
  // outcome is saved, order.before_compensate_<step> before each compensation call.
  Failpoints failpoints;
};

class Coordinator {
 public:
  Coordinator(PgOrderStore& store, Participants& participants, OrderWaiters& waiters,
              OrderMetrics& metrics, CoordinatorOptions options);
  ~Coordinator();  // Stop()s

  void Start();
  // Stops scanning; steps in progress finish and persist first.
  void Stop();

  // Runs the saga now if it is due and free (a new order's saga).
  void Kick(const std::string& saga_id);

 private:
  void ScanLoop();
  void UpdateGauges();
  void ClaimAndDrive(const std::string& saga_id, int limit);
  void Drive(ClaimedSaga saga);

  PgOrderStore& store_;
  Participants& participants_;
  OrderWaiters& waiters_;
  OrderMetrics& metrics_;
  const CoordinatorOptions options_;
  BoundedExecutor workers_;
  std::atomic<int> busy_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread scanner_;
};

}  // namespace oms::order
