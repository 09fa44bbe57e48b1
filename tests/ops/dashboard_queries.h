// The PromQL a Grafana dashboard runs: every panel target's `expr` (rows and nested panels
// included) and every query-type template variable.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace oms::ops {

std::vector<std::string> DashboardQueries(const nlohmann::json& dashboard);

}  // namespace oms::ops
