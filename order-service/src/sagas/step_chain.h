// Building blocks of saga steps made of several participant calls (a restock per SKU, a cancel
// per shipment), and of the follow-up sagas' hooks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "order-service/src/participants.h"
#include "order-service/src/saga_store.h"

namespace oms::order {

// Runs `count` participant calls one after another. After each, `go_on(i, result)` says whether
// to make the next; `finish` gets the result that stopped the run, or none when every call went on.
class CallChain : public std::enable_shared_from_this<CallChain> {
 public:
  using CallOne = std::function<void(std::size_t, StepDone)>;
  using GoOn = std::function<bool(std::size_t, const StepResult&)>;
  using Finish = std::function<void(std::optional<StepResult>)>;

  static void Run(std::size_t count, CallOne call, GoOn go_on, Finish finish);

 private:
  CallChain(std::size_t count, CallOne call, GoOn go_on, Finish finish);
  void Next(std::size_t i);

  const std::size_t count_;
  const CallOne call_;
  const GoOn go_on_;
  const Finish finish_;
};

// Goes on while each call succeeds.
bool WentOk(std::size_t, const StepResult& result);
// `done` gets the first failure, or success once every call succeeded.
CallChain::Finish FirstFailure(StepDone done);

// The shipment `shipment_id` as the order lists it; null when it does not.
const v1::ShipmentSummary* ListedShipment(const v1::Order& order, const std::string& shipment_id);

// What a step does when the order cannot say what a shipment carries or is billed
// (shipment_charges.h `read`): a refusal to remember, SHIPMENT_NOT_OF_ORDER (the saga parks).
// With kRetry, a shipment only not listed with the order yet (UNAVAILABLE: its RESOURCE saga is
// about to list it) is transient instead, SHIPMENT_NOT_LISTED_YET, and a retry finds it.
enum class UnlistedShipment { kRetry, kRefuse };
StepResult UnitsUnknown(const absl::Status& read, UnlistedShipment unlisted);

// A step of one call per SKU the order's `parcel` carries (shipment_charges.h UnitsOfShipment),
// one after another, each with the request id `<request_id>:<sku>`; the first failure ends it.
// Refused (SHIPMENT_NOT_OF_ORDER, never retried) when the order cannot say what it carries.
using SkuCall = std::function<void(const std::string& request_id, const v1::ShipmentSummary& parcel,
                                   const std::string& sku, int64_t quantity, StepDone done)>;
void CallPerSkuOfParcel(const v1::Order& order, const v1::ShipmentSummary& parcel,
                        const std::string& request_id, SkuCall call, StepDone done);

// The saga's payload as the kind's message, shared so that a chain of calls can hold it.
template <class Message>
std::shared_ptr<const Message> PayloadAs(const ClaimedSaga& saga) {
  auto message = std::make_shared<Message>();
  message->ParseFromString(saga.payload);
  return message;
}

// What every follow-up saga (shipment, cancel, return, receive, edit) means for its order once
// saved: parked, the order's attention flag is set (never its status: only the order saga sets
// that); completed (or an edit compensated), a delivered order may now be COMPLETED.
void FollowUpSaved(const ClaimedSaga& saga, SagaWrites& writes);

}  // namespace oms::order
