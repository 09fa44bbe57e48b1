// A server-streaming callback reactor that sends every event after the client's cursor, then
// follows new commits. Reads run on the bounded executor; when a read finds nothing the reactor
// idles until its WakeHub wakes it (LISTEN/NOTIFY), so no thread sleeps or polls per stream. One
// operation is in flight at a time (a read or a write), and the call is finished only when none
// is, so OnDone can delete the reactor safely.
#pragma once

#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/support/server_callback.h>

#include "absl/status/status.h"
#include "common/executor.h"
#include "common/grpc_status.h"
#include "common/wake_hub.h"

namespace oms {

template <class Event, class Cursor>
struct StreamSource {
  // Events after `after`, in order; sets *more when a further read should follow at once (a
  // full batch).
  std::function<absl::Status(const Cursor& after, std::vector<Event>* out, bool* more)> read;
  // Moves the cursor past an event the client was sent.
  std::function<void(Cursor& cursor, const Event& sent)> advance;
  // Optional: an event was handed to the client; the stream opened (subscribed) and closed.
  std::function<void(const Cursor&)> sent;
  std::function<void()> opened;
  std::function<void()> closed;
};

template <class Event, class Cursor>
class FollowingStream final : public grpc::ServerWriteReactor<Event>, public StreamSubscriber {
 public:
  // Starts at once: subscribes to `key` (empty: every change), then reads past `after`.
  FollowingStream(Cursor after, const std::string& key, StreamSource<Event, Cursor> source,
                  BoundedExecutor& executor, WakeHub& hub)
      : source_(std::move(source)), executor_(executor), hub_(hub), cursor_(std::move(after)) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!hub_.Subscribe(this, key)) {
      FinishLocked(lock, hub_.closed()
                             ? grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                            "server shutting down; reconnect with your cursor")
                             : grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                            "too many open streams; retry with backoff"));
      return;
    }
    subscribed_ = true;
    if (source_.opened) source_.opened();
    state_ = State::kReading;
    if (!SubmitRead()) FinishLocked(lock, Busy());
  }

  void Wake() override {
    std::unique_lock<std::mutex> lock(mu_);
    wake_pending_ = true;
    if (state_ == State::kIdle) Advance(lock);
  }

  void Close() override {
    std::unique_lock<std::mutex> lock(mu_);
    closing_ = true;
    if (state_ == State::kIdle) Advance(lock);
  }

  void OnCancel() override {
    std::unique_lock<std::mutex> lock(mu_);
    cancelled_ = true;
    if (state_ == State::kIdle) Advance(lock);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (!ok) {
      FinishLocked(lock, grpc::Status::CANCELLED);
      return;
    }
    source_.advance(cursor_, writing_);
    if (source_.sent) source_.sent(cursor_);
    state_ = State::kIdle;
    Advance(lock);
  }

  void OnDone() override {
    if (subscribed_) {
      hub_.Unsubscribe(this);
      if (source_.closed) source_.closed();
    }
    delete this;
  }

 private:
  enum class State { kIdle, kReading, kWriting, kFinished };

  ~FollowingStream() override = default;

  static grpc::Status Busy() {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "server busy: the work queue is full, retry with backoff");
  }

  // With mu_ held, state_ == kReading: queues the read; false when the executor refused it.
  [[nodiscard]] bool SubmitRead() {
    return executor_.TrySubmit([this] { Read(); });
  }

  void Read() {
    Cursor after;
    {
      std::lock_guard<std::mutex> lock(mu_);
      after = cursor_;
      wake_pending_ = false;  // this read sees every commit before it
    }
    std::vector<Event> events;
    bool more = false;
    absl::Status status;
    try {
      status = source_.read(after, &events, &more);
    } catch (const std::exception& e) {  // nothing may escape a worker task
      status = absl::InternalError(e.what());
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (!status.ok()) {
      FinishLocked(lock, ToGrpcStatus(status));
      return;
    }
    for (auto& event : events) buffer_.push_back(std::move(event));
    if (more) wake_pending_ = true;  // read again once this batch is written
    state_ = State::kIdle;
    Advance(lock);
  }

  // With mu_ held and nothing in flight: finish, start the next write or read, or go idle.
  // Unlocks when it starts an operation or finishes.
  void Advance(std::unique_lock<std::mutex>& lock) {
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
      this->StartWrite(&writing_);
      return;
    }
    if (wake_pending_) {
      state_ = State::kReading;
      if (!SubmitRead()) FinishLocked(lock, Busy());
      return;
    }
    state_ = State::kIdle;
  }

  void FinishLocked(std::unique_lock<std::mutex>& lock, const grpc::Status& status) {
    state_ = State::kFinished;
    lock.unlock();
    this->Finish(status);  // OnDone may run (and delete this) from here on
  }

  const StreamSource<Event, Cursor> source_;
  BoundedExecutor& executor_;
  WakeHub& hub_;
  bool subscribed_ = false;

  std::mutex mu_;
  State state_ = State::kIdle;
  Cursor cursor_;
  std::deque<Event> buffer_;
  Event writing_;  // must outlive its StartWrite
  bool wake_pending_ = false;
  bool closing_ = false;    // server shutdown
  bool cancelled_ = false;  // client gone
};

// A stream refused before it starts (bad input, say).
template <class Event>
class RefusedStream final : public grpc::ServerWriteReactor<Event> {
 public:
  explicit RefusedStream(const absl::Status& status) { this->Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace oms
