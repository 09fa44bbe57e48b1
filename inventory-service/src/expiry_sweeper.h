// The background loop that expires held reservations past their expiry. One thread per process;
// replicas may all run it, since each sweep claims reservations with SKIP LOCKED.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace oms::inventory {

class InventoryMetrics;
class ReservationUseCases;

class ExpirySweeper {
 public:
  ExpirySweeper(ReservationUseCases& reservations, InventoryMetrics& metrics,
                std::chrono::milliseconds interval);
  ~ExpirySweeper();  // Stop()s

  void Start();
  // Returns once the loop has ended; a sweep in progress finishes first.
  void Stop();

  // One pass: expires everything due, in batches. Returns how many expired (tests call it).
  int SweepNow();

 private:
  void Loop();

  ReservationUseCases& reservations_;
  InventoryMetrics& metrics_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace oms::inventory
