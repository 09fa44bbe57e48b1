#include "inventory-service/src/allocation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace oms::inventory {
namespace {

// Subsets of this many warehouses are searched exhaustively for MINIMIZE_SPLITS; past it (or
// when the search would visit too many subsets) a greedy cover takes over.
constexpr int kMaxExhaustiveGroups = 4;
constexpr long kMaxSubsetsVisited = 200000;

struct Ranked {
  const Candidate* candidate;
  double distance_km;  // -1 when unknown
  int proximity;       // 0 same region, 1 same country, 2 elsewhere (used without coordinates)
};

double DistanceKey(const Ranked& r) { return r.distance_km >= 0 ? r.distance_km : r.proximity; }

bool NearerThan(const Ranked& a, const Ranked& b) {
  if (DistanceKey(a) != DistanceKey(b)) return DistanceKey(a) < DistanceKey(b);
  if (a.candidate->priority != b.candidate->priority) {
    return a.candidate->priority < b.candidate->priority;
  }
  return a.candidate->code < b.candidate->code;
}

bool HigherPriority(const Ranked& a, const Ranked& b) {
  if (a.candidate->priority != b.candidate->priority) {
    return a.candidate->priority < b.candidate->priority;
  }
  if (DistanceKey(a) != DistanceKey(b)) return DistanceKey(a) < DistanceKey(b);
  return a.candidate->code < b.candidate->code;
}

std::vector<Line> Merge(const std::vector<Line>& lines) {
  std::vector<Line> merged;
  for (const auto& line : lines) {
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&line](const Line& m) { return m.sku == line.sku; });
    if (it == merged.end()) {
      merged.push_back(line);
    } else {
      it->quantity += line.quantity;
    }
  }
  return merged;
}

int64_t Available(const Candidate& candidate, const std::string& sku) {
  auto it = candidate.available.find(sku);
  return it == candidate.available.end() ? 0 : std::max<int64_t>(it->second, 0);
}

std::vector<Ranked> Rank(const Place& destination, const std::vector<Candidate>& candidates,
                         const std::set<std::string>& excluded) {
  const bool located = destination.latitude && destination.longitude;
  std::vector<Ranked> ranked;
  for (const auto& candidate : candidates) {
    if (!candidate.active || excluded.count(candidate.warehouse_id) > 0) continue;
    Ranked r{&candidate, -1, 2};
    if (located && candidate.place.latitude && candidate.place.longitude) {
      r.distance_km = HaversineKm(*destination.latitude, *destination.longitude,
                                  *candidate.place.latitude, *candidate.place.longitude);
    }
    if (candidate.place.country == destination.country) {
      r.proximity = candidate.place.region == destination.region ? 0 : 1;
    }
    ranked.push_back(r);
  }
  return ranked;
}

std::string Where(const Ranked& r) {
  if (r.distance_km >= 0) return absl::StrFormat("%.0f km away", r.distance_km);
  static const char* kProximity[] = {"in the destination's region", "in the destination's country",
                                     "outside the destination's country"};
  return kProximity[r.proximity];
}

// Takes from `order` (already ranked) as much of each line as each warehouse has, in turn.
std::vector<Group> Fill(const std::vector<Line>& lines, const std::vector<Ranked>& order,
                        const std::string& why) {
  std::vector<int64_t> missing;
  for (const auto& line : lines) missing.push_back(line.quantity);
  std::vector<Group> groups;
  for (const auto& ranked : order) {
    Group group{ranked.candidate->warehouse_id, ranked.candidate->code, {}, "", ranked.distance_km};
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const int64_t take = std::min(missing[i], Available(*ranked.candidate, lines[i].sku));
      if (take <= 0) continue;
      group.lines.push_back({lines[i].sku, take});
      missing[i] -= take;
    }
    if (group.lines.empty()) continue;
    group.reason =
        absl::StrCat(why, "; priority ", ranked.candidate->priority, "; ", Where(ranked));
    groups.push_back(std::move(group));
  }
  return groups;
}

std::vector<Shortfall> TotalShortfalls(const std::vector<Line>& lines,
                                       const std::vector<Ranked>& ranked) {
  std::vector<Shortfall> shortfalls;
  for (const auto& line : lines) {
    int64_t total = 0;
    for (const auto& r : ranked) total += Available(*r.candidate, line.sku);
    if (total < line.quantity) shortfalls.push_back({line.sku, line.quantity, total});
  }
  return shortfalls;
}

bool Covers(const std::vector<Line>& lines, const std::vector<const Ranked*>& subset) {
  for (const auto& line : lines) {
    int64_t total = 0;
    for (const Ranked* r : subset) total += Available(*r->candidate, line.sku);
    if (total < line.quantity) return false;
  }
  return true;
}

// Lexicographic cost of a subset of a given size: total distance, then total priority, then the
// codes, so that the choice never depends on input order.
struct SubsetCost {
  double distance = 0;
  long priority = 0;
  std::string codes;
  bool operator<(const SubsetCost& other) const {
    if (distance != other.distance) return distance < other.distance;
    if (priority != other.priority) return priority < other.priority;
    return codes < other.codes;
  }
};

SubsetCost CostOf(const std::vector<const Ranked*>& subset) {
  SubsetCost cost;
  for (const Ranked* r : subset) {
    cost.distance += DistanceKey(*r);
    cost.priority += r->candidate->priority;
    cost.codes += r->candidate->code + ",";
  }
  return cost;
}

// The best covering subset of exactly k of `ranked` (ranked nearest first), if any.
std::optional<std::vector<const Ranked*>> BestSubset(const std::vector<Line>& lines,
                                                     const std::vector<Ranked>& ranked, int k,
                                                     long* budget) {
  std::optional<std::vector<const Ranked*>> best;
  SubsetCost best_cost;
  std::vector<int> index(k);
  std::iota(index.begin(), index.end(), 0);
  const int n = static_cast<int>(ranked.size());
  while (true) {
    if (--*budget < 0) return best;
    std::vector<const Ranked*> subset;
    for (int i : index) subset.push_back(&ranked[i]);
    if (Covers(lines, subset)) {
      SubsetCost cost = CostOf(subset);
      if (!best || cost < best_cost) {
        best = subset;
        best_cost = cost;
      }
    }
    int i = k - 1;  // next combination in lexicographic order
    while (i >= 0 && index[i] == n - k + i) --i;
    if (i < 0) return best;
    ++index[i];
    for (int j = i + 1; j < k; ++j) index[j] = index[j - 1] + 1;
  }
}

// Greedy cover: repeatedly the warehouse that supplies the most still-missing units.
std::vector<const Ranked*> GreedyCover(const std::vector<Line>& lines,
                                       const std::vector<Ranked>& ranked) {
  std::vector<int64_t> missing;
  for (const auto& line : lines) missing.push_back(line.quantity);
  std::vector<const Ranked*> chosen;
  std::vector<bool> used(ranked.size(), false);
  while (std::any_of(missing.begin(), missing.end(), [](int64_t m) { return m > 0; })) {
    int best = -1;
    int64_t best_units = 0;
    for (std::size_t w = 0; w < ranked.size(); ++w) {
      if (used[w]) continue;
      int64_t units = 0;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        units += std::min(missing[i], Available(*ranked[w].candidate, lines[i].sku));
      }
      if (units > best_units) {  // ties keep the nearer one: `ranked` is nearest first
        best = static_cast<int>(w);
        best_units = units;
      }
    }
    if (best < 0) break;
    used[best] = true;
    chosen.push_back(&ranked[best]);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      missing[i] -= std::min(missing[i], Available(*ranked[best].candidate, lines[i].sku));
    }
  }
  return chosen;
}

Plan SingleWarehouse(const std::vector<Line>& lines, const std::vector<Ranked>& ranked) {
  Plan plan;
  for (const auto& r : ranked) {  // nearest first
    if (Covers(lines, {&r})) {
      plan.feasible = true;
      plan.groups = Fill(lines, {r}, "the nearest warehouse that holds the whole order");
      return plan;
    }
  }
  // Say what the warehouse closest to holding everything lacks.
  const Ranked* closest = nullptr;
  int64_t closest_units = -1;
  for (const auto& r : ranked) {
    int64_t units = 0;
    for (const auto& line : lines)
      units += std::min(line.quantity, Available(*r.candidate, line.sku));
    if (units > closest_units) {
      closest = &r;
      closest_units = units;
    }
  }
  for (const auto& line : lines) {
    const int64_t available = closest ? Available(*closest->candidate, line.sku) : 0;
    if (available < line.quantity) plan.shortfalls.push_back({line.sku, line.quantity, available});
  }
  return plan;
}

Plan MinimizeSplits(const std::vector<Line>& lines, const std::vector<Ranked>& ranked) {
  Plan plan;
  long budget = kMaxSubsetsVisited;
  std::optional<std::vector<const Ranked*>> chosen;
  const int most = std::min<int>(kMaxExhaustiveGroups, static_cast<int>(ranked.size()));
  for (int k = 1; k <= most && !chosen && budget > 0; ++k) {
    chosen = BestSubset(lines, ranked, k, &budget);
  }
  if (!chosen) chosen = GreedyCover(lines, ranked);
  std::vector<Ranked> order;
  for (const Ranked* r : *chosen) order.push_back(*r);
  std::sort(order.begin(), order.end(), NearerThan);
  plan.groups = Fill(lines, order,
                     order.size() == 1 ? "holds the whole order"
                                       : absl::StrCat("one of the fewest warehouses (",
                                                      order.size(), ") that hold the order"));
  plan.feasible = true;
  return plan;
}

}  // namespace

double HaversineKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusKm = 6371.0;
  constexpr double kRadians = M_PI / 180.0;
  const double dlat = (lat2 - lat1) * kRadians;
  const double dlon = (lon2 - lon1) * kRadians;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1 * kRadians) * std::cos(lat2 * kRadians) * std::sin(dlon / 2) *
                       std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

Plan PlanAllocation(const std::vector<Line>& order_lines, const Place& destination,
                    Strategy strategy, const std::vector<Candidate>& candidates,
                    const std::set<std::string>& excluded_warehouse_ids) {
  const std::vector<Line> lines = Merge(order_lines);
  std::vector<Ranked> ranked = Rank(destination, candidates, excluded_warehouse_ids);
  std::sort(ranked.begin(), ranked.end(), NearerThan);

  if (strategy == Strategy::kSingleWarehouse) return SingleWarehouse(lines, ranked);

  Plan plan;
  plan.shortfalls = TotalShortfalls(lines, ranked);
  if (!plan.shortfalls.empty()) return plan;
  switch (strategy) {
    case Strategy::kNearestFirst:
      plan.groups = Fill(lines, ranked, "nearest first");
      break;
    case Strategy::kPriority:
      std::sort(ranked.begin(), ranked.end(), HigherPriority);
      plan.groups = Fill(lines, ranked, "by warehouse priority");
      break;
    default:
      return MinimizeSplits(lines, ranked);
  }
  plan.feasible = true;
  return plan;
}

}  // namespace oms::inventory
