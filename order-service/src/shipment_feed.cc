#include "order-service/src/shipment_feed.h"

#include <algorithm>

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
  if (oldest_waiting_ && oldest_waiting_->first <= cursor) oldest_waiting_.reset();
}

void ConsumerLag::Heartbeat(std::int64_t head_sequence, std::int64_t cursor, Time now) {
  TakenIn(cursor);
  known_head_ = std::max(known_head_, head_sequence);
  if (head_sequence <= cursor && !oldest_waiting_) caught_up_at_ = now;
}

void ConsumerLag::Received(std::int64_t sequence, Time created) {
  if (!oldest_waiting_ || sequence < oldest_waiting_->first) oldest_waiting_ = {sequence, created};
}

void ConsumerLag::Applied(std::int64_t sequence, Time now) {
  TakenIn(sequence);
  if (sequence >= known_head_ && !oldest_waiting_) caught_up_at_ = now;
}

double ConsumerLag::Seconds(Time now) const {
  const Time since = oldest_waiting_ ? oldest_waiting_->second : caught_up_at_;
  if (!oldest_waiting_ && now - caught_up_at_ <= stale_after_) return 0;
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
  if (thread_.joinable()) thread_.join();
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
    lag_.TakenIn(position->cursor);  // by another replica, say
  }
  auto stub = shipping::v1::ShippingService::NewStub(shipping_);
  shipping::v1::StreamEventsRequest request;
  request.set_after_sequence(position->cursor);
  auto reader = stub->StreamEvents(&context, request);
  std::int64_t cursor = position->cursor;  // the last sequence handled on this stream
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
      lag_.Heartbeat(message.heartbeat().head_sequence(), cursor, std::chrono::system_clock::now());
    }
    if (check != StreamCheck::kApply) return true;
    // Until it is applied, the event is not consumed.
    auto saga_id = store_.Apply(message);
    if (!saga_id.ok()) {
      log::Warn("", "shipment event not applied",
                {{"sequence", std::to_string(message.sequence())},
                 {"error", saga_id.status().ToString()}});
      return false;
    }
    cursor = message.sequence();
    {
      std::lock_guard<std::mutex> lock(mu_);
      lag_.Applied(cursor, std::chrono::system_clock::now());
    }
    if (!saga_id->empty()) saga_started_(*saga_id);
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
    std::lock_guard<std::mutex> lock(mu_);
    current_ = nullptr;
    waiting_since_.reset();
  }
  if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
    log::Info("", "shipment feed reconnecting", {{"error", status.error_message()}});
  }
  return outcome;
}

}  // namespace oms::order
