// The scopes a credential can hold (API.md), in one list for the gateway, which checks them on
// every request, and order-service, which mints API keys with them. Header-only, pure.
#pragma once

#include <string>
#include <vector>

namespace oms {

inline constexpr char kScopeOrdersRead[] = "orders:read";
inline constexpr char kScopeOrdersWrite[] = "orders:write";
inline constexpr char kScopeCatalogWrite[] = "catalog:write";
inline constexpr char kScopeShipmentsWrite[] = "shipments:write";
// A trusted channel's orders may carry the channel's own adjustments, shipping charge and
// expected total (docs/commerce.md).
inline constexpr char kScopeChannelImport[] = "channel:import";
inline constexpr char kScopeAdmin[] = "admin";

// Every scope, in API.md's order.
inline const std::vector<std::string>& AllScopes() {
  static const auto* scopes =
      new std::vector<std::string>{kScopeOrdersRead,     kScopeOrdersWrite,   kScopeCatalogWrite,
                                   kScopeShipmentsWrite, kScopeChannelImport, kScopeAdmin};
  return *scopes;
}

// What a customer-bound credential may hold: its own customer's orders and what hangs off them.
// admin and the catalog and shipment writes act on every customer's data.
inline const std::vector<std::string>& CustomerBoundScopes() {
  static const auto* scopes = new std::vector<std::string>{kScopeOrdersRead, kScopeOrdersWrite};
  return *scopes;
}

}  // namespace oms
