// Who may call each method of ShippingService (common/peer_policy.h).
#pragma once

#include "common/peer_policy.h"

namespace oms::shipping {

MethodPeers ShippingServicePeers();

}  // namespace oms::shipping
