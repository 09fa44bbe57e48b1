// The allocation planner: which warehouses serve an order, and how much of each line each one
// ships. One pure function serves both the preview (PlanAllocation) and the reservation
// (ReserveStock), so that what a client is told and what is held never disagree.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace oms::inventory {

enum class Strategy { kSingleWarehouse, kMinimizeSplits, kNearestFirst, kPriority };

struct Line {
  std::string sku;
  int64_t quantity = 0;
  bool operator==(const Line&) const = default;
};

struct Place {
  std::string country;  // ISO 3166-1 alpha-2
  std::string region;
  std::optional<double> latitude;  // both or neither
  std::optional<double> longitude;
};

// A warehouse and what it can give now (on hand minus reserved, active products only).
struct Candidate {
  std::string warehouse_id;
  std::string code;
  Place place;
  int priority = 0;
  bool active = true;                        // inactive warehouses are never used
  std::map<std::string, int64_t> available;  // by SKU
};

struct Group {
  std::string warehouse_id;
  std::string code;
  std::vector<Line> lines;  // in the order's SKU order; a line may be split across groups
  std::string reason;
  double distance_km = -1;  // -1 when the destination has no location
};

struct Shortfall {
  std::string sku;
  int64_t wanted = 0;
  int64_t available = 0;
  bool operator==(const Shortfall&) const = default;
};

struct Plan {
  bool feasible = false;
  std::vector<Group> groups;          // empty unless feasible
  std::vector<Shortfall> shortfalls;  // every missing SKU, when not feasible
};

// Lines with the same SKU are merged first. Candidates may come in any order; the result is
// deterministic (ties end on the warehouse code). The warehouses of `excluded_warehouse_ids`
// (spelled as the candidates spell them) are left out as inactive ones are: a short pick is
// planned again over every warehouse but the one whose picker could not find the units.
Plan PlanAllocation(const std::vector<Line>& lines, const Place& destination, Strategy strategy,
                    const std::vector<Candidate>& candidates,
                    const std::set<std::string>& excluded_warehouse_ids = {});

// Great-circle distance in km.
double HaversineKm(double lat1, double lon1, double lat2, double lon2);

}  // namespace oms::inventory
