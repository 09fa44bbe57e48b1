// Products in PostgreSQL: the statements and the row mapping, in the caller's transaction.
#pragma once

#include <string>
#include <vector>

#include <pqxx/transaction>

#include "absl/status/status.h"
#include "inventory-service/src/backorder_policy.h"
#include "inventory-service/src/catalog.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::inventory {

const std::vector<PreparedStatement>& CatalogStatements();

// ALREADY_EXISTS PRODUCT_EXISTS when the SKU is taken.
[[nodiscard]] absl::Status InsertProduct(pqxx::work& tx, const v1::Product& product,
                                         v1::Product* out);
// Writes only `fields` of `product`; NOT_FOUND when there is no such SKU.
[[nodiscard]] absl::Status UpdateProduct(pqxx::work& tx, const v1::Product& product,
                                         const ProductFields& fields, v1::Product* out);
// NOT_FOUND when there is no such SKU.
[[nodiscard]] absl::Status ReadProduct(pqxx::transaction_base& tx, const std::string& sku,
                                       v1::Product* out);
// The products among `skus`, in no particular order.
std::vector<v1::Product> ReadProducts(pqxx::transaction_base& tx,
                                      const std::vector<std::string>& skus);
// The backorder policy of each product among `skus`, by SKU; a SKU that is no product is left
// out (and so follows REJECT).
SkuPolicies ReadBackorderPolicies(pqxx::transaction_base& tx, const std::vector<std::string>& skus);
// Up to `limit` products with a SKU after `after`, in SKU order.
std::vector<v1::Product> ListProducts(pqxx::work& tx, const std::string& after, bool active_only,
                                      int limit);

}  // namespace oms::inventory
