// Carrier choice and freight: which carrier, service level and transport mode serve a destination
// for a given weight, and what the freight is estimated to cost. The rules live in the
// `carrier_rules` table (seeded by the migration); this file only decides. Pure logic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oms/common/v1/common.pb.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms::shipping {

// A parcel is at most this heavy; heavier freight is split into more packages.
inline constexpr std::int64_t kMaxPackageGrams = 20'000;

struct CarrierRule {
  std::string country;  // ISO 3166-1 alpha-2
  std::string region;   // "" serves the whole country; otherwise must equal the address region
  std::int64_t max_weight_grams = 0;
  std::string carrier;
  std::string service_level;
  v1::TransportMode transport_mode = v1::TRANSPORT_MODE_GROUND;
  std::string currency;
  std::int64_t base_cost_minor = 0;    // per package
  std::int64_t per_kg_cost_minor = 0;  // per started kilogram of the whole shipment
};

// The rule for `destination` and `weight_grams`: those of the destination's country whose region
// is empty or equal to the address's, that carry the weight; a region-specific rule beats a
// country-wide one, then the smallest weight class wins, then the cheaper estimate, then the
// carrier name. FAILED_PRECONDITION with reason DESTINATION_NOT_SERVED when none fits.
[[nodiscard]] absl::StatusOr<CarrierRule> ChooseCarrier(const std::vector<CarrierRule>& rules,
                                                        const oms::common::v1::Address& destination,
                                                        std::int64_t weight_grams);

// Sum of quantity times unit weight.
[[nodiscard]] std::int64_t TotalWeightGrams(
    const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines);

// Packages of at most kMaxPackageGrams, at least one.
[[nodiscard]] std::int32_t PackageCount(std::int64_t weight_grams);

// Weight, packages (PackageCount) and the estimated cost under `rule`.
[[nodiscard]] v1::Freight ComputeFreight(const CarrierRule& rule, std::int64_t weight_grams);

// How a shipment travels and what its freight comes to.
struct Carriage {
  CarrierRule rule;
  v1::Freight freight;
};

// ChooseCarrier for the total weight of `lines`, and the freight under the chosen rule; the same
// FAILED_PRECONDITION (DESTINATION_NOT_SERVED) when no rule fits.
[[nodiscard]] absl::StatusOr<Carriage> PlanCarriage(
    const std::vector<CarrierRule>& rules, const oms::common::v1::Address& destination,
    const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines);

// The pick list: one line per SKU, in SKU order (the warehouses lay out bins by SKU).
[[nodiscard]] v1::PickList MakePickList(
    const std::string& warehouse_id,
    const google::protobuf::RepeatedPtrField<v1::ShipmentLine>& lines);

}  // namespace oms::shipping
