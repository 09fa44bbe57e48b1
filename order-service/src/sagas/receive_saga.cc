// RECEIVE, forward only: a return's goods arrived. Restock each SKU (damaged units only in the
// ledger), refund against each delivering shipment's invoice, record the receipt in the return
// shipment's journal. Its payload is the received return with its refund shares.
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "order-service/src/sagas/registry.h"
#include "order-service/src/sagas/step_chain.h"

namespace oms::order {
namespace {

// Each SKU once: its resellable units back on hand, the others recorded as damaged.
void Restock(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
             StepDone done) {
  auto ret = PayloadAs<v1::Return>(saga);
  std::map<std::string, std::pair<int64_t, int64_t>> by_sku;  // resellable, damaged
  for (const auto& line : ret->received()) {
    auto& units = by_sku[line.sku()];
    (line.resellable() ? units.first : units.second) += line.quantity();
  }
  auto skus = std::make_shared<std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>>>(
      by_sku.begin(), by_sku.end());
  CallChain::Run(
      skus->size(),
      [&participants, ret, request_id, skus](std::size_t i, StepDone one) {
        const auto& [sku, units] = (*skus)[i];
        participants.Restock(request_id + ":" + sku, *ret, sku, units.first, units.second,
                             std::move(one));
      },
      WentOk, FirstFailure(std::move(done)));
}

// One refund per shipment invoice the received units were delivered on.
void Refund(Participants& participants, const ClaimedSaga& saga, const std::string& request_id,
            StepDone done) {
  auto ret = PayloadAs<v1::Return>(saga);
  CallChain::Run(
      ret->refunds_size(),
      [&participants, ret, request_id](std::size_t i, StepDone one) {
        const auto& share = ret->refunds(static_cast<int>(i));
        participants.Refund(request_id + ":" + share.shipment_id(), *ret, share, std::move(one));
      },
      WentOk, FirstFailure(std::move(done)));
}

void RecordReceived(Participants& participants, const ClaimedSaga& saga,
                    const std::string& request_id, StepDone done) {
  participants.RecordReceived(request_id, *PayloadAs<v1::Return>(saga), std::move(done));
}

void StepSaved(ClaimedSaga& saga, const StepResult&, SagaWrites& writes) {
  FollowUpSaved(saga, writes);
  if (saga.state.phase == SagaPhase::kCompleted) {
    v1::Return received = *PayloadAs<v1::Return>(saga);
    received.set_order_id(saga.order_id);
    writes.FinishReceipt(received);
  }
}

}  // namespace

SagaKindDef ReceiveSagaKind() {
  SagaKindDef kind;
  kind.name = kReceiveSagaKind;
  kind.steps = {
      {"restock", Restock, nullptr},
      {"refund", Refund, nullptr},
      {"record-received", RecordReceived, nullptr},
  };
  kind.on_step_saved = StepSaved;
  return kind;
}

}  // namespace oms::order
