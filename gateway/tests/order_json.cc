#include "gateway/tests/order_json.h"

#include <nlohmann/json.hpp>

namespace oms::gateway::testing {

nlohmann::json HamburgOrderJson(const std::string& customer_id, const std::string& sku,
                                int64_t quantity, const std::string& token) {
  nlohmann::json body = {{"channel", "web"},
                         {"currency", "EUR"},
                         {"lines", {{{"sku", sku}, {"quantity", std::to_string(quantity)}}}},
                         {"shippingAddress",
                          {{"name", "Erika Mustermann"},
                           {"line1", "Heidestrasse 17"},
                           {"city", "Hamburg"},
                           {"postalCode", "20095"},
                           {"country", "DE"}}},
                         {"payment", {{"method", "CARD"}, {"token", token}}},
                         {"allocationStrategy", "MINIMIZE_SPLITS"}};
  if (!customer_id.empty()) body["customerId"] = customer_id;
  return body;
}

}  // namespace oms::gateway::testing
