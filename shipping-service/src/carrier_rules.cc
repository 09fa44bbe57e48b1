#include "shipping-service/src/carrier_rules.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace oms::shipping {

absl::StatusOr<CarrierRule> ChooseCarrier(const std::vector<CarrierRule>& rules,
                                          const oms::common::v1::Address& destination,
                                          std::int64_t weight_grams) {
  std::optional<CarrierRule> best;
  auto key = [weight_grams](const CarrierRule& rule) {
    const std::int64_t cost = ComputeFreight(rule, weight_grams).estimated_cost().amount_minor();
    return std::make_tuple(rule.region.empty() ? 1 : 0, rule.max_weight_grams, cost, rule.carrier,
                           rule.service_level);
  };
  for (const CarrierRule& rule : rules) {
    if (rule.country != destination.country()) continue;
    if (!rule.region.empty() && rule.region != destination.region()) continue;
    if (rule.max_weight_grams < weight_grams) continue;
    if (!best || key(rule) < key(*best)) best = rule;
  }
  if (!best) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "DESTINATION_NOT_SERVED",
                      absl::StrCat("no carrier serves ", destination.country(),
                                   destination.region().empty() ? "" : "/", destination.region(),
                                   " for ", weight_grams, " g"));
  }
  return *best;
}

std::int64_t TotalWeightGrams(const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines) {
  std::int64_t total = 0;
  for (const auto& line : lines) total += line.quantity() * line.unit_weight_grams();
  return total;
}

std::int32_t PackageCount(std::int64_t weight_grams) {
  return static_cast<std::int32_t>(
      std::max<std::int64_t>(1, (weight_grams + kMaxPackageGrams - 1) / kMaxPackageGrams));
}

v1::Freight ComputeFreight(const CarrierRule& rule, std::int64_t weight_grams) {
  v1::Freight freight;
  freight.set_total_weight_grams(weight_grams);
  const std::int64_t packages = PackageCount(weight_grams);
  freight.set_package_count(static_cast<std::int32_t>(packages));
  const std::int64_t started_kg = (weight_grams + 999) / 1000;
  freight.mutable_estimated_cost()->set_currency(rule.currency);
  freight.mutable_estimated_cost()->set_amount_minor(rule.base_cost_minor * packages +
                                                     rule.per_kg_cost_minor * started_kg);
  return freight;
}

absl::StatusOr<Carriage> PlanCarriage(
    const std::vector<CarrierRule>& rules, const oms::common::v1::Address& destination,
    const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines) {
  const std::int64_t weight = TotalWeightGrams(lines);
  absl::StatusOr<CarrierRule> rule = ChooseCarrier(rules, destination, weight);
  if (!rule.ok()) return rule.status();
  return Carriage{*rule, ComputeFreight(*rule, weight)};
}

v1::PickList MakePickList(const std::string& warehouse_id,
                          const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines) {
  std::map<std::string, std::int64_t> by_sku;
  for (const auto& line : lines) by_sku[line.sku()] += line.quantity();
  v1::PickList pick_list;
  pick_list.set_warehouse_id(warehouse_id);
  int sequence = 0;
  for (const auto& [sku, quantity] : by_sku) {
    auto* line = pick_list.add_lines();
    line->set_sequence(++sequence);
    line->set_sku(sku);
    line->set_quantity(quantity);
  }
  return pick_list;
}

}  // namespace oms::shipping
