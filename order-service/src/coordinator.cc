#include "order-service/src/coordinator.h"

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "order-service/src/order_metrics.h"
#include "order-service/src/sagas/registry.h"

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

Coordinator::Coordinator(SagaStore& store, Participants& participants, OrderWaiters& waiters,
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
    const SagaKindDef* kind = FindSagaKind(count.kind);
    if (kind != nullptr && count.step >= 0 && count.step < static_cast<int>(kind->steps.size())) {
      in_flight[kind->steps[count.step].name] += count.count;
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
    lock.unlock();
    RenewDueLeases();
    lock.lock();
    const int room = static_cast<int>(options_.max_in_flight) - in_flight_;
    if (room > 0) {
      lock.unlock();
      ClaimAndDrive("", room);
      lock.lock();
    }
    wake_.wait_for(lock, options_.scan_interval, [this] { return stopping_; });
  }
}

void Coordinator::LeaseSet(const ClaimedSaga& saga, std::chrono::steady_clock::time_point when) {
  std::lock_guard<std::mutex> lock(mu_);
  held_[saga.saga_id] = Held{saga.epoch, when};
}

void Coordinator::RenewDueLeases() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<HeldLease> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [saga_id, held] : held_) {
      if (now - held.lease_set >= options_.lease / 3) due.push_back({saga_id, held.epoch});
    }
  }
  if (due.empty()) return;
  if (absl::Status renewed = store_.RenewLeases(options_.owner, due, options_.lease);
      !renewed.ok()) {
    log::Warn("", "renewing saga leases failed", {{"error", renewed.ToString()}});
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const HeldLease& lease : due) {
    auto held = held_.find(lease.saga_id);
    if (held != held_.end() && held->second.epoch == lease.epoch) held->second.lease_set = now;
  }
}

SagaLease Coordinator::ReserveTurn() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || in_flight_ >= static_cast<int>(options_.max_in_flight)) return {};
  ++in_flight_;
  return {options_.owner, options_.lease};
}

void Coordinator::Adopt(ClaimedSaga saga, std::chrono::steady_clock::time_point leased_at) {
  LeaseSet(saga, leased_at);
  Step(std::make_shared<ClaimedSaga>(std::move(saga)));
}

void Coordinator::Unreserve() {
  std::lock_guard<std::mutex> lock(mu_);
  --in_flight_;
  wake_.notify_all();
}

void Coordinator::ClaimAndDrive(const std::string& saga_id, int limit) {
  const auto claiming = std::chrono::steady_clock::now();
  auto claimed = store_.Claim(options_.owner, options_.lease, limit, saga_id);
  if (!claimed.ok()) {
    log::Warn("", "claiming sagas failed", {{"error", claimed.status().ToString()}});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ += static_cast<int>(claimed->size());
  }
  for (const auto& saga : *claimed) LeaseSet(saga, claiming);
  // Starting a call does not block: the claiming thread starts them all.
  for (auto& saga : *claimed) Step(std::make_shared<ClaimedSaga>(std::move(saga)));
}

void Coordinator::Step(std::shared_ptr<ClaimedSaga> saga) {
  // Never a default: a kind or step this release does not know is left alone, logged, for a
  // replica of the release that made it (its lease expires, then that replica claims it).
  const SagaKindDef* kind = FindSagaKind(saga->kind);
  if (kind == nullptr) {
    log::Error(saga->saga_id, "saga of an unknown kind", {{"kind", saga->kind}});
    EndTurn(*saga, nullptr);
    return;
  }
  const NextCall call = Next(kind->spec, saga->state);
  if (call.kind != NextCall::kNone &&
      (call.step < 0 || call.step >= static_cast<int>(kind->steps.size()))) {
    log::Error(saga->saga_id, "saga at an unknown step",
               {{"kind", saga->kind}, {"step", std::to_string(call.step)}});
    EndTurn(*saga, nullptr);
    return;
  }
  bool stopping;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping = stopping_;
  }
  if (call.kind == NextCall::kNone) {  // final or parked: its save released the lease
    EndTurn(*saga, kind);
    return;
  }
  if (stopping) {
    // Another replica may take it up at once, from its saved step, rather than once the lease
    // expires. If this fails the lease simply runs out.
    if (absl::Status released = store_.ReleaseLease(*saga); !released.ok()) {
      log::Warn(saga->saga_id, "saga lease not released", {{"error", released.ToString()}});
    }
    EndTurn(*saga, kind);
    return;
  }
  const StepDef& step = kind->steps[call.step];
  const bool forward = call.kind == NextCall::kForward;
  if (forward && step.done_already && call.step + 1 < static_cast<int>(kind->steps.size()) &&
      step.done_already(*saga)) {
    CallOutcome done_before;
    done_before.result = CallResult::kOk;
    saga->state = Advance(kind->spec, saga->state, done_before, options_.retry,
                          std::chrono::system_clock::now());
    Step(std::move(saga));
    return;
  }
  const std::string request_id = RequestId(saga->saga_id, kind->spec, call, saga->state);
  absl::Status not_called;  // a failpoint failing the call before it is made
  if (!options_.failpoints.empty()) {
    const std::string point =
        absl::StrCat(forward ? "order.before_" : "order.before_compensate_", step.name);
    not_called = options_.failpoints.Hit(point, request_id).AsStatus(point);
  }
  const auto started = std::chrono::steady_clock::now();
  const ClaimedSaga& called = *saga;
  // The engine asks for a compensation only of a step that has one (saga.h).
  const StepCall& run = forward ? step.forward : step.compensate;
  StepDone done = [this, saga = std::move(saga), kind, call, request_id,
                   started](StepResult result) {
    // On a gRPC thread, which must not block: the database work goes to a worker.
    auto after = std::make_shared<std::function<void()>>(
        [this, saga, kind, call, request_id, started, result = std::move(result)]() mutable {
          AfterCall(std::move(saga), *kind, call, request_id, started, std::move(result));
        });
    if (!workers_.TrySubmit([after] { (*after)(); })) (*after)();
  };
  if (!not_called.ok()) {
    StepResult failed;
    failed.outcome = OutcomeOf(not_called);
    failed.detail = not_called.ToString();
    done(std::move(failed));
    return;
  }
  run(participants_, called, request_id, std::move(done));
}

void Coordinator::AfterCall(std::shared_ptr<ClaimedSaga> saga, const SagaKindDef& kind,
                            NextCall call, const std::string& request_id,
                            std::chrono::steady_clock::time_point started, StepResult result) {
  const std::string& step_name = kind.steps[call.step].name;
  const bool forward = call.kind == NextCall::kForward;
  if (forward && !options_.failpoints.empty()) {
    const std::string point = absl::StrCat("order.after_", step_name);
    const absl::Status lost = options_.failpoints.Hit(point, request_id).AsStatus(point);
    // The participant acted; its answer is what gets lost.
    if (!lost.ok()) {
      result = StepResult();
      result.outcome.result = CallResult::kTransient;
      result.detail = lost.ToString();
    }
  }
  const SagaState next = Advance(kind.spec, saga->state, result.outcome, options_.retry,
                                 std::chrono::system_clock::now());
  JournalEntry entry;
  entry.step = step_name;
  entry.action = forward ? "FORWARD" : "COMPENSATE";
  entry.request_id = request_id;
  entry.outcome = OutcomeName(result.outcome.result);
  entry.detail =
      result.outcome.reason.empty() ? result.detail : result.outcome.reason + ": " + result.detail;
  std::chrono::milliseconds retry_after{0};
  if (result.outcome.result == CallResult::kTransient && Next(kind.spec, next).kind == call.kind &&
      Next(kind.spec, next).step == call.step) {
    retry_after =
        std::max(Backoff(options_.retry, next.attempts, Jitter()), std::chrono::milliseconds(1));
  }
  metrics_.Step(entry.step, entry.action, entry.outcome,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (result.outcome.result == CallResult::kRefused || next.phase == SagaPhase::kNeedsAttention) {
    log::Warn(request_id, "saga step refused",
              {{"step", entry.step},
               {"action", entry.action},
               {"detail", entry.detail},
               {"phase", PhaseName(next.phase)}});
  }
  ClaimedSaga after;
  const auto saving = std::chrono::steady_clock::now();
  absl::Status saved =
      SaveStepOf(store_, kind, *saga, next, entry, result, retry_after, options_.lease, &after);
  if (!saved.ok()) {
    // Lost the lease, or the database is away: whoever holds the saga (or this replica, once
    // the lease expires) resumes it from what was persisted, with the same request ids.
    log::Warn(request_id, "saga step not saved", {{"error", saved.ToString()}});
    EndTurn(*saga, &kind);
    return;
  }
  *saga = std::move(after);
  LeaseSet(*saga, saving);
  if (retry_after.count() > 0) {
    EndTurn(*saga, &kind);
    return;
  }
  Step(std::move(saga));
}

void Coordinator::EndTurn(const ClaimedSaga& saga, const SagaKindDef* kind) {
  const bool settled =
      saga.state.phase != SagaPhase::kRunning && saga.state.phase != SagaPhase::kCompensating;
  if (kind != nullptr && settled && kind->on_finished) kind->on_finished(saga, *this);
  std::lock_guard<std::mutex> lock(mu_);
  held_.erase(saga.saga_id);
  --in_flight_;
  wake_.notify_all();  // Stop() may be waiting; the scan may have room again
}

void Coordinator::OrderSettled(const std::string& order_id, SagaPhase phase) {
  metrics_.SagaEnded(PhaseName(phase));
  waiters_.Notify(order_id);
}

}  // namespace oms::order
