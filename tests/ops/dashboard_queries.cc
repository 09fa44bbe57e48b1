#include "tests/ops/dashboard_queries.h"

namespace oms::ops {
namespace {

void Walk(const nlohmann::json& node, std::vector<std::string>& queries) {
  if (node.is_array()) {
    for (const auto& item : node) Walk(item, queries);
    return;
  }
  if (!node.is_object()) return;
  for (const auto& [key, value] : node.items()) {
    if (key == "expr" && value.is_string()) queries.push_back(value.get<std::string>());
    Walk(value, queries);
  }
  // A template variable: {"type": "query", "query": "label_values(...)" or {"query": ...}}.
  if (node.value("type", "") == "query" && node.contains("query")) {
    const auto& query = node["query"];
    if (query.is_string()) queries.push_back(query.get<std::string>());
    if (query.is_object() && query.contains("query") && query["query"].is_string()) {
      queries.push_back(query["query"].get<std::string>());
    }
  }
}

}  // namespace

std::vector<std::string> DashboardQueries(const nlohmann::json& dashboard) {
  std::vector<std::string> queries;
  Walk(dashboard, queries);
  return queries;
}

}  // namespace oms::ops
