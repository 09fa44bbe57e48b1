// Backorder policies (BackorderPolicy): what a reserve does with the units of a SKU that the
// warehouses do not have. REJECT refuses the whole reserve, SHIP_AVAILABLE does without them
// (Allocation.unfilled), BACKORDER queues them (Allocation.backordered). A reserve's flag gives
// every SKU the same policy (`cancel_unavailable`, `backorder_unavailable`); with
// `product_policies` each SKU follows its own product's. One decision per SKU serves all three,
// so that they cannot drift apart. Pure logic: no I/O.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "inventory-service/src/allocation.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms::inventory {

// As stored in products.backorder_policy: the enum name without its prefix. UNSPECIFIED (and a
// number the enum lacks) is written as REJECT, the default.
[[nodiscard]] std::string BackorderPolicyText(v1::BackorderPolicy policy);
// REJECT for a text that names no policy (the schema stores none).
[[nodiscard]] v1::BackorderPolicy BackorderPolicyFromText(const std::string& text);

// A policy by SKU. A SKU the map lacks follows REJECT.
using SkuPolicies = std::map<std::string, v1::BackorderPolicy>;

// Whether the policies of `request` depend on the products (a queue row needs one; a product's
// own policy is read from it): the caller reads them only then.
[[nodiscard]] bool DependsOnProducts(const v1::ReserveStockRequest& request);

// The policy each SKU of `lines` follows when it is short, under `request`; `products` are the
// policies of the SKUs that are products (read when DependsOnProducts). `cancel_unavailable`:
// SHIP_AVAILABLE for every SKU. `backorder_unavailable`: BACKORDER for every product, REJECT for
// a SKU that is none (there is nothing to queue for). `product_policies`: each product's own,
// REJECT for a SKU that is none. Neither: REJECT.
[[nodiscard]] SkuPolicies ShortfallPolicies(const v1::ReserveStockRequest& request,
                                            const std::vector<Line>& lines,
                                            const SkuPolicies& products);

// Whether some SKU may be held in part (its policy is not REJECT): only then is what there is
// planned when the whole order cannot be.
[[nodiscard]] bool TakesWhatThereIs(const SkuPolicies& policies);

// What a reserve does with the units its plan does not hold.
struct ShortfallDecision {
  std::vector<Line> unfilled;     // of SHIP_AVAILABLE SKUs: done without
  std::vector<Line> backordered;  // of BACKORDER SKUs: queued
  // Not empty: the whole reserve is refused (INSUFFICIENT_STOCK) with these shortfalls, and
  // holds and queues nothing.
  std::vector<Shortfall> refused;
};

// `lines` (one per SKU), `full` their plan, `held` the plan the reserve would hold (`full`, or
// what there is when some SKU takes it). Each SKU `held` leaves short follows its policy. The
// reserve is refused when a REJECT SKU is short (listing the REJECT SKUs short, as `full` found
// them) or when it would get nothing at all, none held and none queued (listing every shortfall
// of `full`): `cancel_unavailable`'s rule, that an order of nothing is refused, which an order
// queuing something does not meet.
[[nodiscard]] ShortfallDecision DecideShortfalls(const std::vector<Line>& lines, const Plan& full,
                                                 const Plan& held, const SkuPolicies& policies);

}  // namespace oms::inventory
