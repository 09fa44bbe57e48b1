// The order saga: reserve stock, authorize payment, create shipments (the pivot), then keep the
// reservation alive until the goods ship. Runs one call of it through the participants.
#pragma once

#include <string>

#include "order-service/src/order_store.h"
#include "order-service/src/participants.h"
#include "order-service/src/saga.h"

namespace oms::order {

const SagaSpec& OrderSagaSpec();

// Performs `call` of `saga` with `request_id`.
StepResult RunOrderStep(Participants& participants, const ClaimedSaga& saga, const NextCall& call,
                        const std::string& request_id);

}  // namespace oms::order
