// PgReturnStore on a real PostgreSQL: a return and its receipt each start their saga once, and
// are refused as returns.h decides.
#include "order-service/src/return_store.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/status.h"
#include "order-service/src/order_rows.h"
#include "order-service/tests/order_db_fixture.h"

namespace oms::order {
namespace {

class ReturnStoreTest : public OrderDbTest {
 protected:
  ReturnStoreTest() : OrderDbTest("returns") {}

  void SetUp() override {
    OrderDbTest::SetUp();
    if (pool_ != nullptr) returns_ = std::make_unique<PgReturnStore>(*pool_);
  }

  // An order whose one shipment, from w1, delivered 3 units of A.
  std::string DeliveredOrder(v1::OrderStatus status = v1::ORDER_STATUS_DELIVERED,
                             const std::string& key = "k1") {
    const std::string order_id =
        Insert(Request(Customer("erika+" + key + "@example.com").id(), key)).order_id;
    inventory::v1::Allocation allocation;
    auto* group = allocation.add_groups();
    group->set_warehouse_id("w1");
    auto* line = group->add_lines();
    line->set_sku("A");
    line->set_quantity(3);
    v1::Order shipments;
    auto* shipment = shipments.add_shipments();
    shipment->set_shipment_id("s-1");
    shipment->set_warehouse_id("w1");
    shipment->set_status("SHIPMENT_STATUS_DELIVERED");
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec_params(
        "UPDATE orders SET status = $2, allocation = decode($3, 'hex'), "
        "  shipments = decode($4, 'hex') WHERE id = $1",
        order_id, StatusName(status), Hex(allocation), Hex(shipments));
    tx.commit();
    return order_id;
  }

  v1::CreateReturnRequest ReturnRequest(const std::string& order_id, int64_t quantity) {
    v1::CreateReturnRequest request;
    request.set_request_id("return-1");
    request.set_order_id(order_id);
    request.set_reason("too big");
    auto* line = request.add_lines();
    line->set_sku("A");
    line->set_quantity(quantity);
    return request;
  }

  v1::ReceiveReturnRequest Receipt(const std::string& return_id, int64_t quantity) {
    v1::ReceiveReturnRequest request;
    request.set_request_id("receipt-1");
    request.set_return_id(return_id);
    request.set_warehouse_id("w1");
    auto* line = request.add_lines();
    line->set_sku("A");
    line->set_quantity(quantity);
    line->set_resellable(true);
    return request;
  }

  std::string SagaKind(const std::string& saga_id) {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    return tx.exec_params1("SELECT kind FROM sagas WHERE id = $1", saga_id)["kind"]
        .as<std::string>();
  }

  std::unique_ptr<PgReturnStore> returns_;
};

TEST_F(ReturnStoreTest, AReturnStartsOnceAndItsReceiptOnceTheReturnShipmentExists) {
  const std::string order_id = DeliveredOrder();
  auto started = returns_->StartReturn(ReturnRequest(order_id, 2));
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_TRUE(started->created);
  EXPECT_EQ(SagaKind(started->saga_id), "RETURN");
  const v1::Return& ret = started->ret;
  EXPECT_FALSE(ret.id().empty());
  EXPECT_EQ(ret.order_id(), order_id);
  EXPECT_EQ(ret.status(), v1::RETURN_STATUS_REQUESTED);
  EXPECT_EQ(ret.warehouse_id(), "w1");
  EXPECT_TRUE(ret.has_create_time());

  auto replayed = returns_->StartReturn(ReturnRequest(order_id, 2));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_FALSE(replayed->created);
  EXPECT_EQ(replayed->ret.id(), ret.id());

  // Read back, by id and with the order's returns.
  v1::Return read;
  ASSERT_TRUE(returns_->GetReturn(ret.id(), &read).ok());
  EXPECT_EQ(read.id(), ret.id());
  EXPECT_EQ(read.order_id(), order_id);
  EXPECT_EQ(read.status(), v1::RETURN_STATUS_REQUESTED);
  EXPECT_EQ(read.lines_size(), ret.lines_size());
  v1::ListReturnsResponse listed;
  ASSERT_TRUE(returns_->ListReturns(order_id, &listed).ok());
  ASSERT_EQ(listed.returns_size(), 1);
  EXPECT_EQ(listed.returns(0).id(), ret.id());
  EXPECT_EQ(returns_->GetReturn("00000000-0000-4000-8000-000000000000", &read).code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(returns_->ListReturns("00000000-0000-4000-8000-000000000000", &listed).ok());
  EXPECT_EQ(listed.returns_size(), 0);

  auto early = returns_->StartReceive(Receipt(ret.id(), 2));
  EXPECT_EQ(ReasonOf(early.status()), "RETURN_SHIPMENT_PENDING");
  // The return saga created its shipment.
  v1::Return shipped = ret;
  shipped.set_return_shipment_id("rs-1");
  ASSERT_TRUE(pool_
                  ->InTransaction([&](pqxx::work& tx) {
                    UpdateReturn(tx, shipped);
                    return absl::OkStatus();
                  })
                  .ok());

  auto too_many = returns_->StartReceive(Receipt(ret.id(), 3));
  EXPECT_EQ(ReasonOf(too_many.status()), "RECEIPT_EXCEEDS_RETURN");
  auto received = returns_->StartReceive(Receipt(ret.id(), 2));
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_TRUE(received->created);
  EXPECT_EQ(SagaKind(received->saga_id), "RECEIVE");
  EXPECT_EQ(received->ret.status(), v1::RETURN_STATUS_RECEIVED);
  ASSERT_EQ(received->ret.refunds_size(), 1);
  EXPECT_EQ(received->ret.refunds(0).shipment_id(), "s-1");

  auto again = returns_->StartReceive(Receipt(ret.id(), 2));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->ret.status(), v1::RETURN_STATUS_RECEIVED);
  // The receipt's time is kept with the return, for the saga to send on every attempt.
  EXPECT_TRUE(received->ret.has_receive_time());
  EXPECT_EQ(again->ret.receive_time().seconds(), received->ret.receive_time().seconds());

  std::vector<v1::Return> stored;
  ASSERT_TRUE(pool_
                  ->InTransaction([&](pqxx::work& tx) {
                    stored = ReturnsOf(tx, order_id);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].status(), v1::RETURN_STATUS_RECEIVED);
  EXPECT_EQ(stored[0].return_shipment_id(), "rs-1");
}

// A caller bound to a warehouse receives only returns headed to it; another's answers exactly
// as a missing return does.
TEST_F(ReturnStoreTest, AWarehouseBoundCallerSeesOnlyReturnsHeadedToItsWarehouse) {
  auto started = returns_->StartReturn(ReturnRequest(DeliveredOrder(), 2));
  ASSERT_TRUE(started.ok()) << started.status();
  const std::string return_id = started->ret.id();
  const std::string missing_id = "00000000-0000-0000-0000-000000000001";
  auto receipt = [&](const std::string& id, const std::string& acting) {
    v1::ReceiveReturnRequest request = Receipt(id, 2);
    request.set_acting_warehouse_id(acting);
    request.set_warehouse_id(acting);
    return returns_->StartReceive(request).status();
  };
  const absl::Status foreign = receipt(return_id, "w2");
  const absl::Status missing = receipt(missing_id, "w2");
  EXPECT_EQ(foreign.code(), absl::StatusCode::kNotFound) << foreign;
  std::string foreign_message(foreign.message());
  foreign_message.replace(foreign_message.find(return_id), return_id.size(), missing_id);
  EXPECT_EQ(foreign_message, missing.message());
  // Its own warehouse's return goes on to the usual checks (no return shipment yet).
  EXPECT_EQ(ReasonOf(receipt(return_id, "w1")), "RETURN_SHIPMENT_PENDING");
}

TEST_F(ReturnStoreTest, AKeyReusedForAnotherReturnIsRefusedAndChangesNothing) {
  const std::string order_id = DeliveredOrder();
  auto first = returns_->StartReturn(ReturnRequest(order_id, 1));
  ASSERT_TRUE(first.ok()) << first.status();

  // The same key with other lines, another reason, or for another order: each is refused, none
  // is answered with the first return.
  v1::CreateReturnRequest more = ReturnRequest(order_id, 2);
  v1::CreateReturnRequest other_reason = ReturnRequest(order_id, 1);
  other_reason.set_reason("wrong colour");
  v1::CreateReturnRequest other_order =
      ReturnRequest(DeliveredOrder(v1::ORDER_STATUS_DELIVERED, "k2"), 1);
  for (const auto& request : {more, other_reason, other_order}) {
    auto reused = returns_->StartReturn(request);
    EXPECT_EQ(reused.status().code(), absl::StatusCode::kFailedPrecondition) << reused.status();
    EXPECT_EQ(ReasonOf(reused.status()), "IDEMPOTENCY_KEY_REUSED");
  }

  auto replayed = returns_->StartReturn(ReturnRequest(order_id, 1));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->ret.id(), first->ret.id());
  std::vector<v1::Return> stored;
  ASSERT_TRUE(pool_
                  ->InTransaction([&](pqxx::work& tx) {
                    stored = ReturnsOf(tx, order_id);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].lines(0).quantity(), 1);
}

TEST_F(ReturnStoreTest, OnlyDeliveredUnitsOfAKnownOrderCanBeReturned) {
  auto shipped = returns_->StartReturn(ReturnRequest(DeliveredOrder(v1::ORDER_STATUS_SHIPPED), 1));
  EXPECT_EQ(ReasonOf(shipped.status()), "ORDER_NOT_DELIVERED");

  auto unknown = returns_->StartReturn(ReturnRequest("00000000-0000-0000-0000-000000000001", 1));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  auto unknown_return = returns_->StartReceive(Receipt("00000000-0000-0000-0000-000000000001", 1));
  EXPECT_EQ(unknown_return.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ReturnStoreTest, AReturnAsksNoMoreThanWasDelivered) {
  auto too_many = returns_->StartReturn(ReturnRequest(DeliveredOrder(), 4));
  EXPECT_EQ(ReasonOf(too_many.status()), "RETURN_EXCEEDS_DELIVERED");
}

}  // namespace
}  // namespace oms::order
