// Returns as pure logic: which orders may be returned, what a return may ask and a receipt may
// take back, and which shipment each received unit is refunded against.
#include "order-service/src/returns.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::order {
namespace {

// Two delivered shipments: w1 carried 2 A and 1 B, w2 carried 3 A.
v1::Order DeliveredOrder() {
  v1::Order order;
  order.set_id("order-1");
  order.set_status(v1::ORDER_STATUS_DELIVERED);
  auto* w1 = order.mutable_allocation()->add_groups();
  w1->set_warehouse_id("w1");
  auto* line = w1->add_lines();
  line->set_sku("A");
  line->set_quantity(2);
  line = w1->add_lines();
  line->set_sku("B");
  line->set_quantity(1);
  auto* w2 = order.mutable_allocation()->add_groups();
  w2->set_warehouse_id("w2");
  line = w2->add_lines();
  line->set_sku("A");
  line->set_quantity(3);
  for (const char* warehouse : {"w1", "w2"}) {
    auto* shipment = order.add_shipments();
    shipment->set_shipment_id(std::string("s-") + warehouse);
    shipment->set_warehouse_id(warehouse);
    shipment->set_status("SHIPMENT_STATUS_DELIVERED");
  }
  return order;
}

v1::CreateReturnRequest ReturnRequest(const std::string& sku, int64_t quantity) {
  v1::CreateReturnRequest request;
  request.set_request_id("r-1");
  request.set_order_id("order-1");
  request.set_reason("too big");
  auto* line = request.add_lines();
  line->set_sku(sku);
  line->set_quantity(quantity);
  return request;
}

v1::ReceiveReturnRequest Receipt(const std::string& sku, int64_t quantity) {
  v1::ReceiveReturnRequest request;
  request.set_return_id("ret-1");
  request.set_warehouse_id("w1");
  auto* line = request.add_lines();
  line->set_sku(sku);
  line->set_quantity(quantity);
  line->set_resellable(true);
  return request;
}

v1::Return RequestedReturn(const std::string& sku, int64_t quantity) {
  v1::Return ret;
  ret.set_id("ret-1");
  ret.set_order_id("order-1");
  ret.set_status(v1::RETURN_STATUS_REQUESTED);
  ret.set_return_shipment_id("rs-1");
  auto* line = ret.add_lines();
  line->set_sku(sku);
  line->set_quantity(quantity);
  return ret;
}

TEST(ReturnsTest, OnlyDeliveredOrdersMayBeReturned) {
  v1::Order order = DeliveredOrder();
  for (auto status : {v1::ORDER_STATUS_PARTIALLY_DELIVERED, v1::ORDER_STATUS_DELIVERED,
                      v1::ORDER_STATUS_COMPLETED}) {
    order.set_status(status);
    EXPECT_TRUE(CheckReturnable(order).ok()) << v1::OrderStatus_Name(status);
  }
  for (auto status :
       {v1::ORDER_STATUS_PENDING, v1::ORDER_STATUS_CONFIRMED, v1::ORDER_STATUS_PARTIALLY_SHIPPED,
        v1::ORDER_STATUS_SHIPPED, v1::ORDER_STATUS_CANCELLED, v1::ORDER_STATUS_REJECTED,
        v1::ORDER_STATUS_NEEDS_ATTENTION}) {
    order.set_status(status);
    absl::Status refused = CheckReturnable(order);
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition)
        << v1::OrderStatus_Name(status);
    EXPECT_EQ(ReasonOf(refused), "ORDER_NOT_DELIVERED");
  }
  order.set_status(v1::ORDER_STATUS_SHIPPED);
  EXPECT_EQ(CheckReturnable(order).message(),
            "order order-1 is SHIPPED: only delivered lines can be returned");
}

TEST(ReturnsTest, ANewReturnGoesBackToTheWarehouseThatShippedIt) {
  auto ret = NewReturn(DeliveredOrder(), {}, ReturnRequest("B", 1));
  ASSERT_TRUE(ret.ok()) << ret.status();
  EXPECT_EQ(ret->order_id(), "order-1");
  EXPECT_EQ(ret->status(), v1::RETURN_STATUS_REQUESTED);
  EXPECT_EQ(ret->warehouse_id(), "w1");
  EXPECT_EQ(ret->reason(), "too big");
  ASSERT_EQ(ret->lines_size(), 1);
  EXPECT_EQ(ret->lines(0).sku(), "B");
  EXPECT_EQ(ret->lines(0).quantity(), 1);
}

TEST(ReturnsTest, AReturnCannotAskBackMoreThanWasDeliveredAndNotYetAsked) {
  EXPECT_TRUE(NewReturn(DeliveredOrder(), {}, ReturnRequest("A", 5)).ok());
  auto too_many = NewReturn(DeliveredOrder(), {}, ReturnRequest("A", 6));
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(too_many.status()), "RETURN_EXCEEDS_DELIVERED");

  std::vector<v1::Return> earlier = {RequestedReturn("A", 4)};
  EXPECT_TRUE(NewReturn(DeliveredOrder(), earlier, ReturnRequest("A", 1)).ok());
  auto asked_already = NewReturn(DeliveredOrder(), earlier, ReturnRequest("A", 2));
  EXPECT_EQ(ReasonOf(asked_already.status()), "RETURN_EXCEEDS_DELIVERED");
}

TEST(ReturnsTest, AReceiptWaitsForTheReturnShipment) {
  v1::Return ret = RequestedReturn("A", 2);
  ret.clear_return_shipment_id();
  absl::Status pending = CheckReceipt(ret, Receipt("A", 1).lines());
  EXPECT_EQ(pending.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(pending), "RETURN_SHIPMENT_PENDING");
}

TEST(ReturnsTest, AReceiptTakesBackNoMoreOfASkuThanTheReturnAnnounced) {
  const v1::Return ret = RequestedReturn("A", 2);
  EXPECT_TRUE(CheckReceipt(ret, Receipt("A", 2).lines()).ok());
  EXPECT_TRUE(CheckReceipt(ret, Receipt("A", 1).lines()).ok());

  absl::Status too_many = CheckReceipt(ret, Receipt("A", 3).lines());
  EXPECT_EQ(too_many.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(too_many), "RECEIPT_EXCEEDS_RETURN");
  EXPECT_EQ(too_many.message(), "lines[0].quantity: more A than the return announced");

  // Lines of one SKU add up; another SKU was never announced.
  v1::ReceiveReturnRequest split = Receipt("A", 1);
  *split.add_lines() = split.lines(0);
  *split.add_lines() = split.lines(0);
  absl::Status third = CheckReceipt(ret, split.lines());
  EXPECT_EQ(ReasonOf(third), "RECEIPT_EXCEEDS_RETURN");
  EXPECT_EQ(third.message(), "lines[2].quantity: more A than the return announced");
  EXPECT_EQ(ReasonOf(CheckReceipt(ret, Receipt("B", 1).lines())), "RECEIPT_EXCEEDS_RETURN");
}

TEST(ReturnsTest, AReceivedReturnIsRefundedAgainstTheShipmentsThatCarriedIt) {
  const v1::Order order = DeliveredOrder();
  v1::Return earlier = RequestedReturn("A", 1);
  earlier.set_id("ret-0");
  *earlier.add_received() = Receipt("A", 1).lines(0);
  const v1::Return ret = RequestedReturn("A", 3);

  // The order's returns may include this one: it is not its own earlier return.
  google::protobuf::Timestamp at;
  at.set_seconds(1800000000);
  v1::Return received = ReceivedReturn(ret, order, {earlier, ret}, Receipt("A", 3), at);
  EXPECT_EQ(received.id(), "ret-1");
  EXPECT_EQ(received.receive_time().seconds(), 1800000000);
  EXPECT_EQ(received.status(), v1::RETURN_STATUS_RECEIVED);
  EXPECT_EQ(received.warehouse_id(), "w1");
  ASSERT_EQ(received.received_size(), 1);
  EXPECT_EQ(received.received(0).quantity(), 3);
  // s-w1 carried 2 A, of which the earlier return took 1: one left there, two from s-w2.
  ASSERT_EQ(received.refunds_size(), 2);
  EXPECT_EQ(received.refunds(0).shipment_id(), "s-w1");
  ASSERT_EQ(received.refunds(0).lines_size(), 1);
  EXPECT_EQ(received.refunds(0).lines(0).sku(), "A");
  EXPECT_EQ(received.refunds(0).lines(0).quantity(), 1);
  EXPECT_EQ(received.refunds(1).shipment_id(), "s-w2");
  EXPECT_EQ(received.refunds(1).lines(0).quantity(), 2);
}

}  // namespace
}  // namespace oms::order
