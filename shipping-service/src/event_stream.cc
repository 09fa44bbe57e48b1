#include "shipping-service/src/event_stream.h"

#include <exception>

#include "common/grpc_status.h"
#include "shipping-service/src/shipping_metrics.h"

namespace oms::shipping {

EventStream::EventStream(std::int64_t after_sequence, ShippingStore& store,
                         BoundedExecutor& executor, EventHub& hub, ShippingMetrics* metrics)
    : store_(store), executor_(executor), hub_(hub), metrics_(metrics), cursor_(after_sequence) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!hub_.Subscribe(this)) {
    FinishLocked(lock, hub_.closed()
                           ? grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                          "server shutting down; reconnect with your cursor")
                           : grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                          "too many event streams; retry with backoff"));
    return;
  }
  subscribed_ = true;
  if (metrics_ != nullptr) metrics_->SubscriberAdded();
  state_ = State::kReading;
  if (!SubmitRead()) {
    FinishLocked(lock, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                    "server busy: the work queue is full, retry with backoff"));
  }
}

bool EventStream::SubmitRead() {
  return executor_.TrySubmit([this] { ReadBatch(); });
}

void EventStream::ReadBatch() {
  std::int64_t after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    after = cursor_;
    wake_pending_ = false;  // this read sees every commit before it
  }
  v1::ListEventsResponse page;
  absl::Status status;
  try {
    status = store_.ListEvents(after, kStreamBatch, &page);
  } catch (const std::exception& e) {  // nothing may escape a worker task
    status = absl::InternalError(e.what());
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (!status.ok()) {
    FinishLocked(lock, ToGrpcStatus(status));
    return;
  }
  for (auto& event : *page.mutable_events()) buffer_.push_back(std::move(event));
  const bool more = page.events_size() == kStreamBatch;
  if (more) wake_pending_ = true;  // a full batch: read again once it is written
  state_ = State::kIdle;
  Advance(lock);
}

void EventStream::Advance(std::unique_lock<std::mutex>& lock) {
  if (cancelled_) {
    FinishLocked(lock, grpc::Status::CANCELLED);
    return;
  }
  if (closing_) {
    FinishLocked(lock, grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "server shutting down; reconnect with your cursor"));
    return;
  }
  if (!buffer_.empty()) {
    state_ = State::kWriting;
    writing_ = std::move(buffer_.front());
    buffer_.pop_front();
    lock.unlock();
    StartWrite(&writing_);
    return;
  }
  if (wake_pending_) {
    state_ = State::kReading;
    if (!SubmitRead()) {
      FinishLocked(lock, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                      "server busy: the work queue is full, retry with backoff"));
    }
    return;
  }
  state_ = State::kIdle;
}

void EventStream::FinishLocked(std::unique_lock<std::mutex>& lock, const grpc::Status& status) {
  state_ = State::kFinished;
  lock.unlock();
  Finish(status);  // OnDone may run (and delete this) from here on
}

void EventStream::Wake() {
  std::unique_lock<std::mutex> lock(mu_);
  wake_pending_ = true;
  if (state_ == State::kIdle) Advance(lock);
}

void EventStream::Close() {
  std::unique_lock<std::mutex> lock(mu_);
  closing_ = true;
  if (state_ == State::kIdle) Advance(lock);
}

void EventStream::OnCancel() {
  std::unique_lock<std::mutex> lock(mu_);
  cancelled_ = true;
  if (state_ == State::kIdle) Advance(lock);
}

void EventStream::OnWriteDone(bool ok) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!ok) {
    FinishLocked(lock, grpc::Status::CANCELLED);
    return;
  }
  cursor_ = writing_.sequence();
  hub_.NoteSent(cursor_);
  state_ = State::kIdle;
  Advance(lock);
}

void EventStream::OnDone() {
  if (subscribed_) {
    hub_.Unsubscribe(this);
    if (metrics_ != nullptr) metrics_->SubscriberRemoved();
  }
  delete this;
}

}  // namespace oms::shipping
