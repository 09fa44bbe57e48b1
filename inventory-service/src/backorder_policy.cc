#include "inventory-service/src/backorder_policy.h"

#include <algorithm>
#include <iterator>
#include <set>

#include "inventory-service/src/short_pick.h"

namespace oms::inventory {
namespace {

constexpr char kPolicyPrefix[] = "BACKORDER_POLICY_";

// REJECT for UNSPECIFIED and for a number the enum lacks.
v1::BackorderPolicy Effective(v1::BackorderPolicy policy) {
  return v1::BackorderPolicy_IsValid(policy) && policy != v1::BACKORDER_POLICY_UNSPECIFIED
             ? policy
             : v1::BACKORDER_POLICY_REJECT;
}

v1::BackorderPolicy PolicyOf(const SkuPolicies& policies, const std::string& sku) {
  auto it = policies.find(sku);
  return it == policies.end() ? v1::BACKORDER_POLICY_REJECT : Effective(it->second);
}

v1::BackorderPolicy PolicyOfSku(const v1::ReserveStockRequest& request, const std::string& sku,
                                const SkuPolicies& products) {
  const bool is_product = products.count(sku) > 0;
  if (request.cancel_unavailable()) return v1::BACKORDER_POLICY_SHIP_AVAILABLE;
  if (request.backorder_unavailable()) {
    return is_product ? v1::BACKORDER_POLICY_BACKORDER : v1::BACKORDER_POLICY_REJECT;
  }
  if (request.product_policies()) return PolicyOf(products, sku);
  return v1::BACKORDER_POLICY_REJECT;
}

// The shortfalls of `full` whose SKU is among `skus`, in `full`'s order.
std::vector<Shortfall> ShortfallsOf(const Plan& full, const std::set<std::string>& skus) {
  std::vector<Shortfall> shortfalls;
  std::copy_if(full.shortfalls.begin(), full.shortfalls.end(), std::back_inserter(shortfalls),
               [&](const Shortfall& shortfall) { return skus.count(shortfall.sku) > 0; });
  // A REJECT SKU is left short only where `full` found it short (what there is holds it in
  // full otherwise); should that ever not be so, the refusal still says why.
  return shortfalls.empty() ? full.shortfalls : shortfalls;
}

}  // namespace

std::string BackorderPolicyText(v1::BackorderPolicy policy) {
  return v1::BackorderPolicy_Name(Effective(policy)).substr(sizeof(kPolicyPrefix) - 1);
}

v1::BackorderPolicy BackorderPolicyFromText(const std::string& text) {
  v1::BackorderPolicy policy = v1::BACKORDER_POLICY_UNSPECIFIED;
  if (!v1::BackorderPolicy_Parse(kPolicyPrefix + text, &policy)) {
    return v1::BACKORDER_POLICY_REJECT;
  }
  return Effective(policy);
}

bool DependsOnProducts(const v1::ReserveStockRequest& request) {
  return request.backorder_unavailable() || request.product_policies();
}

SkuPolicies ShortfallPolicies(const v1::ReserveStockRequest& request,
                              const std::vector<Line>& lines, const SkuPolicies& products) {
  SkuPolicies policies;
  for (const Line& line : lines) policies[line.sku] = PolicyOfSku(request, line.sku, products);
  return policies;
}

bool TakesWhatThereIs(const SkuPolicies& policies) {
  return std::any_of(policies.begin(), policies.end(), [](const auto& sku_policy) {
    return Effective(sku_policy.second) != v1::BACKORDER_POLICY_REJECT;
  });
}

ShortfallDecision DecideShortfalls(const std::vector<Line>& lines, const Plan& full,
                                   const Plan& held, const SkuPolicies& policies) {
  ShortfallDecision decision;
  std::set<std::string> rejecting;
  for (const Line& short_line : UnheldLines(lines, held)) {
    switch (PolicyOf(policies, short_line.sku)) {
      case v1::BACKORDER_POLICY_SHIP_AVAILABLE:
        decision.unfilled.push_back(short_line);
        break;
      case v1::BACKORDER_POLICY_BACKORDER:
        decision.backordered.push_back(short_line);
        break;
      default:
        rejecting.insert(short_line.sku);
        break;
    }
  }
  if (!rejecting.empty()) {
    decision.refused = ShortfallsOf(full, rejecting);
  } else if (held.groups.empty() && decision.backordered.empty()) {
    decision.refused = full.shortfalls;  // an order of nothing
  }
  if (!decision.refused.empty()) {
    decision.unfilled.clear();
    decision.backordered.clear();
  }
  return decision;
}

}  // namespace oms::inventory
