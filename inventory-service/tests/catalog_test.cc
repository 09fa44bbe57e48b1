#include "inventory-service/src/catalog.h"

#include <gtest/gtest.h>

#include "common/status.h"
#include "inventory-service/tests/test_requests.h"

namespace oms::inventory {
namespace {

v1::Product GoodProduct() {
  v1::Product product;
  product.set_sku("SKU-1");
  product.set_name("Mug");
  product.mutable_unit_price()->set_currency("EUR");
  product.mutable_unit_price()->set_amount_minor(1299);
  product.set_weight_grams(350);
  product.set_image_url("https://img.example/mug.png");
  return product;
}

v1::Warehouse GoodWarehouse() {
  v1::Warehouse warehouse;
  warehouse.set_code("BER-1");
  warehouse.set_name("Berlin");
  warehouse.mutable_address()->set_line1("Lagerstr. 1");
  warehouse.mutable_address()->set_city("Berlin");
  warehouse.mutable_address()->set_country("DE");
  warehouse.set_region("eu-central");
  warehouse.mutable_location()->set_latitude(52.52);
  warehouse.mutable_location()->set_longitude(13.40);
  warehouse.set_priority(10);
  return warehouse;
}

using testing::FieldOf;

TEST(CatalogTest, AcceptsAGoodProduct) { EXPECT_TRUE(ValidateNewProduct(GoodProduct()).ok()); }

struct ProductCase {
  const char* name;
  void (*spoil)(v1::Product&);
  const char* field;
};

class BadProductTest : public ::testing::TestWithParam<ProductCase> {};

TEST_P(BadProductTest, NamesTheField) {
  v1::Product product = GoodProduct();
  GetParam().spoil(product);
  EXPECT_EQ(FieldOf(ValidateNewProduct(product)), GetParam().field);
}

INSTANTIATE_TEST_SUITE_P(
    Catalog, BadProductTest,
    ::testing::Values(
        ProductCase{"EmptySku", [](v1::Product& p) { p.set_sku(""); }, "product.sku"},
        ProductCase{"SkuWithSpace", [](v1::Product& p) { p.set_sku("A B"); }, "product.sku"},
        ProductCase{"SkuTooLong", [](v1::Product& p) { p.set_sku(std::string(65, 'A')); },
                    "product.sku"},
        ProductCase{"NoName", [](v1::Product& p) { p.set_name(""); }, "product.name"},
        ProductCase{"NameTooLong", [](v1::Product& p) { p.set_name(std::string(201, 'x')); },
                    "product.name"},
        ProductCase{"NameInvalidUtf8", [](v1::Product& p) { p.set_name("bad \xC3"); },
                    "product.name"},
        ProductCase{"NameControlChar", [](v1::Product& p) { p.set_name("a\x01"); }, "product.name"},
        ProductCase{"NoPrice", [](v1::Product& p) { p.clear_unit_price(); }, "product.unit_price"},
        ProductCase{"LowercaseCurrency",
                    [](v1::Product& p) { p.mutable_unit_price()->set_currency("eur"); },
                    "product.unit_price.currency"},
        ProductCase{"NegativePrice",
                    [](v1::Product& p) { p.mutable_unit_price()->set_amount_minor(-1); },
                    "product.unit_price.amount_minor"},
        ProductCase{
            "HugePrice",
            [](v1::Product& p) { p.mutable_unit_price()->set_amount_minor(kMaxAmountMinor + 1); },
            "product.unit_price.amount_minor"},
        ProductCase{"BadCostCurrency",
                    [](v1::Product& p) { p.mutable_unit_cost()->set_currency("E1R"); },
                    "product.unit_cost.currency"},
        ProductCase{"NegativeWeight", [](v1::Product& p) { p.set_weight_grams(-5); },
                    "product.weight_grams"},
        ProductCase{"FtpImage", [](v1::Product& p) { p.set_image_url("ftp://x/y.png"); },
                    "product.image_url"},
        ProductCase{"ImageWithSpace", [](v1::Product& p) { p.set_image_url("https://x/a b.png"); },
                    "product.image_url"},
        ProductCase{
            "UnknownBackorderPolicy",
            [](v1::Product& p) { p.set_backorder_policy(static_cast<v1::BackorderPolicy>(7)); },
            "product.backorder_policy"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(CatalogTest, UpdateMaskSelectsFieldsAndRefusesUnknownOrImmutableOnes) {
  v1::UpdateProductRequest request;
  auto all = UpdatedProductFields(request);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 8u);
  EXPECT_EQ(all->count("backorder_policy"), 1u);

  request.mutable_update_mask()->add_paths("name");
  auto some = UpdatedProductFields(request);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(*some, ProductFields{"name"});

  request.mutable_update_mask()->add_paths("sku");
  EXPECT_EQ(FieldOf(UpdatedProductFields(request).status()), "update_mask");
}

TEST(CatalogTest, UpdateChecksOnlyTheFieldsItWrites) {
  v1::Product product;
  product.set_sku("SKU-1");
  product.set_active(false);
  EXPECT_TRUE(ValidateProductUpdate(product, {"active"}).ok());  // no price needed
  EXPECT_EQ(FieldOf(ValidateProductUpdate(product, {"unit_price"})), "product.unit_price");
}

TEST(CatalogTest, ABackorderPolicyIsOptionalButMustBeKnown) {
  v1::Product product = GoodProduct();
  for (auto policy : {v1::BACKORDER_POLICY_UNSPECIFIED, v1::BACKORDER_POLICY_REJECT,
                      v1::BACKORDER_POLICY_SHIP_AVAILABLE, v1::BACKORDER_POLICY_BACKORDER}) {
    product.set_backorder_policy(policy);
    EXPECT_TRUE(ValidateNewProduct(product).ok()) << policy;
  }
  v1::UpdateProductRequest update;
  update.mutable_product()->set_sku("SKU-1");
  update.mutable_product()->set_backorder_policy(static_cast<v1::BackorderPolicy>(-1));
  update.mutable_update_mask()->add_paths("backorder_policy");
  auto fields = UpdatedProductFields(update);
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ(*fields, ProductFields{"backorder_policy"});
  EXPECT_EQ(FieldOf(ValidateProductUpdate(update.product(), *fields)), "product.backorder_policy");
  // Not written, not checked.
  EXPECT_TRUE(ValidateProductUpdate(update.product(), {"weight_grams"}).ok());
}

TEST(CatalogTest, WhatDoesNotSayOtherwiseIsActive) {
  v1::Product product = GoodProduct();
  EXPECT_TRUE(IsActive(product));
  product.set_active(false);
  EXPECT_FALSE(IsActive(product));
  product.set_active(true);
  EXPECT_TRUE(IsActive(product));
  v1::Warehouse warehouse = GoodWarehouse();
  EXPECT_TRUE(IsActive(warehouse));
  warehouse.set_active(false);
  EXPECT_FALSE(IsActive(warehouse));
}

TEST(CatalogTest, AcceptsAGoodWarehouse) {
  EXPECT_TRUE(ValidateNewWarehouse(GoodWarehouse()).ok());
}

TEST(CatalogTest, RefusesBadWarehouses) {
  struct Case {
    void (*spoil)(v1::Warehouse&);
    const char* field;
  };
  const Case cases[] = {
      {[](v1::Warehouse& w) { w.set_id("x"); }, "warehouse.id"},
      {[](v1::Warehouse& w) { w.set_code("ber-1"); }, "warehouse.code"},
      {[](v1::Warehouse& w) { w.set_name(""); }, "warehouse.name"},
      {[](v1::Warehouse& w) { w.clear_address(); }, "warehouse.address"},
      {[](v1::Warehouse& w) { w.mutable_address()->set_country("DEU"); },
       "warehouse.address.country"},
      {[](v1::Warehouse& w) { w.mutable_address()->set_city(""); }, "warehouse.address.city"},
      {[](v1::Warehouse& w) { w.set_region(""); }, "warehouse.region"},
      {[](v1::Warehouse& w) { w.clear_location(); }, "warehouse.location"},
      {[](v1::Warehouse& w) { w.mutable_location()->set_latitude(91); },
       "warehouse.location.latitude"},
      {[](v1::Warehouse& w) { w.mutable_location()->set_longitude(std::nan("")); },
       "warehouse.location.longitude"},
      {[](v1::Warehouse& w) { w.set_priority(-1); }, "warehouse.priority"},
  };
  for (const auto& c : cases) {
    v1::Warehouse warehouse = GoodWarehouse();
    c.spoil(warehouse);
    EXPECT_EQ(FieldOf(ValidateNewWarehouse(warehouse)), c.field);
  }
}

TEST(CatalogTest, AdjustmentBounds) {
  v1::AdjustStockRequest request;
  request.set_request_id("adj-1");
  request.set_warehouse_id("0b4c7f6e-8d2a-4c55-9a51-3f6f0f1d2e3a");
  request.set_sku("SKU-1");
  request.set_delta(5);
  request.set_reason(v1::ADJUSTMENT_REASON_RECEIPT);
  EXPECT_TRUE(ValidateAdjustment(request).ok());

  struct Case {
    void (*spoil)(v1::AdjustStockRequest&);
    const char* field;
  };
  const Case cases[] = {
      {[](v1::AdjustStockRequest& r) { r.set_request_id(""); }, "request_id"},
      {[](v1::AdjustStockRequest& r) { r.set_request_id("has space"); }, "request_id"},
      {[](v1::AdjustStockRequest& r) { r.set_warehouse_id("BER-1"); }, "warehouse_id"},
      {[](v1::AdjustStockRequest& r) { r.set_sku(""); }, "sku"},
      {[](v1::AdjustStockRequest& r) { r.set_delta(0); }, "delta"},
      {[](v1::AdjustStockRequest& r) { r.set_delta(kMaxStockDelta + 1); }, "delta"},
      {[](v1::AdjustStockRequest& r) { r.set_delta(-3); }, "delta"},  // a receipt must add
      {[](v1::AdjustStockRequest& r) { r.set_reason(v1::ADJUSTMENT_REASON_UNSPECIFIED); },
       "reason"},
      {[](v1::AdjustStockRequest& r) { r.set_note(std::string(501, 'n')); }, "note"},
  };
  for (const auto& c : cases) {
    v1::AdjustStockRequest bad = request;
    c.spoil(bad);
    EXPECT_EQ(FieldOf(ValidateAdjustment(bad)), c.field);
  }
  request.set_reason(v1::ADJUSTMENT_REASON_CORRECTION);
  request.set_delta(-3);
  EXPECT_TRUE(ValidateAdjustment(request).ok());  // a correction may remove
}

}  // namespace
}  // namespace oms::inventory
