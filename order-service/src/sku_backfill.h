// Orders placed before order_skus existed (migration 0020) get their SKU rows in the background
// after start, a batch at a time, so that listing orders by SKU finds them too. Any number of
// replicas may run it at once: a batch locks its orders (SKIP LOCKED). It ends when none are
// left, or when the loop is stopped.
#pragma once

#include "common/background_loop.h"

namespace oms::order {

class PgOrderRepository;

// The step of a BackgroundLoop that indexes one batch.
BackgroundLoop::Step OrderSkuBackfill(PgOrderRepository& orders);

}  // namespace oms::order
