// The background loop that expires held reservations past their expiry. One thread per process;
// replicas may all run it, since each sweep claims reservations with SKIP LOCKED.
#pragma once

#include <chrono>

#include "common/background_loop.h"

namespace oms::inventory {

class InventoryMetrics;
class ReservationUseCases;

class ExpirySweeper {
 public:
  ExpirySweeper(ReservationUseCases& reservations, InventoryMetrics& metrics,
                std::chrono::milliseconds interval);
  ~ExpirySweeper() = default;  // Stop()s

  void Start();
  // Returns once the loop has ended; a sweep in progress finishes first.
  void Stop();

  // One pass: expires everything due, in batches. Returns how many expired (tests call it).
  int SweepNow();

 private:
  ReservationUseCases& reservations_;
  InventoryMetrics& metrics_;
  BackgroundLoop loop_;
};

}  // namespace oms::inventory
