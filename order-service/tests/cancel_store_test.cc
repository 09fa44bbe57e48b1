// PgCancelStore on a real PostgreSQL: a cancellation saga starts once per order, only for an
// order that is placed and has shipments still in their warehouses.
#include "order-service/src/cancel_store.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/status.h"
#include "order-service/src/order_rows.h"
#include "order-service/tests/order_db_fixture.h"

namespace oms::order {
namespace {

class CancelStoreTest : public OrderDbTest {
 protected:
  CancelStoreTest() : OrderDbTest("cancels") {}

  void SetUp() override {
    OrderDbTest::SetUp();
    if (pool_ != nullptr) cancels_ = std::make_unique<PgCancelStore>(*pool_);
  }

  // Moves the order on as its sagas and the shipment feed would.
  void SetOrder(const std::string& order_id, v1::OrderStatus status,
                std::initializer_list<const char*> shipment_statuses) {
    v1::Order shipments;
    int n = 0;
    for (const char* shipment_status : shipment_statuses) {
      auto* shipment = shipments.add_shipments();
      shipment->set_shipment_id("s-" + std::to_string(++n));
      shipment->set_status(shipment_status);
    }
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec_params("UPDATE orders SET status = $2, shipments = decode($3, 'hex') WHERE id = $1",
                   order_id, StatusName(status), Hex(shipments));
    tx.commit();
  }

  std::unique_ptr<PgCancelStore> cancels_;
};

TEST_F(CancelStoreTest, AnOrderGetsOneCancellationOfItsShipmentsStillInTheWarehouse) {
  const std::string order_id = Insert(Request(Customer("erika@example.com").id(), "k1")).order_id;
  auto pending = cancels_->StartCancel(order_id, "changed my mind");
  EXPECT_EQ(ReasonOf(pending.status()), "ORDER_NOT_CONFIRMED");

  SetOrder(order_id, v1::ORDER_STATUS_PARTIALLY_SHIPPED,
           {"SHIPMENT_STATUS_SHIPPED", "SHIPMENT_STATUS_PACKED"});
  auto started = cancels_->StartCancel(order_id, "changed my mind");
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_TRUE(started->created);
  EXPECT_FALSE(started->saga_id.empty());

  pqxx::connection connection(db_.url());
  pqxx::work tx(connection);
  pqxx::row saga = tx.exec_params1(
      "SELECT kind, subject, encode(payload, 'hex') AS payload_hex FROM sagas WHERE id = $1",
      started->saga_id);
  tx.commit();
  EXPECT_EQ(saga["kind"].as<std::string>(), "CANCEL");
  v1::CancelPlan plan;
  FromHex(saga["payload_hex"], &plan);
  EXPECT_EQ(plan.reason(), "changed my mind");
  ASSERT_EQ(plan.candidates_size(), 1);
  EXPECT_EQ(plan.candidates(0).shipment_id(), "s-2");

  // Asked again, even once everything shipped: the cancellation already running.
  SetOrder(order_id, v1::ORDER_STATUS_SHIPPED, {"SHIPMENT_STATUS_SHIPPED"});
  auto again = cancels_->StartCancel(order_id, "again");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->saga_id, started->saga_id);
}

// A fill of the order's queued units taken in, whose shipment its saga is still creating: a
// cancellation now could not take that shipment, so it waits until the shipment is listed.
TEST_F(CancelStoreTest, ACancellationWaitsForABackorderFillsShipmentToBeListed) {
  const std::string order_id = Insert(Request(Customer("erika@example.com").id(), "k1")).order_id;
  SetOrder(order_id, v1::ORDER_STATUS_CONFIRMED, {"SHIPMENT_STATUS_PACKED"});
  v1::BackorderState fills;
  fills.add_fills()->set_sequence(1);
  v1::Order listed;
  auto* packed = listed.add_shipments();
  packed->set_shipment_id("s-1");
  packed->set_status("SHIPMENT_STATUS_PACKED");
  const auto write = [&](const char* sql, const std::string& hex) {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec_params(sql, order_id, hex);
    tx.commit();
  };
  write("UPDATE orders SET backorders = decode($2, 'hex') WHERE id = $1", Hex(fills));

  auto waiting = cancels_->StartCancel(order_id, "changed my mind");
  EXPECT_EQ(waiting.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(waiting.status()), "BACKORDER_FILL_IN_PROGRESS");
  // Even with nothing else left to cancel, the fill's shipment is: not NOTHING_TO_CANCEL.
  SetOrder(order_id, v1::ORDER_STATUS_PARTIALLY_SHIPPED, {"SHIPMENT_STATUS_SHIPPED"});
  EXPECT_EQ(ReasonOf(cancels_->StartCancel(order_id, "changed my mind").status()),
            "BACKORDER_FILL_IN_PROGRESS");
  {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM sagas WHERE order_id = $1 AND kind = 'CANCEL'",
                              order_id)[0]
                  .as<int>(),
              0);
  }

  auto* fill_shipment = listed.add_shipments();
  fill_shipment->set_shipment_id("s-fill");
  fill_shipment->set_backorder_fill_sequence(1);
  fill_shipment->set_status("SHIPMENT_STATUS_PENDING");
  write("UPDATE orders SET shipments = decode($2, 'hex') WHERE id = $1", Hex(listed));
  auto started = cancels_->StartCancel(order_id, "changed my mind");
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_TRUE(started->created);
}

TEST_F(CancelStoreTest, AShippedOrUnknownOrderHasNothingToCancel) {
  const std::string order_id = Insert(Request(Customer("erika@example.com").id(), "k1")).order_id;
  SetOrder(order_id, v1::ORDER_STATUS_SHIPPED, {"SHIPMENT_STATUS_SHIPPED"});
  auto shipped = cancels_->StartCancel(order_id, "");
  EXPECT_EQ(shipped.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(shipped.status()), "NOTHING_TO_CANCEL");

  auto unknown = cancels_->StartCancel("00000000-0000-0000-0000-000000000001", "");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace oms::order
