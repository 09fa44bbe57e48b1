// The Participants (participants.h) over order-service's one client of each peer: the sagas'
// calls go through the same clients, and so the same stubs, as the handlers' reads.
#pragma once

#include <memory>

#include "order-service/src/participants.h"

namespace oms::order {

class BillingClient;
class InventoryClient;
class ShippingClient;

// The clients must outlive the participants.
std::unique_ptr<Participants> MakeGrpcParticipants(InventoryClient& inventory,
                                                   BillingClient& billing,
                                                   ShippingClient& shipping);

}  // namespace oms::order
