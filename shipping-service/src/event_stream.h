// StreamEvents: a server-streaming callback reactor that sends every outbox event after the
// client's cursor, then follows new commits. Reads run on the bounded executor in batches; when a
// read finds nothing the reactor idles until the EventHub wakes it (LISTEN/NOTIFY), so no thread
// sleeps or polls per stream. One operation is in flight at a time (a read or a write), and the
// call is finished only when none is, so OnDone can delete the reactor safely.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>

#include <grpcpp/support/server_callback.h>

#include "common/executor.h"
#include "oms/shipping/v1/shipping.pb.h"
#include "shipping-service/src/event_hub.h"
#include "shipping-service/src/shipping_store.h"

namespace oms::shipping {

class ShippingMetrics;

inline constexpr int kStreamBatch = 100;

class EventStream final : public grpc::ServerWriteReactor<v1::OutboxEvent>,
                          public OutboxSubscriber {
 public:
  // Starts at once: subscribes, then reads past `after_sequence`. `metrics` may be null.
  EventStream(std::int64_t after_sequence, ShippingStore& store, BoundedExecutor& executor,
              EventHub& hub, ShippingMetrics* metrics);

  void Wake() override;
  void Close() override;

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  enum class State { kIdle, kReading, kWriting, kFinished };

  ~EventStream() override = default;
  // With mu_ held, state_ == kReading: queues the read; false when the executor refused it.
  [[nodiscard]] bool SubmitRead();
  void ReadBatch();
  // With mu_ held and nothing in flight: finish, start the next write or read, or go idle.
  // Unlocks when it starts an operation or finishes.
  void Advance(std::unique_lock<std::mutex>& lock);
  void FinishLocked(std::unique_lock<std::mutex>& lock, const grpc::Status& status);

  ShippingStore& store_;
  BoundedExecutor& executor_;
  EventHub& hub_;
  ShippingMetrics* metrics_;
  bool subscribed_ = false;

  std::mutex mu_;
  State state_ = State::kIdle;
  std::int64_t cursor_;
  std::deque<v1::OutboxEvent> buffer_;
  v1::OutboxEvent writing_;  // must outlive its StartWrite
  bool wake_pending_ = false;
  bool closing_ = false;    // server shutdown
  bool cancelled_ = false;  // client gone
};

}  // namespace oms::shipping
