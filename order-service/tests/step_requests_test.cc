// Every participant request is a pure function of the saga's persisted state: for every saga
// kind and every step (forward and compensation), the requests a step sends are rebuilt from a
// re-claimed copy of the saga (its stored bytes parsed again) later, and must be the same bytes
// as the first attempt's. A value taken at send time (a clock, a random id) would differ, and a
// participant would refuse the retry as IDEMPOTENCY_KEY_REUSED.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "oms/shipping/v1/shipping.pb.h"
#include "order-service/src/grpc_participants.h"
#include "order-service/src/sagas/registry.h"
#include "order-service/tests/peer_fakes.h"

namespace oms::order {
namespace {

v1::Order PlacedOrder() {
  v1::Order order;
  order.set_id("order-1");
  order.set_currency("EUR");
  order.mutable_total()->set_currency("EUR");
  order.mutable_total()->set_amount_minor(5198);
  order.mutable_shipping_address()->set_country("DE");
  order.mutable_payment()->set_payment_id("payment-1");
  for (const char* sku : {"BACKPACK-20L", "BOTTLE-1L"}) {
    auto* line = order.add_lines();
    line->set_sku(sku);
    line->set_quantity(2);
    line->mutable_unit_price()->set_amount_minor(1000);
    line->mutable_unit_tax()->set_amount_minor(190);
  }
  for (const char* warehouse : {"wh-leipzig", "wh-hamburg"}) {
    auto* group = order.mutable_allocation()->add_groups();
    group->set_warehouse_id(warehouse);
    auto* line = group->add_lines();
    line->set_sku(warehouse[3] == 'l' ? "BACKPACK-20L" : "BOTTLE-1L");
    line->set_quantity(2);
    auto* shipment = order.add_shipments();
    shipment->set_shipment_id(std::string("shipment-") + warehouse);
    shipment->set_warehouse_id(warehouse);
    shipment->set_status("SHIPMENT_STATUS_PENDING");
  }
  return order;
}

// A receipt at Hamburg filled one backpack the order had queued.
inventory::v1::BackorderFill BackorderFill() {
  inventory::v1::BackorderFill fill;
  fill.set_sequence(12);
  fill.set_order_id("order-1");
  fill.set_warehouse_id("wh-hamburg");
  auto* line = fill.add_lines();
  line->set_sku("BACKPACK-20L");
  line->set_quantity(1);
  return fill;
}

// The kind's own state, as its saga would have stored it.
std::string PayloadOf(const std::string& kind) {
  if (kind == kShipmentSagaKind) {
    shipping::v1::OutboxEvent shipped;
    shipped.set_sequence(7);
    shipped.set_order_id("order-1");
    shipped.set_shipment_id("shipment-wh-leipzig");
    shipped.set_warehouse_id("wh-leipzig");
    auto* line = shipped.add_lines();
    line->set_sku("BACKPACK-20L");
    line->set_quantity(2);
    return shipped.SerializeAsString();
  }
  if (kind == kCancelSagaKind) {
    v1::CancelPlan plan;
    plan.set_reason("changed my mind");
    const v1::Order order = PlacedOrder();
    for (const auto& shipment : order.shipments()) *plan.add_candidates() = shipment;
    plan.add_cancelled_shipment_ids("shipment-wh-hamburg");
    return plan.SerializeAsString();
  }
  if (kind == kReturnSagaKind || kind == kReceiveSagaKind) {
    v1::Return ret;
    ret.set_id("return-1");
    ret.set_order_id("order-1");
    ret.set_warehouse_id("wh-leipzig");
    ret.set_return_shipment_id("shipment-return-1");
    auto* line = ret.add_lines();
    line->set_sku("BACKPACK-20L");
    line->set_quantity(1);
    auto* received = ret.add_received();
    received->set_sku("BACKPACK-20L");
    received->set_quantity(1);
    received->set_resellable(true);
    auto* refund = ret.add_refunds();
    refund->set_shipment_id("shipment-wh-leipzig");
    *refund->add_lines() = *line;
    return ret.SerializeAsString();
  }
  if (kind == kResourceSagaKind) {
    // Leipzig found neither backpack: Hamburg holds one, no warehouse the other.
    shipping::v1::OutboxEvent short_pick;
    short_pick.set_sequence(8);
    short_pick.set_type(shipping::v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHORT_PICKED);
    short_pick.set_order_id("order-1");
    short_pick.set_shipment_id("shipment-wh-leipzig");
    short_pick.set_warehouse_id("wh-leipzig");
    auto* missing = short_pick.add_short_picked_lines();
    missing->set_sku("BACKPACK-20L");
    missing->set_quantity(2);
    v1::ResourcePlan plan;
    plan.set_short_picked_event(short_pick.SerializeAsString());
    auto* group = plan.mutable_moved()->add_groups();
    group->set_warehouse_id("wh-hamburg");
    auto* held = group->add_lines();
    held->set_sku("BACKPACK-20L");
    held->set_quantity(1);
    auto* cancelled = plan.add_cancelled();
    cancelled->set_sku("BACKPACK-20L");
    cancelled->set_quantity(1);
    return plan.SerializeAsString();
  }
  if (kind == kBackorderSagaKind) return BackorderFill().SerializeAsString();
  if (kind == kEditSagaKind) {
    // A bottle more, held at Hamburg, and a backpack less, at Leipzig; both amounts set so that
    // every step sends its request.
    v1::EditPlan plan;
    plan.set_request_id("edit-1");
    plan.set_from_version(1);
    plan.set_to_version(2);
    *plan.mutable_edited() = PlacedOrder();
    plan.mutable_edited()->set_version(2);
    auto* added = plan.add_added();
    added->set_sku("BOTTLE-1L");
    added->set_quantity(1);
    auto* removed = plan.add_removed();
    removed->set_warehouse_id("wh-leipzig");
    removed->set_sku("BACKPACK-20L");
    removed->set_quantity(1);
    plan.set_increase_minor(1190);
    plan.set_decrease_minor(1190);
    auto* held = plan.mutable_added_allocation()->add_groups();
    held->set_warehouse_id("wh-hamburg");
    *held->add_lines() = *added;
    return plan.SerializeAsString();
  }
  if (kind == kReshipSagaKind) {  // a lost parcel: its units are taken for the replacement
    v1::ReshipShipmentRequest reship;
    reship.set_shipment_id("shipment-wh-leipzig");
    return reship.SerializeAsString();
  }
  if (kind == kRefundSagaKind) {
    v1::RefundShipmentRequest refund;
    refund.set_shipment_id("shipment-wh-leipzig");
    return refund.SerializeAsString();
  }
  return "";
}

// The order as a RESOURCE saga's last step finds it: Leipzig's short pick, its cancelled unit,
// and the shipment Hamburg made for the other.
void ShortPicked(v1::Order* order) {
  auto* leipzig = order->mutable_shipments(0);
  auto* missing = leipzig->add_short_picked();
  missing->set_sku("BACKPACK-20L");
  missing->set_quantity(2);
  *leipzig->add_short_pick_cancelled() = *missing;
  leipzig->mutable_short_pick_cancelled(0)->set_quantity(1);
  auto* made = order->add_shipments();
  made->set_shipment_id("shipment-resourced");
  made->set_warehouse_id("wh-hamburg");
  made->set_resourced_from_shipment_id("shipment-wh-leipzig");
  *made->add_lines() = leipzig->short_pick_cancelled(0);
}

// The saga as the coordinator claims it from its stored bytes.
ClaimedSaga Claimed(const std::string& kind) {
  ClaimedSaga saga;
  saga.kind = kind;
  saga.saga_id = "saga-1";
  saga.order_id = "order-1";
  saga.payment_token = "tok_visa";
  v1::Order placed = PlacedOrder();
  if (kind == kResourceSagaKind) ShortPicked(&placed);
  if (kind == kBackorderSagaKind) {
    auto* queued = placed.mutable_allocation()->add_backordered();
    queued->set_sku("BACKPACK-20L");
    queued->set_quantity(1);
    placed.mutable_allocation()->mutable_groups(0)->mutable_lines(0)->set_quantity(1);
    *placed.add_backorder_fills() = BackorderFill();
  }
  v1::Order stored;
  stored.ParseFromString(placed.SerializeAsString());
  saga.order = stored;
  saga.payload = PayloadOf(kind);
  return saga;
}

// Every request the step sends, in order, as the fakes saw them (method, request id, request).
std::vector<std::string> Requests(const std::string& kind, const StepCall& call,
                                  const std::string& request_id) {
  FakeInventoryClient inventory;
  FakeBillingClient billing;
  FakeShippingClient shipping;
  auto participants = MakeGrpcParticipants(inventory, billing, shipping);
  const ClaimedSaga saga = Claimed(kind);
  int answers = 0;
  call(*participants, saga, request_id, [&](StepResult) { ++answers; });
  EXPECT_EQ(answers, 1) << request_id;
  std::vector<std::string> requests;
  for (const auto* peer :
       {static_cast<const FakePeer*>(&inventory), static_cast<const FakePeer*>(&billing),
        static_cast<const FakePeer*>(&shipping)}) {
    for (const auto& call_seen : peer->Calls()) requests.push_back(call_seen);
  }
  return requests;
}

TEST(StepRequestsTest, EveryStepOfEveryKindSendsTheSameRequestsWhenRetried) {
  struct Attempt {
    std::string kind;
    const StepCall* call;
    std::string request_id;
    std::vector<std::string> first;
  };
  std::vector<Attempt> attempts;
  for (const auto& kind : SagaKinds()) {
    for (const auto& step : kind.steps) {
      for (const StepCall* call : {&step.forward, &step.compensate}) {
        if (!*call) continue;
        const std::string request_id = "saga-1:" + step.name;
        attempts.push_back({kind.name, call, request_id, Requests(kind.name, *call, request_id)});
        EXPECT_FALSE(attempts.back().first.empty()) << request_id << " sent nothing";
      }
    }
  }
  EXPECT_GE(attempts.size(), 30u);  // every step of the ten kinds, and the compensations
  // The retry comes later, on another replica: past the next whole second of any clock.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  for (const auto& attempt : attempts) {
    EXPECT_EQ(Requests(attempt.kind, *attempt.call, attempt.request_id), attempt.first)
        << attempt.kind << " " << attempt.request_id;
  }
}

}  // namespace
}  // namespace oms::order
