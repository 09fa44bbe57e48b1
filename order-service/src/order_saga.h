// The sagas of an order. ORDER: reserve stock, authorize payment, create shipments (the pivot),
// then keep the reservation alive until the goods ship. SHIPMENT (one per shipped shipment,
// forward only): commit its stock, capture its share of the payment. CANCEL (forward only):
// cancel the shipments not yet shipped, release their stock, void their share.
#pragma once

#include <string>

#include "order-service/src/order_store.h"
#include "order-service/src/participants.h"
#include "order-service/src/saga.h"

namespace oms::order {

const SagaSpec& OrderSagaSpec();
const SagaSpec& ShipmentSagaSpec();
const SagaSpec& CancelSagaSpec();
const SagaSpec& ReturnSagaSpec();
const SagaSpec& ReceiveSagaSpec();
const SagaSpec& SpecOf(SagaKind kind);

// Starts `call` of `saga` with `request_id`; `done` gets its result once, on a gRPC thread. A
// step may be several participant calls made one after another (a restock per SKU, say).
// `saga` must stay alive and unchanged until `done` runs.
void RunSagaStep(Participants& participants, const ClaimedSaga& saga, const NextCall& call,
                 const std::string& request_id, StepDone done);

}  // namespace oms::order
