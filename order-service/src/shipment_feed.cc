#include "order-service/src/shipment_feed.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <vector>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "common/log.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "order-service/src/order_metrics.h"
#include "order-service/src/shipment_event_store.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

ConsumerLag::Time CreatedAt(const shipping::v1::OutboxEvent& event) {
  return ConsumerLag::Time(
      std::chrono::microseconds(TimeUtil::TimestampToMicroseconds(event.create_time())));
}

}  // namespace

StreamCheck CheckStreamMessage(const std::string& bound_stream_id, std::int64_t cursor,
                               const shipping::v1::OutboxEvent& message) {
  if (!bound_stream_id.empty() && !message.stream_id().empty() &&
      message.stream_id() != bound_stream_id) {
    return StreamCheck::kIdentityChanged;
  }
  if (message.has_heartbeat()) {
    return message.heartbeat().head_sequence() < cursor ? StreamCheck::kHeadBehindCursor
                                                        : StreamCheck::kHeartbeat;
  }
  if (message.sequence() <= cursor) return StreamCheck::kDuplicate;
  return message.sequence() == cursor + 1 ? StreamCheck::kApply : StreamCheck::kGap;
}

const char* StreamErrorReason(StreamCheck check) {
  switch (check) {
    case StreamCheck::kIdentityChanged:
      return kStreamErrorReasons[0];
    case StreamCheck::kGap:
      return kStreamErrorReasons[1];
    case StreamCheck::kHeadBehindCursor:
      return kStreamErrorReasons[2];
    case StreamCheck::kApply:
    case StreamCheck::kDuplicate:
    case StreamCheck::kHeartbeat:
      break;
  }
  return nullptr;
}

void ConsumerLag::TakenIn(std::int64_t cursor) {
  waiting_.erase(waiting_.begin(), waiting_.upper_bound(cursor));
}

void ConsumerLag::Heartbeat(std::int64_t head_sequence, std::int64_t cursor, Time now) {
  TakenIn(cursor);
  known_head_ = std::max(known_head_, head_sequence);
  if (head_sequence <= cursor && waiting_.empty()) caught_up_at_ = now;
}

void ConsumerLag::Received(std::int64_t sequence, Time created) {
  waiting_.emplace(sequence, created);
}

void ConsumerLag::Applied(std::int64_t sequence, Time now) {
  TakenIn(sequence);
  if (sequence >= known_head_ && waiting_.empty()) caught_up_at_ = now;
}

double ConsumerLag::Seconds(Time now) const {
  if (waiting_.empty() && now - caught_up_at_ <= stale_after_) return 0;
  const Time since = waiting_.empty() ? caught_up_at_ : waiting_.begin()->second;
  return std::max(0.0, std::chrono::duration<double>(now - since).count());
}

ShipmentFeed::ShipmentFeed(PgShipmentEventStore& store,
                           std::function<void(const std::string&)> saga_started,
                           OrderMetrics& metrics, std::shared_ptr<grpc::Channel> shipping,
                           Options options)
    : store_(store),
      saga_started_(std::move(saga_started)),
      metrics_(metrics),
      shipping_(std::move(shipping)),
      options_(options),
      lag_(2 * options.heartbeat_interval, std::chrono::system_clock::now()) {}

ShipmentFeed::~ShipmentFeed() { Stop(); }

void ShipmentFeed::Start() {
  thread_ = std::thread([this] { Loop(); });
  apply_thread_ = std::thread([this] { ApplyLoop(); });
  // Often enough that a silent stream ends close to three heartbeat intervals.
  const auto period = std::clamp<std::chrono::milliseconds>(
      options_.heartbeat_interval / 4, std::chrono::milliseconds(10), std::chrono::seconds(1));
  watch_thread_ = std::thread([this, period] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      Watch();
      stopped_.wait_for(lock, period, [this] { return stopping_; });
    }
  });
}

void ShipmentFeed::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (current_ != nullptr) current_->TryCancel();
  }
  stopped_.notify_all();
  queue_changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (apply_thread_.joinable()) apply_thread_.join();
  if (watch_thread_.joinable()) watch_thread_.join();
}

void ShipmentFeed::Watch() {
  metrics_.ConsumerLag(lag_.Seconds(std::chrono::system_clock::now()));
  if (current_ == nullptr || !waiting_since_) return;
  const auto silent = std::chrono::steady_clock::now() - *waiting_since_;
  if (silent < 3 * options_.heartbeat_interval) return;
  log::Warn(
      "", "shipment stream silent for three heartbeat intervals; reconnecting",
      {{"silent_ms",
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(silent).count())}});
  waiting_since_.reset();
  current_->TryCancel();
}

void ShipmentFeed::Loop() {
  for (;;) {
    // The stream broke (shipping restarting, a network blip, silence): reconnect after a pause,
    // from the stored cursor. Inconsistent: nothing was taken in; look again less often.
    const auto pause = FollowOnce() == Outcome::kInconsistent ? 2 * options_.heartbeat_interval
                                                              : options_.reconnect_pause;
    std::unique_lock<std::mutex> lock(mu_);
    if (stopped_.wait_for(lock, pause, [this] { return stopping_; })) return;
  }
}

void ShipmentFeed::ReportInconsistency(StreamCheck check, const std::string& bound_stream_id,
                                       std::int64_t cursor,
                                       const shipping::v1::OutboxEvent& message) {
  const char* reason = StreamErrorReason(check);
  metrics_.StreamError(reason);
  log::Error("",
             "shipping's event stream does not continue the stored cursor; taking nothing in "
             "until an operator resolves it (order-service migration 0011)",
             {{"reason", reason},
              {"stored_stream_id", bound_stream_id},
              {"stream_id", message.stream_id()},
              {"cursor", std::to_string(cursor)},
              {"expected_sequence", std::to_string(cursor + 1)},
              {"sequence", std::to_string(message.sequence())},
              {"head_sequence", std::to_string(message.heartbeat().head_sequence())}});
}

ShipmentFeed::Outcome ShipmentFeed::FollowOnce() {
  auto position = store_.Position();
  if (!position.ok()) {
    log::Warn("", "shipment feed cannot read its cursor",
              {{"error", position.status().ToString()}});
    return Outcome::kBroken;
  }
  grpc::ClientContext context;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Outcome::kBroken;
    current_ = &context;
    waiting_since_ = std::chrono::steady_clock::now();
    applied_ = position->cursor;
    lag_.TakenIn(position->cursor);  // by another replica, say
  }
  auto stub = shipping::v1::ShippingService::NewStub(shipping_);
  shipping::v1::StreamEventsRequest request;
  request.set_after_sequence(position->cursor);
  auto reader = stub->StreamEvents(&context, request);
  std::int64_t cursor = position->cursor;  // the last sequence queued on this stream
  std::string bound = position->stream_id;
  Outcome outcome = Outcome::kBroken;
  shipping::v1::OutboxEvent message;
  // Ends with the stream, or with `false` from a step: the stream is then dropped and read again
  // from the stored cursor.
  auto handle = [&]() -> bool {
    const StreamCheck check = CheckStreamMessage(bound, cursor, message);
    if (!message.has_heartbeat() && message.sequence() > cursor) {
      std::lock_guard<std::mutex> lock(mu_);
      lag_.Received(message.sequence(), CreatedAt(message));
    }
    if (StreamErrorReason(check) != nullptr) {
      ReportInconsistency(check, bound, cursor, message);
      outcome = Outcome::kInconsistent;
      return false;
    }
    if (bound.empty() && !message.stream_id().empty()) {
      auto bound_now = store_.BindStream(message.stream_id());
      if (!bound_now.ok()) {
        log::Warn("", "shipment feed cannot store the stream's identity",
                  {{"error", bound_now.status().ToString()}});
        return false;
      }
      bound = *bound_now;
      if (bound != message.stream_id()) {  // another replica bound another outbox first
        ReportInconsistency(StreamCheck::kIdentityChanged, bound, cursor, message);
        outcome = Outcome::kInconsistent;
        return false;
      }
    }
    if (check == StreamCheck::kHeartbeat) {
      std::lock_guard<std::mutex> lock(mu_);
      lag_.Heartbeat(message.heartbeat().head_sequence(), applied_,
                     std::chrono::system_clock::now());
    }
    if (check != StreamCheck::kApply) return true;
    if (!Enqueue(message)) return false;
    cursor = message.sequence();
    return true;
  };
  while (reader->Read(&message)) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      waiting_since_.reset();
    }
    if (!handle()) {
      context.TryCancel();
      break;
    }
    std::lock_guard<std::mutex> lock(mu_);
    waiting_since_ = std::chrono::steady_clock::now();
  }
  grpc::Status status = reader->Finish();
  {
    // What was queued is taken in (or dropped, a batch having failed) before the stream is read
    // again from the stored cursor.
    std::unique_lock<std::mutex> lock(mu_);
    current_ = nullptr;
    waiting_since_.reset();
    queue_changed_.wait(
        lock, [this] { return stopping_ || apply_failed_ || (queued_.empty() && !applying_); });
    if (apply_failed_) {  // the applier is idle: it waits for the flag to be cleared
      queued_.clear();
      apply_failed_ = false;
    }
  }
  if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
    log::Info("", "shipment feed reconnecting", {{"error", status.error_message()}});
  }
  return outcome;
}

bool ShipmentFeed::Enqueue(const shipping::v1::OutboxEvent& event) {
  std::unique_lock<std::mutex> lock(mu_);
  // Room for a few batches: past that the stream waits (gRPC's flow control holds shipping).
  queue_changed_.wait(lock, [this] {
    return stopping_ || apply_failed_ || queued_.size() < 4 * options_.max_batch;
  });
  if (stopping_ || apply_failed_) return false;
  queued_.push_back(event);
  queue_changed_.notify_all();
  return true;
}

void ShipmentFeed::ApplyLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    queue_changed_.wait(lock, [this] { return stopping_ || (!queued_.empty() && !apply_failed_); });
    if (stopping_) return;
    const auto end =
        queued_.begin() + static_cast<std::ptrdiff_t>(std::min(queued_.size(), options_.max_batch));
    std::vector<shipping::v1::OutboxEvent> batch(std::make_move_iterator(queued_.begin()),
                                                 std::make_move_iterator(end));
    queued_.erase(queued_.begin(), end);
    applying_ = true;
    queue_changed_.notify_all();  // room in the queue
    lock.unlock();
    // Until they are taken in, the events are not consumed.
    auto started = store_.ApplyAll(batch);
    if (started.ok()) metrics_.EventBatch(batch.size());
    lock.lock();
    applying_ = false;
    queue_changed_.notify_all();
    if (!started.ok()) {
      log::Warn("", "shipment events not applied; reading the stream again from the cursor",
                {{"first_sequence", std::to_string(batch.front().sequence())},
                 {"last_sequence", std::to_string(batch.back().sequence())},
                 {"error", started.status().ToString()}});
      apply_failed_ = true;
      queued_.clear();
      if (current_ != nullptr) current_->TryCancel();
      continue;
    }
    applied_ = batch.back().sequence();
    lag_.Applied(applied_, std::chrono::system_clock::now());
    lock.unlock();
    for (const auto& saga_id : *started) saga_started_(saga_id);
    lock.lock();
  }
}

}  // namespace oms::order
