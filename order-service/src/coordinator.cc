#include "order-service/src/coordinator.h"

#include <algorithm>
#include <functional>
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
    case CallResult::kOk:
      return "OK";
    case CallResult::kTransient:
      return "TRANSIENT";
    case CallResult::kRefused:
      return "REFUSED";
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
      // Room for every in-flight saga's continuation besides the kicks, so a reply is never
      // turned away.
      workers_(options_.workers, options_.max_in_flight * 2 + options_.workers * 16) {}

Coordinator::~Coordinator() { Stop(); }

void Coordinator::Start() {
  scanner_ = std::thread([this] { ScanLoop(); });
}

void Coordinator::Stop() {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  wake_.notify_all();
  lock.unlock();
  if (scanner_.joinable()) scanner_.join();
  // Calls in flight end by their deadline at the latest; their outcome is saved first.
  lock.lock();
  wake_.wait(lock, [this] { return in_flight_ == 0; });
  lock.unlock();
  workers_.Stop();
}

void Coordinator::Kick(const std::string& saga_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || in_flight_ >= static_cast<int>(options_.max_in_flight)) return;
  }
  if (!workers_.TrySubmit([this, saga_id] { ClaimAndDrive(saga_id, 1); })) {
    // Busy: the scan takes it up as soon as there is room.
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
    const int room = static_cast<int>(options_.max_in_flight) - in_flight_;
    if (room > 0) {
      lock.unlock();
      ClaimAndDrive("", room);
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ += static_cast<int>(claimed->size());
  }
  // Starting a call does not block: the claiming thread starts them all.
  for (auto& saga : *claimed) Step(std::make_shared<ClaimedSaga>(std::move(saga)));
}

void Coordinator::Step(std::shared_ptr<ClaimedSaga> saga) {
  const SagaSpec& spec = SpecOf(saga->kind);
  const NextCall call = Next(spec, saga->state);
  bool stopping;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping = stopping_;
  }
  // Stopping: the saga keeps its lease until it expires, then any replica resumes it.
  if (call.kind == NextCall::kNone || stopping) {
    EndTurn(*saga);
    return;
  }
  const std::string request_id = RequestId(saga->saga_id, spec, call);
  const std::string& step_name = spec.steps[call.step].name;
  if (!options_.failpoints.empty()) {
    options_.failpoints.Hit(
        absl::StrCat(call.kind == NextCall::kForward ? "order.before_" : "order.before_compensate_",
                     step_name),
        request_id);
  }
  const auto started = std::chrono::steady_clock::now();
  const ClaimedSaga& called = *saga;
  RunSagaStep(participants_, called, call, request_id,
              [this, saga = std::move(saga), call, request_id, started](StepResult result) {
                // On a gRPC thread, which must not block: the database work goes to a worker.
                auto after = std::make_shared<std::function<void()>>(
                    [this, saga, call, request_id, started, result = std::move(result)]() mutable {
                      AfterCall(std::move(saga), call, request_id, started, std::move(result));
                    });
                if (!workers_.TrySubmit([after] { (*after)(); })) (*after)();
              });
}

void Coordinator::AfterCall(std::shared_ptr<ClaimedSaga> saga, NextCall call,
                            const std::string& request_id,
                            std::chrono::steady_clock::time_point started, StepResult result) {
  const SagaSpec& spec = SpecOf(saga->kind);
  const std::string& step_name = spec.steps[call.step].name;
  const bool forward = call.kind == NextCall::kForward;
  if (forward && !options_.failpoints.empty()) {
    options_.failpoints.Hit(absl::StrCat("order.after_", step_name), request_id);
  }
  const SagaState next = Advance(spec, saga->state, result.outcome, options_.retry);
  StepRecord record;
  record.step = step_name;
  record.action = forward ? "FORWARD" : "COMPENSATE";
  record.request_id = request_id;
  record.outcome = OutcomeName(result.outcome.result);
  record.detail =
      result.outcome.reason.empty() ? result.detail : result.outcome.reason + ": " + result.detail;
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
  if (result.outcome.result == CallResult::kRefused || next.phase == SagaPhase::kNeedsAttention) {
    log::Warn(request_id, "saga step refused",
              {{"step", record.step},
               {"action", record.action},
               {"detail", record.detail},
               {"phase", PhaseName(next.phase)}});
  }
  absl::Status saved = store_.SaveStep(*saga, next, record, options_.lease);
  if (!saved.ok()) {
    // Lost the lease, or the database is away: whoever holds the saga (or this replica, once
    // the lease expires) resumes it from what was persisted, with the same request ids.
    log::Warn(request_id, "saga step not saved", {{"error", saved.ToString()}});
    EndTurn(*saga);
    return;
  }
  if (record.retry_after.count() > 0) {
    EndTurn(*saga);
    return;
  }
  Step(std::move(saga));
}

void Coordinator::EndTurn(const ClaimedSaga& saga) {
  if (saga.kind == SagaKind::kOrder && saga.state.phase != SagaPhase::kRunning &&
      saga.state.phase != SagaPhase::kCompensating) {
    metrics_.SagaEnded(PhaseName(saga.state.phase));
    waiters_.Notify(saga.order_id);
  }
  std::lock_guard<std::mutex> lock(mu_);
  --in_flight_;
  wake_.notify_all();  // Stop() may be waiting; the scan may have room again
}

}  // namespace oms::order
