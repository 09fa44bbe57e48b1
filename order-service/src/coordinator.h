// The saga coordinator: generic over saga kinds (sagas/registry.h), it claims sagas (a lease with
// an epoch, so any number of replicas share them), drives each through its steps, persists every
// outcome before the next call, and waits out retries with backoff by releasing the lease until
// then. New sagas are started at once (Kick); a scan picks up what is due: retries, and sagas whose
// replica died.
//
// Participant calls are asynchronous: a saga waiting on one holds no thread. The database work
// between two calls (the step's record, the next claim) runs on a small pool of workers. So many
// sagas are in flight at once (up to max_in_flight), whatever the number of workers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/executor.h"
#include "common/failpoints.h"
#include "order-service/src/order_waiters.h"
#include "order-service/src/participants.h"
#include "order-service/src/saga.h"
#include "order-service/src/saga_store.h"
#include "order-service/src/sagas/saga_kind.h"

namespace oms::order {

class OrderMetrics;

struct CoordinatorOptions {
  std::string owner;                // this replica's name in leases
  std::size_t workers = 4;          // threads for the database work between calls
  std::size_t max_in_flight = 256;  // sagas driven at once by this replica
  std::chrono::seconds lease{30};
  std::chrono::milliseconds scan_interval{500};
  RetryPolicy retry;
  // Fault tests (OMS_FAILPOINTS, read once in main): order.before_<step> after the claim and
  // right before a forward step's call, order.after_<step> after its reply and before the
  // outcome is saved, order.before_compensate_<step> before each compensation call.
  Failpoints failpoints;
};

class Coordinator : private SagaListener {
 public:
  Coordinator(SagaStore& store, Participants& participants, OrderWaiters& waiters,
              OrderMetrics& metrics, CoordinatorOptions options);
  ~Coordinator();  // Stop()s

  void Start();
  // Stops scanning and starting calls; calls in flight finish and their outcome is persisted
  // first, then each saga's lease is given up so another replica takes it at once.
  void Stop();

  // Runs the saga now if it is due and free (a new order's saga).
  void Kick(const std::string& saga_id);

  // A new saga inserted under this lease is driven by this replica without a claim (Adopt): a
  // place among the sagas in flight is kept for it. None (empty owner) while stopping or full;
  // then insert it unleased and Kick it. A lease handed out is given back by Adopt or Unreserve.
  SagaLease ReserveTurn();
  // The saga inserted under ReserveTurn's lease, read as a claim would (`leased_at`: before the
  // insert): driven at once.
  void Adopt(ClaimedSaga saga, std::chrono::steady_clock::time_point leased_at);
  // ReserveTurn's place, unused: nothing was inserted under the lease.
  void Unreserve();

 private:
  void ScanLoop();
  void UpdateGauges();
  void RenewDueLeases();
  // Remembers that the saga's lease was set (at `when` at the latest).
  void LeaseSet(const ClaimedSaga& saga, std::chrono::steady_clock::time_point when);
  void ClaimAndDrive(const std::string& saga_id, int limit);
  // Starts the saga's next call, or ends its turn here when there is none (or we stop).
  void Step(std::shared_ptr<ClaimedSaga> saga);
  // On a worker: records the call's outcome and goes on with the next step.
  void AfterCall(std::shared_ptr<ClaimedSaga> saga, const SagaKindDef& kind, NextCall call,
                 const std::string& request_id, std::chrono::steady_clock::time_point started,
                 StepResult result);
  // `kind` is null when the saga's kind or step is one this release does not know.
  void EndTurn(const ClaimedSaga& saga, const SagaKindDef* kind);
  void OrderSettled(const std::string& order_id, SagaPhase phase) override;

  SagaStore& store_;
  Participants& participants_;
  OrderWaiters& waiters_;
  OrderMetrics& metrics_;
  const CoordinatorOptions options_;
  BoundedExecutor workers_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int in_flight_ = 0;  // sagas claimed and not yet at the end of their turn; guarded by mu_
  // The leases of those sagas, and when each was last set (claimed, saved or renewed); guarded
  // by mu_. The scan renews any a third of the way to expiry, so a step of several calls (or a
  // slow one) keeps its saga rather than another replica running the same calls meanwhile.
  struct Held {
    int64_t epoch = 0;
    std::chrono::steady_clock::time_point lease_set;
  };
  std::map<std::string, Held> held_;
  std::thread scanner_;
};

}  // namespace oms::order
