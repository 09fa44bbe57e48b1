// The one table of saga kinds. A saga's kind is stored by name; the coordinator finds its
// definition here, and an unknown name is an error (a saga of a newer release), never a default.
#pragma once

#include <string>
#include <vector>

#include "order-service/src/sagas/saga_kind.h"

namespace oms::order {

// The kinds' names, as sagas.kind stores them.
inline constexpr char kOrderSagaKind[] = "ORDER";          // reserve, authorize, ship (the pivot)
inline constexpr char kShipmentSagaKind[] = "SHIPMENT";    // a shipped shipment: commit, capture
inline constexpr char kCancelSagaKind[] = "CANCEL";        // cancel what has not shipped
inline constexpr char kReturnSagaKind[] = "RETURN";        // the return shipment
inline constexpr char kReceiveSagaKind[] = "RECEIVE";      // restock, refund, record the receipt
inline constexpr char kReshipSagaKind[] = "RESHIP";        // a parcel returned to sender, again
inline constexpr char kResourceSagaKind[] = "RESOURCE";    // a short pick, from other warehouses
inline constexpr char kRefundSagaKind[] = "REFUND";        // a parcel returned to sender, refunded
inline constexpr char kBackorderSagaKind[] = "BACKORDER";  // units a receipt filled, shipped
inline constexpr char kEditSagaKind[] = "EDIT";            // an edit of a confirmed order

// Each kind's definition, in its own file under sagas/.
SagaKindDef OrderSagaKind();
SagaKindDef ShipmentSagaKind();
SagaKindDef CancelSagaKind();
SagaKindDef ReturnSagaKind();
SagaKindDef ReceiveSagaKind();
SagaKindDef ReshipSagaKind();
SagaKindDef ResourceSagaKind();
SagaKindDef RefundSagaKind();
SagaKindDef BackorderSagaKind();
SagaKindDef EditSagaKind();

// nullptr when no kind has that name.
const SagaKindDef* FindSagaKind(const std::string& name);
const std::vector<SagaKindDef>& SagaKinds();

}  // namespace oms::order
