#include "order-service/src/coordinator.h"

#include <algorithm>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "order-service/src/order_metrics.h"
#include "order-service/src/order_saga.h"

namespace oms::order {
namespace {

const char* OutcomeName(CallResult result) {
  switch (result) {
    case CallResult::kOk: return "OK";
    case CallResult::kTransient: return "TRANSIENT";
    case CallResult::kRefused: return "REFUSED";
  }
  return "UNKNOWN";
}

// How often the open-saga gauges are refreshed from the database.
constexpr auto kGaugeInterval = std::chrono::seconds(2);

double Jitter() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, 1)(engine);
}

}  // namespace

Coordinator::Coordinator(PgOrderStore& store, Participants& participants, OrderWaiters& waiters,
                         OrderMetrics& metrics, CoordinatorOptions options)
    : store_(store),
      participants_(participants),
      waiters_(waiters),
      metrics_(metrics),
      options_(std::move(options)),
      workers_(options_.workers, options_.workers * 16) {}

Coordinator::~Coordinator() { Stop(); }

void Coordinator::Start() { scanner_ = std::thread([this] { ScanLoop(); }); }

void Coordinator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (scanner_.joinable()) scanner_.join();
  workers_.Stop();
}

void Coordinator::Kick(const std::string& saga_id) {
  if (!workers_.TrySubmit([this, saga_id] { ClaimAndDrive(saga_id, 1); })) {
    // Busy: the scan takes it up as soon as a worker is free.
    wake_.notify_all();
  }
}

void Coordinator::UpdateGauges() {
  auto counts = store_.CountOpenSagas();
  if (!counts.ok()) return;  // the next scan tries again
  std::map<std::string, int64_t> in_flight;
  int64_t parked = 0;
  double oldest = 0;
  for (const auto& count : *counts) {
    if (count.phase == SagaPhase::kNeedsAttention) {
      parked += count.count;
      continue;
    }
    const SagaSpec& spec = SpecOf(count.kind);
    if (count.step >= 0 && count.step < static_cast<int>(spec.steps.size())) {
      in_flight[spec.steps[count.step].name] += count.count;
    }
    oldest = std::max(oldest, count.oldest_seconds);
  }
  metrics_.OpenSagas(in_flight, parked, oldest);
}

void Coordinator::ScanLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  auto gauges_due = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (std::chrono::steady_clock::now() >= gauges_due) {
      lock.unlock();
      UpdateGauges();
      lock.lock();
      gauges_due = std::chrono::steady_clock::now() + kGaugeInterval;
    }
    const int idle = static_cast<int>(options_.workers) - busy_.load();
    if (idle > 0) {
      lock.unlock();
      ClaimAndDrive("", idle);
      lock.lock();
    }
    wake_.wait_for(lock, options_.scan_interval, [this] { return stopping_; });
  }
}

void Coordinator::ClaimAndDrive(const std::string& saga_id, int limit) {
  auto claimed = store_.Claim(options_.owner, options_.lease, limit, saga_id);
  if (!claimed.ok()) {
    log::Warn("", "claiming sagas failed", {{"error", claimed.status().ToString()}});
    return;
  }
  for (auto& saga : *claimed) {
    if (!saga_id.empty()) {
      Drive(std::move(saga));  // already on a worker
    } else if (!workers_.TrySubmit(
                   [this, saga = std::move(saga)]() mutable { Drive(std::move(saga)); })) {
      // No room: the lease runs out and the saga is claimed again later.
      log::Warn("", "no worker free for a claimed saga", {{"saga_id", saga.saga_id}});
    }
  }
}

void Coordinator::Drive(ClaimedSaga saga) {
  ++busy_;
  const SagaSpec& spec = SpecOf(saga.kind);
  for (;;) {
    const NextCall call = Next(spec, saga.state);
    if (call.kind == NextCall::kNone) break;
    const std::string request_id = RequestId(saga.saga_id, spec, call);
    const std::string& step_name = spec.steps[call.step].name;
    const bool forward = call.kind == NextCall::kForward;
    if (!options_.failpoints.empty()) {
      options_.failpoints.Hit(
          absl::StrCat(forward ? "order.before_" : "order.before_compensate_", step_name),
          request_id);
    }
    const auto started = std::chrono::steady_clock::now();
    StepResult result = RunSagaStep(participants_, saga, call, request_id);
    if (forward && !options_.failpoints.empty()) {
      options_.failpoints.Hit(absl::StrCat("order.after_", step_name), request_id);
    }
    const SagaState next = Advance(spec, saga.state, result.outcome, options_.retry);
    StepRecord record;
    record.step = step_name;
    record.action = forward ? "FORWARD" : "COMPENSATE";
    record.request_id = request_id;
    record.outcome = OutcomeName(result.outcome.result);
    record.detail = result.outcome.reason.empty()
                        ? result.detail
                        : result.outcome.reason + ": " + result.detail;
    if (result.outcome.result == CallResult::kTransient && Next(spec, next).kind == call.kind &&
        Next(spec, next).step == call.step) {
      record.retry_after = Backoff(options_.retry, next.attempts, Jitter());
      if (record.retry_after.count() == 0) record.retry_after = std::chrono::milliseconds(1);
    }
    record.allocation = std::move(result.allocation);
    record.shipments = std::move(result.shipments);
    record.payment_id = std::move(result.payment_id);
    record.plan = std::move(result.plan);
    record.order_status = std::move(result.order_status);
    record.return_update = std::move(result.return_update);
    metrics_.Step(record.step, record.action, record.outcome,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (result.outcome.result == CallResult::kRefused ||
        next.phase == SagaPhase::kNeedsAttention) {
      log::Warn(request_id, "saga step refused",
                {{"step", record.step}, {"action", record.action}, {"detail", record.detail},
                 {"phase", PhaseName(next.phase)}});
    }
    absl::Status saved = store_.SaveStep(saga, next, record, options_.lease);
    if (!saved.ok()) {
      // Lost the lease, or the database is away: whoever holds the saga (or this replica, once
      // the lease expires) resumes it from what was persisted, with the same request ids.
      log::Warn(request_id, "saga step not saved", {{"error", saved.ToString()}});
      break;
    }
    if (record.retry_after.count() > 0) break;
  }
  --busy_;
  if (saga.kind == SagaKind::kOrder && saga.state.phase != SagaPhase::kRunning &&
      saga.state.phase != SagaPhase::kCompensating) {
    metrics_.SagaEnded(PhaseName(saga.state.phase));
    waiters_.Notify(saga.order_id);
  }
}

}  // namespace oms::order
