// The carrier rule table in PostgreSQL (seeded by the migration): its statement and row mapping.
// Which rule serves a shipment is decided in carrier_rules.h.
#pragma once

#include <string>
#include <vector>

#include <pqxx/transaction>

#include "shipping-service/src/carrier_rules.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::shipping {

const std::vector<PreparedStatement>& CarrierRuleStatements();

// Every rule for destinations in `country`.
[[nodiscard]] std::vector<CarrierRule> CarrierRulesFor(pqxx::work& tx, const std::string& country);

}  // namespace oms::shipping
