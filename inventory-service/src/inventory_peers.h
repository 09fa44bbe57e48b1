// Who may call each method of InventoryService (common/peer_policy.h).
#pragma once

#include "common/peer_policy.h"

namespace oms::inventory {

MethodPeers InventoryServicePeers();

}  // namespace oms::inventory
