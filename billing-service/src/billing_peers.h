// Who may call each method of BillingService (common/peer_policy.h).
#pragma once

#include "common/peer_policy.h"

namespace oms::billing {

MethodPeers BillingServicePeers();

}  // namespace oms::billing
