// The body of POST /v1/orders the HTTP suites place: `quantity` of `sku` for `customer_id`
// (left out when empty), shipped to Hamburg, paid with `token`.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace oms::gateway::testing {

nlohmann::json HamburgOrderJson(const std::string& customer_id, const std::string& sku,
                                int64_t quantity, const std::string& token = "tok_visa");

}  // namespace oms::gateway::testing
