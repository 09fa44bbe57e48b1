// The order saga across the four real services: a split order is CONFIRMED with stock held in
// two warehouses, an authorization for its total and one shipment per warehouse; a decline, an
// out-of-stock order and a destination nobody serves each end REJECTED with every hold released
// and every authorization voided; replays answer the same order.
#include <functional>
#include <map>
#include <set>
#include <thread>

#include <grpcpp/channel.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/testing/scrape.h"
#include "oms/billing/v1/billing.grpc.pb.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "oms/order/v1/order.grpc.pb.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "tests/support/order_fixtures.h"
#include "tests/support/service_under_test.h"

namespace oms {
namespace {

namespace inv = oms::inventory::v1;
namespace bil = oms::billing::v1;
namespace shp = oms::shipping::v1;
namespace ord = oms::order::v1;
using testing::ServiceUnderTest;

std::unique_ptr<grpc::ClientContext> Context(int seconds = 15) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

class OrderE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status started = testing::StartSuite(inventory_, billing_, shipping_, order_);
    ASSERT_TRUE(started.ok()) << started;
    inventory_stub_ = inv::InventoryService::NewStub(inventory_.channel());
    billing_stub_ = bil::BillingService::NewStub(billing_.channel());
    shipping_stub_ = shp::ShippingService::NewStub(shipping_.channel());
    orders_ = ord::OrderService::NewStub(order_.channel());
    auto warehouses = testing::SeedTwoWarehouses(inventory_.channel(), 5, 5);
    ASSERT_TRUE(warehouses.ok()) << warehouses.status();
    warehouses_ = *warehouses;
    auto customer = testing::CreateHamburgCustomer(order_.channel(), "erika@example.com");
    ASSERT_TRUE(customer.ok()) << customer.status();
    customer_id_ = *customer;
  }

  ord::CreateOrderRequest OrderRequest(const std::string& key, int64_t packs,
                                       const std::string& token = "tok_visa",
                                       const std::string& country = "DE") {
    return testing::PackOrder(customer_id_, "e2e-client", key, packs, token, country);
  }

  ord::Order Place(const ord::CreateOrderRequest& request) {
    ord::Order order;
    grpc::Status status = orders_->CreateOrder(Context(20).get(), request, &order);
    EXPECT_TRUE(status.ok()) << status.error_message() << "\n" << order_.log();
    return order;
  }

  int64_t Available(const std::string& sku) {
    inv::GetAvailabilityRequest request;
    request.set_sku(sku);
    inv::GetAvailabilityResponse response;
    EXPECT_TRUE(inventory_stub_->GetAvailability(Context().get(), request, &response).ok());
    return response.total_available();
  }

  inv::Reservation ReservationOf(const std::string& order_id) {
    inv::GetReservationRequest request;
    request.set_order_id(order_id);
    inv::Reservation reservation;
    EXPECT_TRUE(inventory_stub_->GetReservation(Context().get(), request, &reservation).ok());
    return reservation;
  }

  bil::ListPaymentsResponse PaymentsOf(const std::string& order_id) {
    bil::ListPaymentsRequest request;
    request.set_order_id(order_id);
    bil::ListPaymentsResponse response;
    EXPECT_TRUE(billing_stub_->ListPayments(Context().get(), request, &response).ok());
    return response;
  }

  void RecordEvent(const std::string& shipment_id, shp::ShipmentEventType type, int minute) {
    shp::RecordShipmentEventRequest event;
    event.set_shipment_id(shipment_id);
    event.set_type(type);
    event.mutable_occurred_at()->set_seconds(1790000000 + minute * 60);
    event.set_location("Hamburg");
    shp::RecordShipmentEventResponse recorded;
    grpc::Status status = shipping_stub_->RecordShipmentEvent(Context().get(), event, &recorded);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // Polls until `done` holds for the order (bounded), and returns the order last read.
  ord::Order WaitForOrder(const std::string& order_id,
                          const std::function<bool(const ord::Order&)>& done,
                          const std::string& what) {
    ord::GetOrderRequest get;
    get.set_id(order_id);
    ord::Order read;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      EXPECT_TRUE(orders_->GetOrder(Context().get(), get, &read).ok());
      if (done(read)) return read;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "waited in vain for " << what << "; the order is "
                  << ord::OrderStatus_Name(read.status()) << "\n"
                  << order_.log();
    return read;
  }

  // A WatchOrder stream of the order from `after` (a resume token or an event id; "" for the
  // start), ended by a 30 s deadline at the latest.
  std::unique_ptr<grpc::ClientReader<ord::TimelineEvent>> Watch(grpc::ClientContext& context,
                                                                const std::string& order_id,
                                                                const std::string& after = "") {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ord::WatchOrderRequest request;
    request.set_id(order_id);
    request.set_after_event_id(after);
    return orders_->WatchOrder(&context, request);
  }

  ord::Order WaitForStatus(const std::string& order_id, ord::OrderStatus wanted) {
    return WaitForOrder(
        order_id, [wanted](const ord::Order& order) { return order.status() == wanted; },
        ord::OrderStatus_Name(wanted));
  }

  void ExpectInventoryConsistent() {
    inv::CheckInvariantsResponse invariants;
    ASSERT_TRUE(inventory_stub_
                    ->CheckInvariants(Context().get(), inv::CheckInvariantsRequest(), &invariants)
                    .ok());
    for (const auto& violation : invariants.violations()) {
      ADD_FAILURE() << violation.invariant() << ": " << violation.detail();
    }
  }

  ServiceUnderTest inventory_{OMS_INVENTORY_BIN, "OMS_INVENTORY"};
  ServiceUnderTest billing_{OMS_BILLING_BIN, "OMS_BILLING"};
  ServiceUnderTest shipping_{OMS_SHIPPING_BIN, "OMS_SHIPPING"};
  ServiceUnderTest order_{OMS_ORDER_BIN, "OMS_ORDER"};
  std::unique_ptr<inv::InventoryService::Stub> inventory_stub_;
  std::unique_ptr<bil::BillingService::Stub> billing_stub_;
  std::unique_ptr<shp::ShippingService::Stub> shipping_stub_;
  std::unique_ptr<ord::OrderService::Stub> orders_;
  std::map<std::string, std::string> warehouses_;
  std::string customer_id_;
};

TEST_F(OrderE2eTest, ASplitOrderIsConfirmedWithStockPaymentAndAShipmentPerWarehouse) {
  ord::Order order = Place(OrderRequest("key-split", 8));
  ASSERT_EQ(order.status(), ord::ORDER_STATUS_CONFIRMED) << order.rejection_reason();
  // 8 x 79.99 EUR at Germany's 19 %: billing's quote, to the cent.
  EXPECT_EQ(order.subtotal().amount_minor(), 8 * 7999);
  EXPECT_EQ(order.tax().amount_minor(), 8 * 1520);
  EXPECT_EQ(order.total().amount_minor(), 8 * (7999 + 1520));
  ASSERT_EQ(order.allocation().groups_size(), 2);
  EXPECT_EQ(order.allocation().groups(0).warehouse_code(), "HAM-1");  // nearest first
  ASSERT_EQ(order.shipments_size(), 2);
  EXPECT_FALSE(order.payment().payment_id().empty());

  inv::Reservation reservation = ReservationOf(order.id());
  EXPECT_EQ(reservation.state(), inv::RESERVATION_STATE_HELD);
  EXPECT_EQ(Available("PACK"), 10 - 8);
  auto payments = PaymentsOf(order.id());
  ASSERT_EQ(payments.payments_size(), 1);
  EXPECT_EQ(payments.payments(0).status(), bil::PAYMENT_STATUS_AUTHORIZED);
  EXPECT_EQ(payments.payments(0).authorized().amount_minor(), order.total().amount_minor());
  shp::ListShipmentsRequest list;
  list.set_order_id(order.id());
  shp::ListShipmentsResponse shipments;
  ASSERT_TRUE(shipping_stub_->ListShipments(Context().get(), list, &shipments).ok());
  EXPECT_EQ(shipments.shipments_size(), 2);

  ord::GetOrderRequest get;
  get.set_id(order.id());
  ord::Order read;
  ASSERT_TRUE(orders_->GetOrder(Context().get(), get, &read).ok());
  EXPECT_EQ(read.status(), ord::ORDER_STATUS_CONFIRMED);
  EXPECT_EQ(read.lines(0).name(), "Product PACK");
  ExpectInventoryConsistent();
}

// Shipment events drive the order on: each shipped shipment commits its stock and captures its
// share (one invoice each); once every shipment is delivered the order is COMPLETED.
TEST_F(OrderE2eTest, ASplitOrderRunsToCompletedThroughShipmentEvents) {
  auto request = OrderRequest("key-complete", 8);
  ord::Order order = Place(request);
  ASSERT_EQ(order.status(), ord::ORDER_STATUS_CONFIRMED) << order.rejection_reason();
  ASSERT_EQ(order.shipments_size(), 2);
  RecordEvent(order.shipments(0).shipment_id(), shp::SHIPMENT_EVENT_TYPE_SHIPPED, 1);
  WaitForStatus(order.id(), ord::ORDER_STATUS_PARTIALLY_SHIPPED);
  RecordEvent(order.shipments(1).shipment_id(), shp::SHIPMENT_EVENT_TYPE_SHIPPED, 2);
  RecordEvent(order.shipments(0).shipment_id(), shp::SHIPMENT_EVENT_TYPE_DELIVERED, 3);
  WaitForStatus(order.id(), ord::ORDER_STATUS_PARTIALLY_DELIVERED);
  RecordEvent(order.shipments(1).shipment_id(), shp::SHIPMENT_EVENT_TYPE_DELIVERED, 4);
  ord::Order completed = WaitForStatus(order.id(), ord::ORDER_STATUS_COMPLETED);
  EXPECT_EQ(completed.status(), ord::ORDER_STATUS_COMPLETED);

  // Captured exactly the order total, in one invoice per shipment.
  auto payments = PaymentsOf(order.id());
  ASSERT_EQ(payments.payments_size(), 1);
  EXPECT_EQ(payments.payments(0).captured().amount_minor(), order.total().amount_minor());
  EXPECT_EQ(payments.payments(0).status(), bil::PAYMENT_STATUS_CAPTURED);
  bil::ListInvoicesRequest invoices_request;
  invoices_request.set_order_id(order.id());
  bil::ListInvoicesResponse invoices;
  ASSERT_TRUE(billing_stub_->ListInvoices(Context().get(), invoices_request, &invoices).ok());
  ASSERT_EQ(invoices.invoices_size(), 2);
  EXPECT_EQ(
      invoices.invoices(0).total().amount_minor() + invoices.invoices(1).total().amount_minor(),
      order.total().amount_minor());
  // The stock left the warehouses: nothing held, on hand down by what shipped.
  EXPECT_EQ(ReservationOf(order.id()).state(), inv::RESERVATION_STATE_COMMITTED);
  inv::GetAvailabilityRequest availability_request;
  availability_request.set_sku("PACK");
  inv::GetAvailabilityResponse availability;
  ASSERT_TRUE(
      inventory_stub_->GetAvailability(Context().get(), availability_request, &availability).ok());
  int64_t on_hand = 0, reserved = 0;
  for (const auto& level : availability.levels()) {
    on_hand += level.on_hand();
    reserved += level.reserved();
  }
  EXPECT_EQ(on_hand, 10 - 8);
  EXPECT_EQ(reserved, 0);
  ExpectInventoryConsistent();

  // The timeline tells the whole story in time order, from every service.
  ord::GetOrderTimelineRequest timeline_request;
  timeline_request.set_id(order.id());
  ord::OrderTimeline timeline;
  ASSERT_TRUE(orders_->GetOrderTimeline(Context().get(), timeline_request, &timeline).ok());
  std::map<std::string, int> by_source;
  std::vector<std::string> kinds;
  for (int i = 0; i < timeline.events_size(); ++i) {
    const auto& event = timeline.events(i);
    ++by_source[event.source()];
    kinds.push_back(event.kind());
    if (i > 0) {
      const auto& previous = timeline.events(i - 1).time();
      EXPECT_LE(std::make_pair(previous.seconds(), previous.nanos()),
                std::make_pair(event.time().seconds(), event.time().nanos()));
    }
  }
  EXPECT_GE(by_source["order"], 6);  // PENDING .. COMPLETED
  // The order saga (reserve, authorize, ship: keep-reservation is passed without a journal row)
  // and two shipment sagas of two steps each.
  EXPECT_GE(by_source["saga"], 3 + 2 * 2);
  EXPECT_EQ(by_source["billing"], 3);   // one authorization, two captures
  EXPECT_EQ(by_source["shipping"], 4);  // two shipped, two delivered
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "STATUS_COMPLETED"), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "CAPTURE APPROVED"), kinds.end());

  // order-service's metrics: every saga of the order ran through and none is open.
  const std::string metrics_url =
      absl::StrCat("http://127.0.0.1:", order_.metrics_port(), "/metrics");
  std::string metrics;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto scraped = testing::HttpGet(metrics_url);
    ASSERT_TRUE(scraped.ok()) << scraped.status();
    metrics = *scraped;
    auto capturing =
        testing::SampleValue(metrics, R"(oms_order_sagas_in_flight{step="capture-payment"})");
    auto keeping =
        testing::SampleValue(metrics, R"(oms_order_sagas_in_flight{step="keep-reservation"})");
    // Every shipment event taken in: the consumer's lag is back to zero.
    auto lag =
        testing::SampleValue(metrics, R"(oms_order_event_consumer_lag_seconds{stream="shipping"})");
    if (capturing.ok() && keeping.ok() && lag.ok() && *capturing == 0 && *keeping == 0 &&
        *lag == 0) {
      break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << metrics;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(*testing::SampleValue(metrics, "oms_order_sagas_needs_attention"), 0);
  EXPECT_EQ(*testing::SampleValue(metrics, "oms_order_watch_streams"), 0);
  EXPECT_EQ(*testing::SampleValue(metrics, "oms_order_orders_created_total"), 1);
  EXPECT_EQ(*testing::SampleValue(metrics, R"(oms_order_sagas_finished_total{phase="COMPLETED"})"),
            1);
  EXPECT_EQ(
      *testing::SampleValue(
          metrics,
          R"(oms_order_saga_steps_total{action="FORWARD",outcome="OK",step="capture-payment"})"),
      2);
  absl::Status lint = testing::PromtoolCheckMetrics(metrics);
  EXPECT_TRUE(lint.ok()) << lint;
}

// The tax rate an order was priced at is the rate its shipments are invoiced at, even when the
// destination's rate changed in between: the captures add up to the authorized total.
TEST_F(OrderE2eTest, ShipmentsAreInvoicedAtTheRateTheOrderWasPricedAt) {
  ord::Order order = Place(OrderRequest("key-rate-change", 8));
  ASSERT_EQ(order.status(), ord::ORDER_STATUS_CONFIRMED) << order.rejection_reason();
  ASSERT_EQ(order.shipments_size(), 2);
  ASSERT_GT(order.tax().amount_minor(), 0);
  {
    pqxx::connection connection(billing_.database_url());
    pqxx::work tx(connection);
    ASSERT_EQ(tx.exec("UPDATE tax_rates SET rate_bp = rate_bp + 300 WHERE country = 'DE'")
                  .affected_rows(),
              1u);
    tx.commit();
  }
  RecordEvent(order.shipments(0).shipment_id(), shp::SHIPMENT_EVENT_TYPE_SHIPPED, 1);
  RecordEvent(order.shipments(1).shipment_id(), shp::SHIPMENT_EVENT_TYPE_SHIPPED, 2);
  WaitForOrder(
      order.id(),
      [this](const ord::Order& read) {
        auto payments = PaymentsOf(read.id());
        return payments.payments_size() == 1 &&
               payments.payments(0).status() == bil::PAYMENT_STATUS_CAPTURED;
      },
      "the payment captured in full");
  EXPECT_EQ(PaymentsOf(order.id()).payments(0).captured().amount_minor(),
            order.total().amount_minor());
  bil::ListInvoicesRequest invoices_request;
  invoices_request.set_order_id(order.id());
  bil::ListInvoicesResponse invoices;
  ASSERT_TRUE(billing_stub_->ListInvoices(Context().get(), invoices_request, &invoices).ok());
  ASSERT_EQ(invoices.invoices_size(), 2);
  for (const auto& invoice : invoices.invoices()) {
    for (const auto& line : invoice.lines()) {
      EXPECT_EQ(line.tax_rate_bp(), order.lines(0).tax_rate_bp());
    }
  }
}

// WatchOrder: the timeline so far, then each new event as it happens (a carrier's scan posted
// late included), and after a reconnect with the last resume token seen, only what came since.
TEST_F(OrderE2eTest, AWatcherSeesEachEventOnceAndResumesAfterItsLastToken) {
  ord::Order order = Place(OrderRequest("key-watch", 1));
  ASSERT_EQ(order.status(), ord::ORDER_STATUS_CONFIRMED) << order.rejection_reason();
  ASSERT_EQ(order.shipments_size(), 1);
  const std::string shipment_id = order.shipments(0).shipment_id();
  ord::GetOrderTimelineRequest timeline_request;
  timeline_request.set_id(order.id());
  // The saga's last save may still be under way as CONFIRMED is read: wait for its journal
  // entry, so that the timeline stands still while the watcher connects.
  ord::OrderTimeline so_far;
  const auto settle_by = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (bool settled = false; !settled;) {
    ASSERT_LT(std::chrono::steady_clock::now(), settle_by) << "the order saga never finished";
    so_far.Clear();
    ASSERT_TRUE(orders_->GetOrderTimeline(Context().get(), timeline_request, &so_far).ok());
    for (const auto& event : so_far.events()) {
      settled = settled || event.kind() == "ship FORWARD OK";
    }
    if (!settled) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(so_far.events_size(), 6);

  std::set<std::string> seen;
  std::string last_token;
  // Reads until an event of `kind` from `source` arrives; every event is new.
  auto read_until = [&](grpc::ClientReaderInterface<ord::TimelineEvent>& reader,
                        const std::string& source, const std::string& kind) {
    ord::TimelineEvent event;
    while (reader.Read(&event)) {
      EXPECT_TRUE(seen.insert(event.id()).second) << "sent twice: " << event.id();
      EXPECT_FALSE(event.resume_token().empty()) << event.kind();
      last_token = event.resume_token();
      if (event.source() == source && event.kind() == kind) return true;
    }
    return false;
  };

  {
    grpc::ClientContext context;
    auto reader = Watch(context, order.id());
    // First everything so far: the same events as the timeline.
    for (int i = 0; i < so_far.events_size(); ++i) {
      ord::TimelineEvent event;
      ASSERT_TRUE(reader->Read(&event)) << i;
      EXPECT_TRUE(seen.insert(event.id()).second);
      last_token = event.resume_token();
    }
    std::set<std::string> timeline_ids;
    for (const auto& event : so_far.events()) timeline_ids.insert(event.id());
    EXPECT_EQ(seen, timeline_ids);
    // Then a new event as it happens: the scan says it happened months ago, it arrives now.
    RecordEvent(shipment_id, shp::SHIPMENT_EVENT_TYPE_SHIPPED, 1);
    ASSERT_TRUE(read_until(*reader, "shipping", "SHIPPED"));
    // The shipment saga it starts shows up too: the stock committed, the payment captured.
    ASSERT_TRUE(read_until(*reader, "billing", "CAPTURE APPROVED"));
    context.TryCancel();
    reader->Finish();
  }

  // Away for a while: the parcel is delivered, then the watcher comes back with its last token.
  RecordEvent(shipment_id, shp::SHIPMENT_EVENT_TYPE_DELIVERED, 2);
  WaitForStatus(order.id(), ord::ORDER_STATUS_COMPLETED);
  grpc::ClientContext context;
  auto reader = Watch(context, order.id(), last_token);
  ASSERT_TRUE(read_until(*reader, "shipping", "DELIVERED"));
  ASSERT_TRUE(read_until(*reader, "order", "STATUS_COMPLETED"));
  context.TryCancel();
  reader->Finish();

  // Every event of the final timeline was sent exactly once over the two streams.
  ord::OrderTimeline final_timeline;
  ASSERT_TRUE(orders_->GetOrderTimeline(Context().get(), timeline_request, &final_timeline).ok());
  std::set<std::string> all;
  for (const auto& event : final_timeline.events()) all.insert(event.id());
  EXPECT_EQ(seen, all);

  // Bad input is refused before anything is read.
  grpc::ClientContext bad_context;
  ord::WatchOrderRequest bad;
  bad.set_id(order.id());
  bad.set_after_event_id("yesterday");
  auto refused = orders_->WatchOrder(&bad_context, bad);
  ord::TimelineEvent nothing;
  EXPECT_FALSE(refused->Read(&nothing));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext missing_context;
  ord::WatchOrderRequest missing;
  missing.set_id("00000000-0000-4000-8000-000000000000");
  auto not_found = orders_->WatchOrder(&missing_context, missing);
  EXPECT_FALSE(not_found->Read(&nothing));
  EXPECT_EQ(not_found->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

// A capture's transaction row is recorded before billing asks the provider and commits after it
// answers; here the provider takes 4 s, and a carrier scan recorded meanwhile commits first.
// A watcher that saw the scan and reconnects from it must still be sent the capture, though
// the capture's id sorts before the scan's (the clock position of its last id excludes it).
TEST_F(OrderE2eTest, AWatcherResumingAfterALaterEventStillGetsACaptureThatCommittedLate) {
  ord::Order order = Place(OrderRequest("key-late-capture", 1));
  ASSERT_EQ(order.status(), ord::ORDER_STATUS_CONFIRMED) << order.rejection_reason();
  ASSERT_EQ(order.shipments_size(), 1);
  const std::string shipment_id = order.shipments(0).shipment_id();
  ASSERT_TRUE(
      billing_.Restart({{"OMS_FAILPOINTS", "billing.capture.before_commit=sleep(4000)"}}).ok());
  ord::GetOrderTimelineRequest timeline_request;
  timeline_request.set_id(order.id());
  auto timeline_has = [&](const std::string& kind) {
    ord::OrderTimeline timeline;
    EXPECT_TRUE(orders_->GetOrderTimeline(Context().get(), timeline_request, &timeline).ok());
    for (const auto& event : timeline.events()) {
      if (event.kind() == kind) return true;
    }
    return false;
  };

  std::set<std::string> seen;
  std::map<std::string, std::string> id_of;  // by kind
  std::string last_token;
  auto read_until = [&](grpc::ClientReaderInterface<ord::TimelineEvent>& reader,
                        const std::string& kind) {
    ord::TimelineEvent event;
    while (reader.Read(&event)) {
      EXPECT_TRUE(seen.insert(event.id()).second) << "sent twice: " << event.kind();
      id_of[event.kind()] = event.id();
      last_token = event.resume_token();
      if (event.kind() == kind) return true;
    }
    return false;
  };

  {
    grpc::ClientContext context;
    auto reader = Watch(context, order.id());
    ASSERT_TRUE(read_until(*reader, "STATUS_CONFIRMED"));
    // Shipped: the shipment saga commits the stock, then the capture waits on the provider.
    RecordEvent(shipment_id, shp::SHIPMENT_EVENT_TYPE_SHIPPED, 1);
    const auto by = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!timeline_has("commit-stock FORWARD OK")) {
      ASSERT_LT(std::chrono::steady_clock::now(), by) << "the stock was never committed";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the capture has begun
    RecordEvent(shipment_id, shp::SHIPMENT_EVENT_TYPE_IN_TRANSIT, 2);
    ASSERT_TRUE(read_until(*reader, "IN_TRANSIT"));
    EXPECT_EQ(id_of.count("CAPTURE APPROVED"), 0u) << "the capture was meant to be still open";
    context.TryCancel();
    reader->Finish();
  }

  // The capture commits; the watcher comes back from the scan's token.
  WaitForOrder(
      order.id(), [](const ord::Order& read) { return read.status() == ord::ORDER_STATUS_SHIPPED; },
      "the shipment saga to capture");
  grpc::ClientContext context;
  auto reader = Watch(context, order.id(), last_token);
  ASSERT_TRUE(read_until(*reader, "CAPTURE APPROVED"));
  // The hole this closes: by id (recorded time), the capture comes before the scan.
  EXPECT_LT(id_of["CAPTURE APPROVED"], id_of["IN_TRANSIT"]);
  // Then the rest as it commits, until the two streams together sent exactly the timeline.
  auto timeline_ids = [&] {
    ord::OrderTimeline timeline;
    EXPECT_TRUE(orders_->GetOrderTimeline(Context().get(), timeline_request, &timeline).ok());
    std::set<std::string> ids;
    for (const auto& event : timeline.events()) ids.insert(event.id());
    return ids;
  };
  ord::TimelineEvent event;
  while (seen != timeline_ids() && reader->Read(&event)) {
    EXPECT_TRUE(seen.insert(event.id()).second) << "sent twice: " << event.kind();
  }
  EXPECT_EQ(seen, timeline_ids());
  context.TryCancel();
  reader->Finish();
}

// The consumer's lag: while a shipment event cannot be taken in (here the cursor row is held by
// another transaction), the age of the oldest event past the cursor shows; once it is taken
// in, the lag is back to zero.
TEST_F(OrderE2eTest, TheConsumerLagShowsAnEventNotYetTakenIn) {
  ord::Order order = Place(OrderRequest("key-lag", 1));
  ASSERT_EQ(order.status(), ord::ORDER_STATUS_CONFIRMED) << order.rejection_reason();
  const std::string metrics_url =
      absl::StrCat("http://127.0.0.1:", order_.metrics_port(), "/metrics");
  auto lag = [&]() -> double {
    auto scraped = testing::HttpGet(metrics_url);
    if (!scraped.ok()) return -1;
    auto value = testing::SampleValue(*scraped,
                                      R"(oms_order_event_consumer_lag_seconds{stream="shipping"})");
    return value.ok() ? *value : -1;
  };
  auto wait_for_lag = [&](const std::function<bool(double)>& wanted, const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    double seen = lag();
    while (!wanted(seen) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      seen = lag();
    }
    EXPECT_TRUE(wanted(seen)) << what << ", the lag is " << seen;
  };
  wait_for_lag([](double seconds) { return seconds == 0; }, "caught up at first");

  pqxx::connection connection(order_.database_url());
  pqxx::work holding(connection);
  holding.exec("SELECT last_sequence FROM event_cursors WHERE stream = 'shipping' FOR UPDATE");
  RecordEvent(order.shipments(0).shipment_id(), shp::SHIPMENT_EVENT_TYPE_PICKED, 1);
  wait_for_lag([](double seconds) { return seconds > 0; }, "an event waits");
  holding.abort();
  wait_for_lag([](double seconds) { return seconds == 0; }, "taken in");
}

// A return of delivered units: a return shipment, then on receipt the resellable unit back on
// hand, the damaged one in the ledger only, the two units refunded with a credit note.
TEST_F(OrderE2eTest, AReturnIsRestockedRefundedAndCredited) {
  ord::Order order = Place(OrderRequest("key-return", 2));
  ASSERT_EQ(order.status(), ord::ORDER_STATUS_CONFIRMED) << order.rejection_reason();
  ASSERT_EQ(order.shipments_size(), 1);
  const std::string shipment = order.shipments(0).shipment_id();
  ord::CreateReturnRequest too_early;
  too_early.set_request_id("rma-early");
  too_early.set_order_id(order.id());
  auto* early_line = too_early.add_lines();
  early_line->set_sku("PACK");
  early_line->set_quantity(1);
  ord::Return refused;
  EXPECT_EQ(orders_->CreateReturn(Context().get(), too_early, &refused).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // nothing delivered yet
  RecordEvent(shipment, shp::SHIPMENT_EVENT_TYPE_SHIPPED, 1);
  RecordEvent(shipment, shp::SHIPMENT_EVENT_TYPE_DELIVERED, 2);
  WaitForStatus(order.id(), ord::ORDER_STATUS_COMPLETED);

  ord::CreateReturnRequest too_many = too_early;
  too_many.set_request_id("rma-too-many");
  too_many.mutable_lines(0)->set_quantity(3);
  grpc::Status status = orders_->CreateReturn(Context().get(), too_many, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("lines[0].quantity"), std::string::npos);

  ord::CreateReturnRequest request = too_early;
  request.set_request_id("rma-1");
  request.mutable_lines(0)->set_quantity(2);
  request.set_reason("too small");
  ord::Return ret;
  ASSERT_TRUE(orders_->CreateReturn(Context().get(), request, &ret).ok());
  EXPECT_EQ(ret.status(), ord::RETURN_STATUS_REQUESTED);
  ord::Return again;
  ASSERT_TRUE(orders_->CreateReturn(Context().get(), request, &again).ok());
  EXPECT_EQ(again.id(), ret.id());  // a retry answers the same return

  ord::ReceiveReturnRequest receive;
  receive.set_request_id("rma-1:receive");
  receive.set_return_id(ret.id());
  receive.set_warehouse_id(ret.warehouse_id());
  auto* good = receive.add_lines();
  good->set_sku("PACK");
  good->set_quantity(1);
  good->set_resellable(true);
  auto* broken = receive.add_lines();
  broken->set_sku("PACK");
  broken->set_quantity(1);
  broken->set_resellable(false);
  ord::Return received;
  // Until the RETURN saga created the return shipment, a receipt answers ABORTED (retry).
  grpc::Status receipt;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    receipt = orders_->ReceiveReturn(Context().get(), receive, &received);
    if (receipt.error_code() != grpc::StatusCode::ABORTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(receipt.ok()) << receipt.error_message();
  EXPECT_EQ(received.status(), ord::RETURN_STATUS_RECEIVED);
  ord::Order returned = WaitForOrder(
      order.id(), [](const ord::Order& o) { return o.return_status() == "RETURNED"; },
      "the return to be refunded");
  EXPECT_EQ(returned.status(), ord::ORDER_STATUS_COMPLETED);

  auto payments = PaymentsOf(order.id());
  ASSERT_EQ(payments.payments_size(), 1);
  EXPECT_EQ(payments.payments(0).refunded().amount_minor(), order.total().amount_minor());
  bil::ListInvoicesRequest documents_request;
  documents_request.set_order_id(order.id());
  bil::ListInvoicesResponse documents;
  ASSERT_TRUE(billing_stub_->ListInvoices(Context().get(), documents_request, &documents).ok());
  ASSERT_EQ(documents.credit_notes_size(), 1);
  EXPECT_EQ(documents.credit_notes(0).total().amount_minor(), order.total().amount_minor());
  // One unit back on hand where it was received; the damaged one is not for sale.
  EXPECT_EQ(Available("PACK"), 10 - 2 + 1);
  ExpectInventoryConsistent();
}

// Cancel after one of two shipments shipped: the other is cancelled, its stock released and
// its share voided; the shipped one is delivered and captured, and the order completes.
TEST_F(OrderE2eTest, CancelAfterOneOfTwoShipmentsShippedKeepsTheShippedPart) {
  ord::Order order = Place(OrderRequest("key-cancel-partly", 8));
  ASSERT_EQ(order.status(), ord::ORDER_STATUS_CONFIRMED) << order.rejection_reason();
  ASSERT_EQ(order.shipments_size(), 2);
  const ord::ShipmentSummary& shipped = order.shipments(0);
  RecordEvent(shipped.shipment_id(), shp::SHIPMENT_EVENT_TYPE_SHIPPED, 1);
  WaitForStatus(order.id(), ord::ORDER_STATUS_PARTIALLY_SHIPPED);

  ord::CancelOrderRequest cancel;
  cancel.set_id(order.id());
  cancel.set_reason("customer changed their mind");
  ord::Order cancelling;
  grpc::Status status = orders_->CancelOrder(Context().get(), cancel, &cancelling);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // The unshipped share is voided once the cancellation saga ran.
  int64_t unit_total = 7999 + 1520;
  int64_t shipped_units = 0;
  for (const auto& group : order.allocation().groups()) {
    if (group.warehouse_id() == shipped.warehouse_id()) shipped_units = group.lines(0).quantity();
  }
  WaitForOrder(
      order.id(),
      [&](const ord::Order&) {
        auto payments = PaymentsOf(order.id());
        return payments.payments_size() == 1 &&
               payments.payments(0).voided().amount_minor() == (8 - shipped_units) * unit_total &&
               payments.payments(0).captured().amount_minor() == shipped_units * unit_total;
      },
      "the capture of the shipped part and the void of the rest");
  EXPECT_EQ(Available("PACK"), 10 - shipped_units);  // the cancelled part is free again
  // Cancelling again changes nothing.
  ASSERT_TRUE(orders_->CancelOrder(Context().get(), cancel, &cancelling).ok());

  RecordEvent(shipped.shipment_id(), shp::SHIPMENT_EVENT_TYPE_DELIVERED, 2);
  WaitForStatus(order.id(), ord::ORDER_STATUS_COMPLETED);
  auto payments = PaymentsOf(order.id());
  EXPECT_EQ(payments.payments(0).authorized().amount_minor(),
            payments.payments(0).captured().amount_minor() +
                payments.payments(0).voided().amount_minor());
  EXPECT_EQ(ReservationOf(order.id()).state(), inv::RESERVATION_STATE_COMMITTED);
  ExpectInventoryConsistent();
}

// An edit racing a SHIPPED event, made to lose the race: order-service waits before the edit's
// pivot while the parcel ships. Shipping refuses to cancel a shipped parcel, so the EDIT saga
// compensates: the unit it held goes back on the shelf and the increase it authorized is voided.
// The order stays at version 1 and is billed as placed; captured + voided = authorized.
TEST_F(OrderE2eTest, AnEditLosingTheRaceToAShipmentIsUndoneAndTheOrderStaysAsItWas) {
  ASSERT_TRUE(
      order_.Restart({{"OMS_FAILPOINTS", "order.before_cancel-previous=sleep(3000)"}}).ok());
  ord::Order order = Place(OrderRequest("key-edit-race", 2));
  ASSERT_EQ(order.status(), ord::ORDER_STATUS_CONFIRMED) << order.rejection_reason();
  ASSERT_EQ(order.version(), 1);
  const int64_t total = order.total().amount_minor();

  ord::ModifyOrderRequest edit;
  edit.set_order_id(order.id());
  edit.set_request_id("edit-race-1");
  edit.set_version(1);
  auto* line = edit.add_lines();
  line->set_sku("PACK");
  line->set_quantity(3);
  ord::Order answered;
  grpc::Status status = orders_->ModifyOrder(Context().get(), edit, &answered);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answered.version(), 1);
  for (const auto& shipment : order.shipments()) {
    RecordEvent(shipment.shipment_id(), shp::SHIPMENT_EVENT_TYPE_SHIPPED, 1);
  }
  // The edit undone: its unit released (its last compensation). Whether the increase was
  // authorized first and then voided, or refused because the parcel's capture took the whole
  // payment meanwhile, nothing of it remains open.
  WaitForOrder(
      order.id(),
      [&](const ord::Order&) {
        ord::GetOrderTimelineRequest timeline_request;
        timeline_request.set_id(order.id());
        ord::OrderTimeline timeline;
        if (!orders_->GetOrderTimeline(Context().get(), timeline_request, &timeline).ok()) {
          return false;
        }
        for (const auto& event : timeline.events()) {
          if (event.kind() == "reserve-added COMPENSATE OK") return true;
        }
        return false;
      },
      "the edit undone");
  EXPECT_EQ(Available("PACK"), 8);
  {
    auto payments = PaymentsOf(order.id());
    ASSERT_EQ(payments.payments_size(), 1);
    EXPECT_EQ(payments.payments(0).authorized().amount_minor() -
                  payments.payments(0).voided().amount_minor(),
              total);
  }
  // The order's two units are held or, shipped, committed; the edit's third is released.
  int64_t kept = 0;
  const inv::Reservation reservation = ReservationOf(order.id());
  for (const auto& kept_line : reservation.lines())
    kept += kept_line.held() + kept_line.committed();
  EXPECT_EQ(kept, 2);

  for (const auto& shipment : order.shipments()) {
    RecordEvent(shipment.shipment_id(), shp::SHIPMENT_EVENT_TYPE_DELIVERED, 2);
  }
  const ord::Order completed = WaitForStatus(order.id(), ord::ORDER_STATUS_COMPLETED);
  EXPECT_EQ(completed.version(), 1);
  EXPECT_EQ(completed.total().amount_minor(), total);
  auto payments = PaymentsOf(order.id());
  EXPECT_EQ(payments.payments(0).captured().amount_minor(), total);
  EXPECT_EQ(payments.payments(0).authorized().amount_minor(),
            payments.payments(0).captured().amount_minor() +
                payments.payments(0).voided().amount_minor());
  // The edit's request id answers the order as it is; a new edit now finds the parcel shipped.
  ASSERT_TRUE(orders_->ModifyOrder(Context().get(), edit, &answered).ok());
  edit.set_request_id("edit-race-2");
  status = orders_->ModifyOrder(Context().get(), edit, &answered);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("has shipped"), std::string::npos)
      << status.error_message();
  ExpectInventoryConsistent();
}

TEST_F(OrderE2eTest, CancellingAnUnshippedOrderCancelsItWholeAndAFinalOneIsRefused) {
  ord::Order order = Place(OrderRequest("key-cancel-all", 2));
  ASSERT_EQ(order.status(), ord::ORDER_STATUS_CONFIRMED);
  ord::CancelOrderRequest cancel;
  cancel.set_id(order.id());
  ord::Order cancelled;
  ASSERT_TRUE(orders_->CancelOrder(Context().get(), cancel, &cancelled).ok());
  WaitForStatus(order.id(), ord::ORDER_STATUS_CANCELLED);
  EXPECT_EQ(ReservationOf(order.id()).state(), inv::RESERVATION_STATE_RELEASED);
  auto payments = PaymentsOf(order.id());
  ASSERT_EQ(payments.payments_size(), 1);
  EXPECT_EQ(payments.payments(0).status(), bil::PAYMENT_STATUS_VOIDED);
  EXPECT_EQ(Available("PACK"), 10);

  ord::Order rejected = Place(OrderRequest("key-cancel-rejected", 1, "tok_chargeDeclined"));
  ASSERT_EQ(rejected.status(), ord::ORDER_STATUS_REJECTED);
  cancel.set_id(rejected.id());
  grpc::Status refused = orders_->CancelOrder(Context().get(), cancel, &cancelled);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ExpectInventoryConsistent();
}

TEST_F(OrderE2eTest, ADeclinedPaymentRejectsAndReleasesTheStock) {
  ord::Order order = Place(OrderRequest("key-declined", 3, "tok_chargeDeclined"));
  EXPECT_EQ(order.status(), ord::ORDER_STATUS_REJECTED);
  EXPECT_EQ(order.rejection_reason(), "PAYMENT_DECLINED");
  EXPECT_EQ(ReservationOf(order.id()).state(), inv::RESERVATION_STATE_RELEASED);
  EXPECT_EQ(Available("PACK"), 10);
  auto payments = PaymentsOf(order.id());
  for (const auto& payment : payments.payments()) {
    EXPECT_NE(payment.status(), bil::PAYMENT_STATUS_AUTHORIZED);  // nothing left open
  }
  ExpectInventoryConsistent();
}

TEST_F(OrderE2eTest, AnOutOfStockOrderIsRejectedWithoutAnyAuthorization) {
  ord::Order order = Place(OrderRequest("key-too-many", 11));
  EXPECT_EQ(order.status(), ord::ORDER_STATUS_REJECTED);
  EXPECT_EQ(order.rejection_reason(), "INSUFFICIENT_STOCK");
  EXPECT_EQ(Available("PACK"), 10);
  const auto payments = PaymentsOf(order.id());
  for (const auto& payment : payments.payments()) {
    EXPECT_NE(payment.status(), bil::PAYMENT_STATUS_AUTHORIZED);
  }
  ExpectInventoryConsistent();
}

TEST_F(OrderE2eTest, ADestinationNobodyServesIsRejectedAndTheAuthorizationVoided) {
  ord::Order order = Place(OrderRequest("key-far", 2, "tok_visa", "BR"));
  EXPECT_EQ(order.status(), ord::ORDER_STATUS_REJECTED);
  EXPECT_EQ(order.rejection_reason(), "DESTINATION_NOT_SERVED");
  EXPECT_EQ(ReservationOf(order.id()).state(), inv::RESERVATION_STATE_RELEASED);
  auto payments = PaymentsOf(order.id());
  ASSERT_EQ(payments.payments_size(), 1);
  EXPECT_EQ(payments.payments(0).status(), bil::PAYMENT_STATUS_VOIDED);
  EXPECT_EQ(Available("PACK"), 10);
  ExpectInventoryConsistent();
}

TEST_F(OrderE2eTest, ReplaysAnswerTheSameOrderAndAChangedBodyIsRefused) {
  auto request = OrderRequest("key-replay", 1);
  request.set_external_order_id("shop-4711");
  ord::Order first = Place(request);
  ASSERT_EQ(first.status(), ord::ORDER_STATUS_CONFIRMED);
  ord::Order again;
  grpc::ClientContext replay_context;
  replay_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  ASSERT_TRUE(orders_->CreateOrder(&replay_context, request, &again).ok());
  EXPECT_EQ(again.id(), first.id());
  auto replayed = replay_context.GetServerInitialMetadata().find("oms-replay");
  ASSERT_NE(replayed, replay_context.GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(replayed->second.data(), replayed->second.size()), "true");
  auto other_key = request;
  other_key.set_request_id("key-replay-2");  // same channel and external id
  EXPECT_EQ(Place(other_key).id(), first.id());

  auto changed = request;
  changed.mutable_lines(0)->set_quantity(2);
  ord::Order refused;
  grpc::Status status = orders_->CreateOrder(Context().get(), changed, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("request_id"), std::string::npos);
  EXPECT_EQ(Available("PACK"), 10 - 1);  // one order, one hold

  ord::ListOrdersRequest list;
  list.set_customer_id(customer_id_);
  ord::ListOrdersResponse listed;
  ASSERT_TRUE(orders_->ListOrders(Context().get(), list, &listed).ok());
  EXPECT_EQ(listed.orders_size(), 1);
}

TEST_F(OrderE2eTest, BadOrdersAreRefusedAndChangeNothing) {
  auto unknown_sku = OrderRequest("key-bad-1", 1);
  unknown_sku.mutable_lines(0)->set_sku("NOPE");
  ord::Order order;
  grpc::Status status = orders_->CreateOrder(Context().get(), unknown_sku, &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("lines[0].sku"), std::string::npos);

  auto too_many = OrderRequest("key-bad-2", 10001);
  status = orders_->CreateOrder(Context().get(), too_many, &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("lines[0].quantity"), std::string::npos);

  ord::ListOrdersResponse listed;
  ASSERT_TRUE(orders_->ListOrders(Context().get(), ord::ListOrdersRequest(), &listed).ok());
  EXPECT_EQ(listed.orders_size(), 0);
  EXPECT_EQ(Available("PACK"), 10);
}

}  // namespace
}  // namespace oms
