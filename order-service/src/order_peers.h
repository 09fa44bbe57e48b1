// Who may call each method of OrderService and IdempotencyService (common/peer_policy.h).
#pragma once

#include "common/peer_policy.h"

namespace oms::order {

MethodPeers OrderServicePeers();
MethodPeers IdempotencyServicePeers();

}  // namespace oms::order
