// The catalog, customer and orders the order-service suites place: two warehouses in Germany
// (HAM-1 near Hamburg, MUC-1 in Munich) stocked with PACK (79.99 EUR, 900 g) and MUG, a
// customer in Hamburg, and order requests for PACK.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "oms/order/v1/order.pb.h"

namespace grpc {
class Channel;
}

namespace oms::testing {

// Warehouse ids by code; each warehouse receives `units` of PACK and of MUG.
[[nodiscard]] absl::StatusOr<std::map<std::string, std::string>> SeedTwoWarehouses(
    const std::shared_ptr<grpc::Channel>& inventory, int64_t pack_units, int64_t mug_units);

// A customer with a default shipping address in Hamburg; its id.
[[nodiscard]] absl::StatusOr<std::string> CreateHamburgCustomer(
    const std::shared_ptr<grpc::Channel>& orders, const std::string& email);

// `packs` of PACK for `customer_id`, shipped to Hamburg (or `country`), paid with `token`.
order::v1::CreateOrderRequest PackOrder(const std::string& customer_id,
                                        const std::string& client_id, const std::string& key,
                                        int64_t packs, const std::string& token = "tok_visa",
                                        const std::string& country = "DE");

}  // namespace oms::testing
