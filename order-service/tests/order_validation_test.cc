#include "order-service/src/order_validation.h"

#include <utility>

#include <gtest/gtest.h>

#include "order-service/src/pricing.h"

namespace oms::order {
namespace {

v1::CreateOrderRequest Good() {
  v1::CreateOrderRequest request;
  request.set_request_id("key-1");
  request.set_client_id("client-1");
  request.set_customer_id("0b4c7f6e-8d2a-4c55-9a51-3f6f0f1d2e3a");
  request.set_channel("web");
  request.set_currency("EUR");
  auto* line = request.add_lines();
  line->set_sku("SKU-1");
  line->set_quantity(2);
  request.mutable_shipping_address()->set_line1("Heidestrasse 17");
  request.mutable_shipping_address()->set_city("Hamburg");
  request.mutable_shipping_address()->set_country("DE");
  request.mutable_payment()->set_method("CARD");
  request.mutable_payment()->set_token("tok_visa");
  return request;
}

std::string FieldOf(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  std::string message(status.message());
  return message.substr(0, message.find(':'));
}

TEST(OrderValidationTest, CreateOrderBounds) {
  EXPECT_TRUE(ValidateCreateOrder(Good()).ok());
  struct Case {
    void (*spoil)(v1::CreateOrderRequest&);
    const char* field;
  };
  const Case cases[] = {
      {[](v1::CreateOrderRequest& r) { r.clear_request_id(); }, "request_id"},
      {[](v1::CreateOrderRequest& r) { r.set_customer_id("erika"); }, "customer_id"},
      {[](v1::CreateOrderRequest& r) { r.set_currency("euro"); }, "currency"},
      {[](v1::CreateOrderRequest& r) { r.clear_lines(); }, "lines"},
      {[](v1::CreateOrderRequest& r) { *r.add_lines() = r.lines(0); }, "lines[1].sku"},
      {[](v1::CreateOrderRequest& r) { r.mutable_lines(0)->set_quantity(0); }, "lines[0].quantity"},
      {[](v1::CreateOrderRequest& r) { r.mutable_lines(0)->set_quantity(10001); },
       "lines[0].quantity"},
      {[](v1::CreateOrderRequest& r) { r.clear_shipping_address(); }, "shipping_address"},
      {[](v1::CreateOrderRequest& r) { r.mutable_shipping_address()->set_country("Germany"); },
       "shipping_address.country"},
      {[](v1::CreateOrderRequest& r) { r.mutable_payment()->set_method("CASH"); },
       "payment.method"},
      {[](v1::CreateOrderRequest& r) {
         r.set_allocation_strategy(static_cast<inventory::v1::AllocationStrategy>(9));
       },
       "allocation_strategy"},
      {[](v1::CreateOrderRequest& r) {
         r.set_backorder_policy(static_cast<inventory::v1::BackorderPolicy>(7));
       },
       "backorder_policy"},
      {[](v1::CreateOrderRequest& r) {
         auto* discount = r.mutable_lines(0)->add_adjustments();
         discount->set_kind(v1::ADJUSTMENT_KIND_PERCENT);
         discount->set_percent_bp(10001);
         discount->set_code("OVER");
       },
       "lines[0].adjustments[0].percent_bp"},
      {[](v1::CreateOrderRequest& r) {
         auto* discount = r.add_adjustments();
         discount->set_kind(v1::ADJUSTMENT_KIND_FIXED);
         discount->mutable_amount()->set_currency("USD");
         discount->mutable_amount()->set_amount_minor(500);
         discount->set_code("DOLLARS");
       },
       "adjustments[0].amount"},
      {[](v1::CreateOrderRequest& r) {
         auto* discount = r.add_adjustments();
         discount->set_kind(v1::ADJUSTMENT_KIND_FIXED);
         discount->mutable_amount()->set_currency("EUR");
         discount->mutable_amount()->set_amount_minor(-5);
         discount->set_code("NEGATIVE");
       },
       "adjustments[0].amount.amount_minor"},
      {[](v1::CreateOrderRequest& r) { r.add_adjustments()->set_code("NOKIND"); },
       "adjustments[0].kind"},
      {[](v1::CreateOrderRequest& r) {
         auto* discount = r.add_adjustments();
         discount->set_kind(v1::ADJUSTMENT_KIND_PERCENT);
         discount->set_percent_bp(500);
       },
       "adjustments[0].code"},
      {[](v1::CreateOrderRequest& r) {
         r.mutable_shipping_charge()->set_currency("USD");
         r.mutable_shipping_charge()->set_amount_minor(495);
       },
       "shipping_charge"},
      {[](v1::CreateOrderRequest& r) {
         r.mutable_shipping_charge()->set_currency("EUR");
         r.mutable_shipping_charge()->set_amount_minor(-1);
       },
       "shipping_charge.amount_minor"},
      {[](v1::CreateOrderRequest& r) { r.mutable_expected_total()->set_currency("EUR "); },
       "expected_total.currency"},
  };
  for (const auto& c : cases) {
    v1::CreateOrderRequest request = Good();
    c.spoil(request);
    EXPECT_EQ(FieldOf(ValidateCreateOrder(request)), c.field);
  }
}

// A caller bound to a warehouse receives returns into that warehouse only.
TEST(OrderValidationTest, ListFiltersNameTheFieldTheyRefuse) {
  v1::ListOrdersRequest request;
  request.set_channel("web");
  request.set_external_order_id("shop-1");
  request.mutable_created_after()->set_seconds(1'700'000'000);
  request.mutable_created_before()->set_seconds(1'700'000'060);
  OrderFilter filter;
  ASSERT_TRUE(ReadOrderListFilters(request, &filter).ok());
  EXPECT_EQ(filter.channel, "web");
  EXPECT_EQ(filter.external_order_id, "shop-1");
  EXPECT_EQ(filter.created_after_micros, 1'700'000'000'000'000);
  EXPECT_EQ(filter.created_before_micros, 1'700'000'060'000'000);

  auto refused = [](const v1::ListOrdersRequest& bad) {
    OrderFilter ignored;
    const absl::Status status = ReadOrderListFilters(bad, &ignored);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    return std::string(status.message());
  };
  v1::ListOrdersRequest no_channel = request;
  no_channel.clear_channel();
  EXPECT_NE(refused(no_channel).find("external_order_id"), std::string::npos);
  v1::ListOrdersRequest empty_range = request;
  empty_range.mutable_created_before()->set_seconds(1'700'000'000);
  EXPECT_NE(refused(empty_range).find("created_before"), std::string::npos);
  v1::ListOrdersRequest bad_time = request;
  bad_time.mutable_created_after()->set_nanos(-1);
  EXPECT_NE(refused(bad_time).find("created_after"), std::string::npos);
  v1::ListOrdersRequest long_channel = request;
  long_channel.set_channel(std::string(65, 'c'));
  EXPECT_NE(refused(long_channel).find("channel"), std::string::npos);
}

TEST(OrderValidationTest, AWarehouseBoundReceiptIsIntoItsOwnWarehouse) {
  v1::ReceiveReturnRequest request;
  request.set_request_id("receipt-1");
  request.set_return_id("5f1e2d3c-4b5a-4697-8877-665544332211");
  request.set_warehouse_id("11111111-1111-4111-8111-111111111111");
  auto* line = request.add_lines();
  line->set_sku("SKU-1");
  line->set_quantity(1);
  EXPECT_TRUE(ValidateReceiveReturn(request).ok());
  request.set_acting_warehouse_id(request.warehouse_id());
  EXPECT_TRUE(ValidateReceiveReturn(request).ok());
  request.set_acting_warehouse_id("22222222-2222-4222-8222-222222222222");
  EXPECT_EQ(FieldOf(ValidateReceiveReturn(request)), "warehouse_id");
}

TEST(OrderValidationTest, CustomersGetOneDefaultAddressPerKind) {
  v1::Customer customer;
  customer.set_name("Erika");
  customer.set_email("erika@example.com");
  for (auto kind :
       {v1::ADDRESS_KIND_SHIPPING, v1::ADDRESS_KIND_SHIPPING, v1::ADDRESS_KIND_BILLING}) {
    auto* address = customer.add_addresses();
    address->set_kind(kind);
    address->mutable_address()->set_line1("Road 1");
    address->mutable_address()->set_city("Hamburg");
    address->mutable_address()->set_country("DE");
  }
  customer.mutable_addresses(1)->set_is_default(true);
  auto normalized = NormalizeNewCustomer(customer);
  ASSERT_TRUE(normalized.ok()) << normalized.status();
  EXPECT_FALSE(normalized->addresses(0).is_default());
  EXPECT_TRUE(normalized->addresses(1).is_default());
  EXPECT_TRUE(normalized->addresses(2).is_default());

  customer.mutable_addresses(0)->set_is_default(true);
  EXPECT_EQ(FieldOf(NormalizeNewCustomer(customer).status()), "customer.addresses[1].is_default");
  customer.set_email("not-an-email");
  EXPECT_EQ(FieldOf(NormalizeNewCustomer(customer).status()), "customer.email");
}

TEST(PricingTest, TheCapturedOrderTakesCatalogPricesAndTheQuotesTax) {
  v1::CreateOrderRequest request = Good();
  inventory::v1::BatchGetProductsResponse products;
  auto* product = products.add_products();
  product->set_sku("SKU-1");
  product->set_name("Mug");
  product->mutable_unit_price()->set_currency("EUR");
  product->mutable_unit_price()->set_amount_minor(1299);
  product->set_weight_grams(350);
  product->set_active(true);
  auto lines = BillableLines(request, products);
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ((*lines)[0].unit_price().amount_minor(), 1299);

  billing::v1::Invoice quote;
  auto* priced = quote.add_lines();
  priced->set_sku("SKU-1");
  priced->set_description("Mug");
  priced->set_quantity(2);
  priced->set_tax_rate_bp(1900);
  priced->mutable_unit_price()->set_amount_minor(1299);
  priced->mutable_net()->set_amount_minor(2598);
  priced->mutable_tax()->set_amount_minor(494);
  priced->mutable_total()->set_amount_minor(3092);
  auto order = CapturedOrder(request, products, quote);
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->subtotal().amount_minor(), 2598);
  EXPECT_EQ(order->tax().amount_minor(), 494);
  EXPECT_EQ(order->total().amount_minor(), 3092);
  EXPECT_EQ(order->lines(0).unit_weight_grams(), 350);
  EXPECT_EQ(order->lines(0).tax_rate_bp(), 1900);  // every capture taxes at the quoted rate
  EXPECT_EQ(order->status(), v1::ORDER_STATUS_PENDING);
  EXPECT_EQ(order->allocation_strategy(), inventory::v1::ALLOCATION_STRATEGY_MINIMIZE_SPLITS);
  // None asked: each product's own policy will decide, so none is written in for it.
  EXPECT_EQ(order->backorder_policy(), inventory::v1::BACKORDER_POLICY_UNSPECIFIED);

  product->set_active(false);
  EXPECT_EQ(BillableLines(request, products).status().code(),
            absl::StatusCode::kFailedPrecondition);
  product->set_active(true);
  product->mutable_unit_price()->set_currency("USD");
  EXPECT_EQ(BillableLines(request, products).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// MUG 3 x 12.99 with 10 % off the line, TEA 2 x 5.00, a 5.00 coupon on the order and 4.95
// shipping, at 19 %. The line's 10 % of 38.97 is 3.897 -> 3.90; the coupon over what is left,
// 35.07 : 10.00, is 3.8906 : 1.1094 -> 3.89 : 1.11 (the cent left over to the larger remainder).
TEST(PricingTest, DiscountsAndShippingAddUpToTheTotal) {
  v1::CreateOrderRequest request = Good();
  request.mutable_lines(0)->set_sku("MUG");
  request.mutable_lines(0)->set_quantity(3);
  auto* line_discount = request.mutable_lines(0)->add_adjustments();
  line_discount->set_kind(v1::ADJUSTMENT_KIND_PERCENT);
  line_discount->set_percent_bp(1000);
  line_discount->set_code("MUGS10");
  auto* tea = request.add_lines();
  tea->set_sku("TEA");
  tea->set_quantity(2);
  auto* coupon = request.add_adjustments();
  coupon->set_kind(v1::ADJUSTMENT_KIND_FIXED);
  coupon->mutable_amount()->set_currency("EUR");
  coupon->mutable_amount()->set_amount_minor(500);
  coupon->set_code("WELCOME5");
  request.mutable_shipping_charge()->set_currency("EUR");
  request.mutable_shipping_charge()->set_amount_minor(495);
  ASSERT_TRUE(ValidateCreateOrder(request).ok()) << ValidateCreateOrder(request);

  inventory::v1::BatchGetProductsResponse products;
  for (auto [sku, price] : {std::pair<const char*, int64_t>{"MUG", 1299}, {"TEA", 500}}) {
    auto* product = products.add_products();
    product->set_sku(sku);
    product->set_name(sku);
    product->mutable_unit_price()->set_currency("EUR");
    product->mutable_unit_price()->set_amount_minor(price);
    product->set_active(true);
  }
  auto lines = BillableLines(request, products);
  ASSERT_TRUE(lines.ok()) << lines.status();
  // MUG: 3.90 + 3.89 = 7.79 over 3 units: 2.59 each, the first two one cent more.
  EXPECT_EQ((*lines)[0].unit_discount_minor(), 259);
  EXPECT_EQ((*lines)[0].extra_discount_units(), 2);
  // TEA: 1.11 over 2 units: 0.55 each, the first one cent more.
  EXPECT_EQ((*lines)[1].unit_discount_minor(), 55);
  EXPECT_EQ((*lines)[1].extra_discount_units(), 1);

  // Billing's quote of those lines: 10.40 -> 1.98 and 10.39 -> 1.97 tax; 4.45 -> 0.85, 4.44 ->
  // 0.84; shipping 4.95 -> 0.94.
  billing::v1::Invoice quote;
  const struct {
    const char* sku;
    int64_t quantity, unit_price, discount, extra_units, unit_tax, tax;
  } priced_lines[] = {{"MUG", 3, 1299, 779, 2, 198, 592}, {"TEA", 2, 500, 111, 1, 85, 169}};
  for (const auto& l : priced_lines) {
    auto* priced = quote.add_lines();
    priced->set_sku(l.sku);
    priced->set_description(l.sku);
    priced->set_quantity(l.quantity);
    priced->set_tax_rate_bp(1900);
    priced->mutable_unit_price()->set_amount_minor(l.unit_price);
    priced->mutable_discount()->set_amount_minor(l.discount);
    priced->mutable_unit_tax()->set_amount_minor(l.unit_tax);
    priced->set_extra_discount_units(l.extra_units);
    const int64_t net = l.unit_price * l.quantity - l.discount;
    priced->mutable_net()->set_amount_minor(net);
    priced->mutable_tax()->set_amount_minor(l.tax);
    priced->mutable_total()->set_amount_minor(net + l.tax);
  }
  quote.mutable_shipping()->set_amount_minor(495);
  quote.mutable_shipping_tax()->set_amount_minor(94);
  auto order = CapturedOrder(request, products, quote);
  ASSERT_TRUE(order.ok()) << order.status();
  EXPECT_EQ(order->subtotal().amount_minor(), 4897);
  EXPECT_EQ(order->discount().amount_minor(), 890);
  EXPECT_EQ(order->shipping_charge().amount_minor(), 495);
  EXPECT_EQ(order->shipping_tax().amount_minor(), 94);
  EXPECT_EQ(order->tax().amount_minor(), 592 + 169 + 94);
  EXPECT_EQ(order->total().amount_minor(), 4897 - 890 + 495 + 855);
  EXPECT_EQ(order->lines(0).discount().amount_minor(), 779);
  EXPECT_EQ(order->lines(0).extra_unit_tax().amount_minor(), 197);  // (592 - 198) / 2
  EXPECT_EQ(order->lines(1).extra_unit_tax().amount_minor(), 84);   // 169 - 85
  ASSERT_EQ(order->lines(0).adjustments_size(), 1);
  EXPECT_EQ(order->lines(0).adjustments(0).applied().amount_minor(), 390);
  ASSERT_EQ(order->adjustments_size(), 1);
  EXPECT_EQ(order->adjustments(0).code(), "WELCOME5");
  EXPECT_EQ(order->adjustments(0).applied().amount_minor(), 500);

  // The channel's own total must agree.
  request.mutable_expected_total()->set_currency("EUR");
  request.mutable_expected_total()->set_amount_minor(5357);
  EXPECT_TRUE(CapturedOrder(request, products, quote).ok());
  request.mutable_expected_total()->set_amount_minor(5358);
  EXPECT_EQ(FieldOf(CapturedOrder(request, products, quote).status()), "expected_total");

  // A coupon larger than what is left of the order is refused, naming it.
  coupon->mutable_amount()->set_amount_minor(5000);
  EXPECT_EQ(FieldOf(BillableLines(request, products).status()), "adjustments[0].amount");
}

}  // namespace
}  // namespace oms::order
