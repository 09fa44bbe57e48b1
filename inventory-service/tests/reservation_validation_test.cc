#include "inventory-service/src/reservation_validation.h"

#include <gtest/gtest.h>

#include "inventory-service/tests/test_requests.h"

namespace oms::inventory {
namespace {

using testing::FieldOf;

TEST(ReservationValidationTest, ReserveBounds) {
  EXPECT_TRUE(ValidateReserve(testing::GoodReserve()).ok());
  struct Case {
    void (*spoil)(v1::ReserveStockRequest&);
    const char* field;
  };
  const Case cases[] = {
      {[](v1::ReserveStockRequest& r) { r.clear_request_id(); }, "request_id"},
      {[](v1::ReserveStockRequest& r) { r.set_order_id(std::string(129, 'o')); }, "order_id"},
      {[](v1::ReserveStockRequest& r) { r.clear_lines(); }, "lines"},
      {[](v1::ReserveStockRequest& r) {
         for (int i = 0; i < kMaxOrderLines; ++i) *r.add_lines() = r.lines(0);
       },
       "lines"},
      {[](v1::ReserveStockRequest& r) { r.mutable_lines(0)->set_sku("a b"); }, "lines[0].sku"},
      {[](v1::ReserveStockRequest& r) { r.mutable_lines(0)->set_quantity(kMaxLineQuantity + 1); },
       "lines[0].quantity"},
      {[](v1::ReserveStockRequest& r) { r.mutable_destination()->set_country("germany"); },
       "destination.country"},
      {[](v1::ReserveStockRequest& r) {
         r.mutable_destination()->mutable_location()->set_latitude(-91);
       },
       "destination.location.latitude"},
      {[](v1::ReserveStockRequest& r) { r.set_strategy(static_cast<v1::AllocationStrategy>(42)); },
       "strategy"},
      {[](v1::ReserveStockRequest& r) { r.set_ttl_seconds(-1); }, "ttl_seconds"},
      {[](v1::ReserveStockRequest& r) {
         r.set_cancel_unavailable(true);
         r.set_backorder_unavailable(true);
       },
       "backorder_unavailable"},
  };
  for (const auto& c : cases) {
    v1::ReserveStockRequest request = testing::GoodReserve();
    c.spoil(request);
    EXPECT_EQ(FieldOf(ValidateReserve(request)), c.field);
  }
}

TEST(ReservationValidationTest, EitherFlagAloneIsValid) {
  v1::ReserveStockRequest request = testing::GoodReserve();
  request.set_backorder_unavailable(true);
  EXPECT_TRUE(ValidateReserve(request).ok());
  request.set_backorder_unavailable(false);
  request.set_cancel_unavailable(true);
  EXPECT_TRUE(ValidateReserve(request).ok());
}

// The order's policy for every SKU, or each product's own: never both.
TEST(ReservationValidationTest, ProductPoliciesGoAloneWithoutTheFlags) {
  v1::ReserveStockRequest request = testing::GoodReserve();
  request.set_product_policies(true);
  EXPECT_TRUE(ValidateReserve(request).ok());
  request.set_cancel_unavailable(true);
  EXPECT_EQ(FieldOf(ValidateReserve(request)), "product_policies");
  request.set_cancel_unavailable(false);
  request.set_backorder_unavailable(true);
  EXPECT_EQ(FieldOf(ValidateReserve(request)), "product_policies");
  request.set_cancel_unavailable(true);
  EXPECT_EQ(FieldOf(ValidateReserve(request)), "product_policies");
}

TEST(ReservationValidationTest, CancelBackordersBounds) {
  v1::CancelBackordersRequest request;
  request.set_request_id("saga-1:cancel-backorders");
  request.set_order_id("order-1");
  EXPECT_TRUE(ValidateCancelBackorders(request).ok());
  request.set_order_id(std::string(129, 'o'));
  EXPECT_EQ(FieldOf(ValidateCancelBackorders(request)), "order_id");
  request.set_order_id("order-1");
  request.clear_request_id();
  EXPECT_EQ(FieldOf(ValidateCancelBackorders(request)), "request_id");
}

TEST(ReservationValidationTest, BackorderFillsPageBounds) {
  v1::ListBackorderFillsRequest request;
  EXPECT_EQ(*BackorderFillsPageSize(request), 100);
  request.set_page_size(1);
  EXPECT_EQ(*BackorderFillsPageSize(request), 1);
  request.set_page_size(500);
  EXPECT_EQ(*BackorderFillsPageSize(request), 500);
  request.set_page_size(501);
  EXPECT_EQ(FieldOf(BackorderFillsPageSize(request).status()), "page_size");
  request.set_page_size(-1);
  EXPECT_EQ(FieldOf(BackorderFillsPageSize(request).status()), "page_size");
  request.set_page_size(10);
  request.set_after_sequence(-1);
  EXPECT_EQ(FieldOf(BackorderFillsPageSize(request).status()), "after_sequence");
}

TEST(ReservationValidationTest, ResourceBounds) {
  EXPECT_TRUE(ValidateResource(testing::GoodResource()).ok());
  struct Case {
    void (*spoil)(v1::ResourceReservationRequest&);
    const char* field;
  };
  const Case cases[] = {
      {[](v1::ResourceReservationRequest& r) { r.clear_request_id(); }, "request_id"},
      {[](v1::ResourceReservationRequest& r) { r.clear_order_id(); }, "order_id"},
      {[](v1::ResourceReservationRequest& r) { r.clear_from_warehouse_id(); }, "from_warehouse_id"},
      {[](v1::ResourceReservationRequest& r) { r.set_from_warehouse_id("BER-1"); },
       "from_warehouse_id"},
      {[](v1::ResourceReservationRequest& r) { r.clear_lines(); }, "lines"},
      {[](v1::ResourceReservationRequest& r) {
         for (int i = 0; i < kMaxOrderLines; ++i) {
           auto* line = r.add_lines();
           line->set_sku("SKU-X" + std::to_string(i));
           line->set_quantity(1);
         }
       },
       "lines"},
      {[](v1::ResourceReservationRequest& r) { r.mutable_lines(0)->set_sku(""); }, "lines[0].sku"},
      {[](v1::ResourceReservationRequest& r) { r.mutable_lines(0)->set_quantity(0); },
       "lines[0].quantity"},
      {[](v1::ResourceReservationRequest& r) {
         r.mutable_lines(0)->set_quantity(kMaxLineQuantity + 1);
       },
       "lines[0].quantity"},
      {[](v1::ResourceReservationRequest& r) {
         auto* other = r.add_lines();
         other->set_sku("SKU-2");
         other->set_quantity(1);
         *r.add_lines() = r.lines(0);
       },
       "lines[2].sku"},
      {[](v1::ResourceReservationRequest& r) { r.clear_destination(); }, "destination.country"},
      {[](v1::ResourceReservationRequest& r) {
         r.set_strategy(static_cast<v1::AllocationStrategy>(42));
       },
       "strategy"},
  };
  for (const auto& c : cases) {
    v1::ResourceReservationRequest request = testing::GoodResource();
    c.spoil(request);
    EXPECT_EQ(FieldOf(ValidateResource(request)), c.field) << request.ShortDebugString();
  }
  // A warehouse id in upper case is the same warehouse.
  v1::ResourceReservationRequest upper = testing::GoodResource();
  upper.set_from_warehouse_id("0B4C7F6E-8D2A-4C55-9A51-3F6F0F1D2E3A");
  EXPECT_TRUE(ValidateResource(upper).ok());
}

TEST(ReservationValidationTest, AddToReservationBounds) {
  EXPECT_TRUE(ValidateAddToReservation(testing::GoodAddToReservation()).ok());
  struct Case {
    void (*spoil)(v1::AddToReservationRequest&);
    const char* field;
  };
  const Case cases[] = {
      {[](v1::AddToReservationRequest& r) { r.clear_request_id(); }, "request_id"},
      {[](v1::AddToReservationRequest& r) { r.clear_order_id(); }, "order_id"},
      {[](v1::AddToReservationRequest& r) { r.clear_lines(); }, "lines"},
      {[](v1::AddToReservationRequest& r) {
         for (int i = 0; i < kMaxOrderLines; ++i) {
           auto* line = r.add_lines();
           line->set_sku("SKU-X" + std::to_string(i));
           line->set_quantity(1);
         }
       },
       "lines"},
      {[](v1::AddToReservationRequest& r) { r.mutable_lines(0)->set_sku("has space"); },
       "lines[0].sku"},
      {[](v1::AddToReservationRequest& r) { r.mutable_lines(0)->set_quantity(0); },
       "lines[0].quantity"},
      {[](v1::AddToReservationRequest& r) {
         r.mutable_lines(0)->set_quantity(kMaxLineQuantity + 1);
       },
       "lines[0].quantity"},
      {[](v1::AddToReservationRequest& r) { *r.add_lines() = r.lines(0); }, "lines[1].sku"},
      {[](v1::AddToReservationRequest& r) { r.clear_destination(); }, "destination.country"},
      {[](v1::AddToReservationRequest& r) {
         r.set_strategy(static_cast<v1::AllocationStrategy>(42));
       },
       "strategy"},
  };
  for (const auto& c : cases) {
    v1::AddToReservationRequest request = testing::GoodAddToReservation();
    c.spoil(request);
    EXPECT_EQ(FieldOf(ValidateAddToReservation(request)), c.field) << request.ShortDebugString();
  }
}

TEST(ReservationValidationTest, CommitReleaseExtendAndRestockBounds) {
  v1::CommitReservationRequest commit;
  commit.set_request_id("r");
  commit.set_order_id("o");
  EXPECT_EQ(FieldOf(ValidateCommit(commit)), "lines");
  auto* line = commit.add_lines();
  line->set_warehouse_id("not-a-uuid");
  line->set_sku("SKU-1");
  line->set_quantity(1);
  EXPECT_EQ(FieldOf(ValidateCommit(commit)), "lines[0].warehouse_id");

  v1::ReleaseReservationRequest release;
  release.set_request_id("r");
  release.set_order_id("o");
  EXPECT_TRUE(ValidateRelease(release).ok());
  release.set_warehouse_id("x");
  EXPECT_EQ(FieldOf(ValidateRelease(release)), "warehouse_id");
  release.clear_warehouse_id();
  auto* units = release.add_lines();
  units->set_sku("SKU-1");
  units->set_quantity(1);
  EXPECT_EQ(FieldOf(ValidateRelease(release)), "lines");  // units of which warehouse?
  release.set_warehouse_id("0a7e35f2-6c4c-4c8b-9d0e-000000000001");
  EXPECT_TRUE(ValidateRelease(release).ok());
  *release.add_lines() = *units;
  EXPECT_EQ(FieldOf(ValidateRelease(release)), "lines[1].sku");
  release.mutable_lines(1)->set_quantity(0);
  EXPECT_EQ(FieldOf(ValidateRelease(release)), "lines[1].quantity");

  v1::ExtendReservationRequest extend;
  extend.set_request_id("r");
  extend.set_order_id("o");
  EXPECT_EQ(FieldOf(ValidateExtend(extend)), "ttl_seconds");  // 0 is not an extension

  v1::RestockReturnRequest restock;
  restock.set_request_id("r");
  restock.set_warehouse_id("0b4c7f6e-8d2a-4c55-9a51-3f6f0f1d2e3a");
  restock.set_sku("SKU-1");
  EXPECT_EQ(FieldOf(ValidateRestock(restock)), "resellable_quantity");  // nothing to restock
  restock.set_damaged_quantity(-1);
  EXPECT_EQ(FieldOf(ValidateRestock(restock)), "damaged_quantity");
  restock.set_damaged_quantity(1);
  EXPECT_TRUE(ValidateRestock(restock).ok());
}

}  // namespace
}  // namespace oms::inventory
