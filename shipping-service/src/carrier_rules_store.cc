#include "shipping-service/src/carrier_rules_store.h"

#include <pqxx/pqxx>

#include "common/pg_pool.h"
#include "shipping-service/src/shipment_status.h"

namespace oms::shipping {
namespace {

constexpr char kCarrierRulesFor[] = "carrier_rules_for";

}  // namespace

const std::vector<PreparedStatement>& CarrierRuleStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      {kCarrierRulesFor,
       "SELECT country, region, max_weight_grams, carrier, service_level, transport_mode, "
       "currency, base_cost_minor, per_kg_cost_minor FROM carrier_rules WHERE country = $1"},
  };
  return kStatements;
}

std::vector<CarrierRule> CarrierRulesFor(pqxx::work& tx, const std::string& country) {
  std::vector<CarrierRule> rules;
  for (const auto& row : tx.exec_prepared(kCarrierRulesFor, country)) {
    CarrierRule rule;
    rule.country = row["country"].as<std::string>();
    rule.region = row["region"].as<std::string>();
    rule.max_weight_grams = row["max_weight_grams"].as<long long>();
    rule.carrier = row["carrier"].as<std::string>();
    rule.service_level = row["service_level"].as<std::string>();
    rule.transport_mode = ParseTransportMode(row["transport_mode"].as<std::string>());
    rule.currency = row["currency"].as<std::string>();
    rule.base_cost_minor = row["base_cost_minor"].as<long long>();
    rule.per_kg_cost_minor = row["per_kg_cost_minor"].as<long long>();
    rules.push_back(std::move(rule));
  }
  return rules;
}

}  // namespace oms::shipping
