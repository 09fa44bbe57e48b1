#include "inventory-service/src/catalog_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/except>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_arrays.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "inventory-service/src/backorder_policy.h"
#include "inventory-service/src/stock_ledger.h"

namespace oms::inventory {
namespace {

using google::protobuf::util::TimeUtil;

// The columns of every statement that returns whole products, read by ProductOf.
#define OMS_PRODUCT_COLUMNS                                                          \
  "sku, name, description, price_currency, price_minor, cost_currency, cost_minor, " \
  "weight_grams, image_url, active, backorder_policy, "                              \
  "(extract(epoch FROM created_at) * 1000000)::bigint AS created_at_us, "            \
  "(extract(epoch FROM updated_at) * 1000000)::bigint AS updated_at_us"

constexpr char kInsert[] = "products_insert";
constexpr char kUpdate[] = "products_update";
constexpr char kGet[] = "products_get";
constexpr char kList[] = "products_list";
constexpr char kBatchGet[] = "products_batch_get";

void ProductOf(const pqxx::row& row, v1::Product* product) {
  product->Clear();
  product->set_sku(row["sku"].as<std::string>());
  product->set_name(row["name"].as<std::string>());
  product->set_description(row["description"].as<std::string>());
  product->mutable_unit_price()->set_currency(row["price_currency"].as<std::string>());
  product->mutable_unit_price()->set_amount_minor(row["price_minor"].as<long long>());
  if (!row["cost_currency"].is_null()) {
    product->mutable_unit_cost()->set_currency(row["cost_currency"].as<std::string>());
    product->mutable_unit_cost()->set_amount_minor(row["cost_minor"].as<long long>());
  }
  product->set_weight_grams(row["weight_grams"].as<long long>());
  product->set_image_url(row["image_url"].as<std::string>());
  product->set_active(row["active"].as<bool>());
  product->set_backorder_policy(BackorderPolicyFromText(row["backorder_policy"].as<std::string>()));
  *product->mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(row["created_at_us"].as<long long>());
  *product->mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(row["updated_at_us"].as<long long>());
}

// The unit cost as two parameters: "" and 0 for none.
std::string CostCurrency(const v1::Product& product) {
  return product.has_unit_cost() ? product.unit_cost().currency() : std::string();
}
long long CostMinor(const v1::Product& product) {
  return product.has_unit_cost() ? product.unit_cost().amount_minor() : 0;
}

absl::Status NoProduct(const std::string& sku) {
  return absl::NotFoundError(absl::StrCat("product ", sku, " does not exist"));
}

}  // namespace

const std::vector<PreparedStatement>& CatalogStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // An empty cost currency ($6) stores no cost.
      {kInsert,
       "INSERT INTO products (sku, name, description, price_currency, price_minor, "
       "cost_currency, cost_minor, weight_grams, image_url, active, backorder_policy) "
       "VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), CASE WHEN $6 = '' THEN NULL ELSE $7::bigint "
       "END, $8, $9, $10, $11) RETURNING " OMS_PRODUCT_COLUMNS},
      // $2, $4, ... say whether the field after them is written.
      {kUpdate,
       "UPDATE products SET "
       "name = CASE WHEN $2 THEN $3 ELSE name END, "
       "description = CASE WHEN $4 THEN $5 ELSE description END, "
       "price_currency = CASE WHEN $6 THEN $7 ELSE price_currency END, "
       "price_minor = CASE WHEN $6 THEN $8 ELSE price_minor END, "
       "cost_currency = CASE WHEN $9 THEN NULLIF($10, '') ELSE cost_currency END, "
       "cost_minor = CASE WHEN $9 THEN (CASE WHEN $10 = '' THEN NULL ELSE $11::bigint END) "
       "ELSE cost_minor END, "
       "weight_grams = CASE WHEN $12 THEN $13 ELSE weight_grams END, "
       "image_url = CASE WHEN $14 THEN $15 ELSE image_url END, "
       "active = CASE WHEN $16 THEN $17 ELSE active END, "
       "backorder_policy = CASE WHEN $18 THEN $19 ELSE backorder_policy END, "
       "updated_at = now() "
       "WHERE sku = $1 RETURNING " OMS_PRODUCT_COLUMNS},
      {kGet, "SELECT " OMS_PRODUCT_COLUMNS " FROM products WHERE sku = $1"},
      {kBatchGet, "SELECT " OMS_PRODUCT_COLUMNS " FROM products WHERE sku = ANY($1::text[])"},
      {kList, "SELECT " OMS_PRODUCT_COLUMNS " FROM products WHERE sku > $1 AND (active OR NOT $2) "
              "ORDER BY sku LIMIT $3"},
  };
  return kStatements;
}

absl::Status InsertProduct(pqxx::work& tx, const v1::Product& product, v1::Product* out) {
  try {
    ProductOf(tx.exec_prepared1(kInsert, product.sku(), product.name(), product.description(),
                                product.unit_price().currency(),
                                product.unit_price().amount_minor(), CostCurrency(product),
                                CostMinor(product), product.weight_grams(), product.image_url(),
                                IsActive(product), BackorderPolicyText(product.backorder_policy())),
              out);
  } catch (const pqxx::unique_violation&) {
    return WithReason(absl::StatusCode::kAlreadyExists, "PRODUCT_EXISTS",
                      absl::StrCat("product.sku: ", product.sku(), " already exists"));
  }
  return absl::OkStatus();
}

absl::Status UpdateProduct(pqxx::work& tx, const v1::Product& product, const ProductFields& fields,
                           v1::Product* out) {
  auto writes = [&fields](const char* name) { return fields.count(name) > 0; };
  pqxx::result rows = tx.exec_prepared(
      kUpdate, product.sku(), writes("name"), product.name(), writes("description"),
      product.description(), writes("unit_price"), product.unit_price().currency(),
      product.unit_price().amount_minor(), writes("unit_cost"), CostCurrency(product),
      CostMinor(product), writes("weight_grams"), product.weight_grams(), writes("image_url"),
      product.image_url(), writes("active"), IsActive(product), writes("backorder_policy"),
      BackorderPolicyText(product.backorder_policy()));
  if (rows.empty()) return NoProduct(product.sku());
  ProductOf(rows[0], out);
  return absl::OkStatus();
}

absl::Status ReadProduct(pqxx::transaction_base& tx, const std::string& sku, v1::Product* out) {
  pqxx::result rows = tx.exec_prepared(kGet, sku);
  if (rows.empty()) return NoProduct(sku);
  ProductOf(rows[0], out);
  return absl::OkStatus();
}

std::vector<v1::Product> ReadProducts(pqxx::transaction_base& tx,
                                      const std::vector<std::string>& skus) {
  std::vector<v1::Product> products;
  for (const auto& row : tx.exec_prepared(kBatchGet, PgTextArray(skus))) {
    ProductOf(row, &products.emplace_back());
  }
  return products;
}

SkuPolicies ReadBackorderPolicies(pqxx::transaction_base& tx,
                                  const std::vector<std::string>& skus) {
  SkuPolicies policies;
  for (const auto& product : ReadProducts(tx, skus)) {
    policies[product.sku()] = product.backorder_policy();
  }
  return policies;
}

std::vector<v1::Product> ListProducts(pqxx::work& tx, const std::string& after, bool active_only,
                                      int limit) {
  std::vector<v1::Product> products;
  for (const auto& row : tx.exec_prepared(kList, after, active_only, limit)) {
    ProductOf(row, &products.emplace_back());
  }
  return products;
}

}  // namespace oms::inventory
