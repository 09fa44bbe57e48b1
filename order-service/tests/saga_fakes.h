// Fakes of the saga store and the participants, for unit tests of the coordinator and the
// handlers: sagas in memory with the real store's leases and fencing; participants that answer
// as scripted and record every call.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "order-service/src/participants.h"
#include "order-service/src/saga_store.h"

namespace oms::order {

// Polls `done` until it holds or five seconds pass.
template <class Predicate>
bool Eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Records every write a hook makes, as text.
class RecordingWrites : public SagaWrites {
 public:
  explicit RecordingWrites(std::vector<std::string>& log) : log_(log) {}
  void RecordOrderProgress(const OrderProgress& progress) override {
    log_.push_back("order " + v1::OrderStatus_Name(progress.status) +
                   (progress.rejection_reason.empty() ? "" : " " + progress.rejection_reason));
  }
  void MarkOrderCancelled(const std::string&) override { log_.push_back("cancelled"); }
  void FlagOrderAttention(const std::string&) override { log_.push_back("attention"); }
  void RecountOrderAttention(const std::string&) override { log_.push_back("recount"); }
  void CompleteOrderIfDone(const std::string&) override { log_.push_back("complete-if-done"); }
  void SetSagaPayload(const std::string&, const std::string&) override {
    log_.push_back("payload");
  }
  void ListShipments(const std::string&,
                     const std::vector<v1::ShipmentSummary>& shipments) override {
    log_.push_back("list " + std::to_string(shipments.size()) + " shipments");
  }
  void MarkParcelRefunded(const std::string&, const std::string& shipment_id) override {
    log_.push_back("refunded " + shipment_id);
  }
  void AdoptOrderVersion(const std::string&, const v1::Order& edited) override {
    log_.push_back("version " + std::to_string(edited.version()));
  }
  v1::BackorderState CancelBackorders(const std::string&) override {
    log_.push_back("backorders cancelled");
    v1::BackorderState cancelled;
    cancelled.set_cancelled(true);
    return cancelled;
  }
  void UpdateReturn(const v1::Return&) override { log_.push_back("return"); }
  void FinishReceipt(const v1::Return&) override { log_.push_back("receipt"); }

 private:
  std::vector<std::string>& log_;
};

// Sagas in memory, with the leases and fencing of the real store.
class FakeSagaStore : public SagaStore {
 public:
  void Add(ClaimedSaga saga) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string id = saga.saga_id;
    sagas_[id] = Row{std::move(saga), "", std::chrono::steady_clock::now()};
  }
  // From the next SaveStep on, another replica holds every saga.
  void LoseLeases() { lose_leases_ = true; }

  absl::StatusOr<std::vector<ClaimedSaga>> Claim(const std::string& owner, std::chrono::seconds,
                                                 int limit, const std::string& saga_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!saga_id.empty()) kicked_.push_back(saga_id);
    std::vector<ClaimedSaga> claimed;
    for (auto& [id, row] : sagas_) {
      if (static_cast<int>(claimed.size()) >= limit) break;
      if (!saga_id.empty() && id != saga_id) continue;
      const SagaPhase phase = row.saga.state.phase;
      if (phase != SagaPhase::kRunning && phase != SagaPhase::kCompensating) continue;
      if (!row.holder.empty() || row.due > std::chrono::steady_clock::now()) continue;
      row.holder = owner;
      ++claims_;
      ++row.saga.epoch;
      row.saga.owner = owner;
      claimed.push_back(row.saga);
    }
    return claimed;
  }

  absl::Status SaveStep(const ClaimedSaga& saga, const SagaState& next, const JournalEntry& entry,
                        std::chrono::milliseconds retry_after, std::chrono::seconds,
                        const std::function<void(SagaWrites&)>& writes) override {
    std::lock_guard<std::mutex> lock(mu_);
    Row& row = sagas_.at(saga.saga_id);
    if (lose_leases_ || row.holder != saga.owner || row.saga.epoch != saga.epoch) {
      return WithReason(absl::StatusCode::kAborted, "LEASE_LOST", "held by another replica");
    }
    RecordingWrites recording(writes_);
    writes(recording);
    journal_.push_back(entry.request_id + " " + entry.outcome);
    row.saga.state = next;
    const bool active = next.phase == SagaPhase::kRunning || next.phase == SagaPhase::kCompensating;
    if (!active || retry_after.count() > 0) row.holder.clear();
    row.due = std::chrono::steady_clock::now() + retry_after;
    return absl::OkStatus();
  }

  absl::Status ReleaseLease(const ClaimedSaga& saga) override {
    std::lock_guard<std::mutex> lock(mu_);
    Row& row = sagas_.at(saga.saga_id);
    if (row.holder != saga.owner || row.saga.epoch != saga.epoch) {
      return WithReason(absl::StatusCode::kAborted, "LEASE_LOST", "held by another replica");
    }
    row.holder.clear();
    return absl::OkStatus();
  }
  absl::Status RenewLeases(const std::string& owner, const std::vector<HeldLease>& held,
                           std::chrono::seconds) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const HeldLease& lease : held) {
      Row& row = sagas_.at(lease.saga_id);
      if (row.holder == owner && row.saga.epoch == lease.epoch) ++row.renewals;
    }
    return absl::OkStatus();
  }
  // How often the saga's lease was renewed.
  int Renewals(const std::string& saga_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return sagas_.at(saga_id).renewals;
  }
  // The replica holding the saga's lease ("" when none does).
  std::string Holder(const std::string& saga_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return sagas_.at(saga_id).holder;
  }

  absl::StatusOr<std::vector<SagaCount>> CountOpenSagas() override {
    return std::vector<SagaCount>{};
  }

  // The sagas claimed by id (a Kick), in order.
  std::vector<std::string> Kicked() {
    std::lock_guard<std::mutex> lock(mu_);
    return kicked_;
  }
  int Claims() {
    std::lock_guard<std::mutex> lock(mu_);
    return claims_;
  }
  SagaPhase Phase(const std::string& saga_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return sagas_.at(saga_id).saga.state.phase;
  }
  std::vector<std::string> Journal() {
    std::lock_guard<std::mutex> lock(mu_);
    return journal_;
  }
  std::vector<std::string> Writes() {
    std::lock_guard<std::mutex> lock(mu_);
    return writes_;
  }

 private:
  struct Row {
    ClaimedSaga saga;
    std::string holder;
    std::chrono::steady_clock::time_point due;
    int renewals = 0;
  };
  std::mutex mu_;
  std::map<std::string, Row> sagas_;
  std::vector<std::string> journal_;
  std::vector<std::string> writes_;
  int claims_ = 0;
  std::vector<std::string> kicked_;
  std::atomic<bool> lose_leases_{false};
};

// Answers each call at once with the outcome scripted for its method (OK when none), or holds
// the answer of one method until Release().
class FakeParticipants : public Participants {
 public:
  void Script(const std::string& method, std::vector<CallOutcome> outcomes) {
    std::lock_guard<std::mutex> lock(mu_);
    script_[method] = std::move(outcomes);
  }
  void Hold(const std::string& method) { held_method_ = method; }
  bool Holding() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<bool>(held_);
  }
  void Release() {
    StepDone done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done = std::move(held_);
      held_ = nullptr;
    }
    done(StepResult{});
  }
  std::vector<std::string> Calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  // The hold each Reserve call asked for, in order.
  std::vector<int> ReserveHolds() {
    std::lock_guard<std::mutex> lock(mu_);
    return reserve_holds_;
  }

  void Reserve(const std::string& id, const v1::Order&, int hold_seconds, StepDone done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      reserve_holds_.push_back(hold_seconds);
    }
    StepResult result;
    result.output = Reserved{};
    Answer("Reserve", id, std::move(done), std::move(result));
  }
  void ReleaseReservation(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("ReleaseReservation", id, std::move(done));
  }
  void Authorize(const std::string& id, const v1::Order&, const std::string&,
                 StepDone done) override {
    StepResult result;
    result.output = Authorized{"payment-1"};
    Answer("Authorize", id, std::move(done), std::move(result));
  }
  void VoidPayment(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("VoidPayment", id, std::move(done));
  }
  void CreateShipments(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("CreateShipments", id, std::move(done));
  }
  void CancelShipments(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("CancelShipments", id, std::move(done));
  }
  void ExtendReservation(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("ExtendReservation", id, std::move(done));
  }
  void CommitShipment(const std::string& id, const v1::Order&, const shipping::v1::OutboxEvent&,
                      StepDone done) override {
    Answer("CommitShipment", id, std::move(done));
  }
  void CaptureShipment(const std::string& id, const v1::Order&, const shipping::v1::OutboxEvent&,
                       StepDone done) override {
    Answer("CaptureShipment", id, std::move(done));
  }
  void CancelShipment(const std::string& id, const std::string&, StepDone done) override {
    Answer("CancelShipment", id, std::move(done));
  }
  void ReleaseShipment(const std::string& id, const v1::Order&, const v1::ShipmentSummary&,
                       StepDone done) override {
    Answer("ReleaseShipment", id, std::move(done));
  }
  void VoidShare(const std::string& id, const v1::Order&, int64_t, StepDone done) override {
    Answer("VoidShare", id, std::move(done));
  }
  void CreateReturnShipment(const std::string& id, const v1::Order&, const v1::Return&,
                            StepDone done) override {
    Answer("CreateReturnShipment", id, std::move(done));
  }
  void ResourceReservation(const std::string& id, const v1::Order&,
                           const shipping::v1::OutboxEvent&, StepDone done) override {
    Answer("ResourceReservation", id, std::move(done));
  }
  void CreateResourcedShipments(const std::string& id, const v1::Order&, const std::string&,
                                const inventory::v1::Allocation&, StepDone done) override {
    Answer("CreateResourcedShipments", id, std::move(done));
  }
  void CreateFillShipment(const std::string& id, const v1::Order&,
                          const inventory::v1::BackorderFill&, StepDone done) override {
    Answer("CreateFillShipment", id, std::move(done));
  }
  void CancelBackorders(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("CancelBackorders", id, std::move(done));
  }
  void RestockParcel(const std::string& id, const v1::Order&, const v1::ShipmentSummary&,
                     const std::string&, int64_t, StepDone done) override {
    Answer("RestockParcel", id, std::move(done));
  }
  void TakeReplacementUnits(const std::string& id, const v1::Order&, const v1::ShipmentSummary&,
                            const std::string&, int64_t, StepDone done) override {
    Answer("TakeReplacementUnits", id, std::move(done));
  }
  void RefundParcel(const std::string& id, const v1::Order&, const v1::ShipmentSummary&,
                    StepDone done) override {
    Answer("RefundParcel", id, std::move(done));
  }
  void CreateReplacementShipment(const std::string& id, const v1::Order&,
                                 const v1::ReshipShipmentRequest&, StepDone done) override {
    Answer("CreateReplacementShipment", id, std::move(done));
  }
  void Restock(const std::string& id, const v1::Return&, const std::string&, int64_t, int64_t,
               StepDone done) override {
    Answer("Restock", id, std::move(done));
  }
  void Refund(const std::string& id, const v1::Return&, const v1::RefundShare&,
              StepDone done) override {
    Answer("Refund", id, std::move(done));
  }
  void RecordReceived(const std::string& id, const v1::Return&, StepDone done) override {
    Answer("RecordReceived", id, std::move(done));
  }
  void AddToReservation(const std::string& id, const v1::Order&,
                        const google::protobuf::RepeatedPtrField<inventory::v1::OrderLine>&,
                        StepDone done) override {
    StepResult result;
    result.output = Reserved{};
    Answer("AddToReservation", id, std::move(done), std::move(result));
  }
  void ReleaseUnits(const std::string& id, const v1::Order&, const std::string&,
                    const std::vector<inventory::v1::OrderLine>&, StepDone done) override {
    Answer("ReleaseUnits", id, std::move(done));
  }
  void IncrementAuthorization(const std::string& id, const v1::Order&, int64_t,
                              StepDone done) override {
    Answer("IncrementAuthorization", id, std::move(done));
  }
  void CreateVersionShipments(const std::string& id, const v1::Order&, StepDone done) override {
    Answer("CreateVersionShipments", id, std::move(done));
  }
  void CancelForEdit(const std::string& id, const v1::Order&, StepDone done) override {
    StepResult result;
    result.output = PreviousVersionCancelled{};
    Answer("CancelForEdit", id, std::move(done), std::move(result));
  }

 private:
  void Answer(const std::string& method, const std::string& id, StepDone done,
              StepResult result = {}) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(method + " " + id);
      if (method == held_method_) {
        held_ = std::move(done);
        return;
      }
      auto& outcomes = script_[method];
      if (!outcomes.empty()) {
        result.outcome = outcomes.front();
        outcomes.erase(outcomes.begin());
      }
    }
    if (result.outcome.result != CallResult::kOk) result.output = std::monostate{};
    done(std::move(result));
  }

  std::mutex mu_;
  std::map<std::string, std::vector<CallOutcome>> script_;
  std::vector<std::string> calls_;
  std::vector<int> reserve_holds_;
  std::string held_method_;
  StepDone held_;
};

}  // namespace oms::order
