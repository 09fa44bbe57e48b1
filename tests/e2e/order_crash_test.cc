// Crash recovery of the order saga across the four real services (RELIABILITY.md, "kill -9 of
// each service at named failpoints"; OMS_FAILPOINTS="<name>=crash" makes the process exit with
// status 137 at that exact point, as kill -9 would).
//
// Failpoints, each exercised by one case below:
// - order-service, coordinator: order.before_<step> (claimed, right before the participant call)
//   and order.after_<step> (reply received, outcome not yet saved) for reserve, authorize, ship
//   (keep-reservation has nothing to do once reserve took the order's hold: no call to crash
//   around); order.before_compensate_reserve after a declined card (PAYMENT_DECLINED);
//   order.before_compensate_authorize and order.before_compensate_reserve after a destination
//   nobody serves (DESTINATION_NOT_SERVED: the second one crashes between the two compensations,
//   the authorization already voided); order.after_commit-stock and order.before_capture-payment
//   of the SHIPMENT saga a SHIPPED event starts.
// - participants, after their commit and before their reply (the server interceptor):
//   inventory.ReserveStock.before_reply, billing.AuthorizePayment.before_reply,
//   shipping.CreateShipments.before_reply on the way forward; the compensations'
//   billing.VoidPayment.before_reply (DESTINATION_NOT_SERVED) and
//   inventory.ReleaseReservation.before_reply (PAYMENT_DECLINED) on the way back.
//
// Each case: restart the one process concerned with the failpoint armed (the other three keep
// running, one suite for all cases), place an order (its CreateOrder fails, or answers PENDING,
// as the process dies), assert the process died at the failpoint (exit status 137, the
// failpoint's log line), restart it without the failpoint on the same database and ports, replay
// CreateOrder with the same idempotency key (it must answer the same order), wait until the
// order is final with the status and reason the case demands (CONFIRMED; REJECTED with
// PAYMENT_DECLINED or DESTINATION_NOT_SERVED; SHIPPED for the shipment saga), then run the
// invariant check as `omsctl check --at_rest` does (tools/check: the services' audit calls and
// the cross-service check of I1 to I7): zero violations, so no lost or duplicated order, no hold
// left, no double authorization, nothing captured that did not ship.
//
// Two replicas of order-service share the sagas (lease 2 s): one is killed (SIGKILL) while it
// holds the lease of sagas in flight; the survivor finishes every order after the lease expires.
// One is paused (SIGSTOP) past its lease while holding sagas; the other finishes them; when it is
// resumed its stale step is refused (LEASE_LOST) and changes nothing. (A replica paused inside a
// transaction kept its saga row locked and the survivor's SKIP LOCKED claim skipped it forever;
// order-service now sets idle_in_transaction_session_timeout to half the lease.) Both cases
// pause shipping first, so that the replica's sagas stall in their ship call with the lease held.
// A last case plants inconsistencies in the databases and expects the check to name each.
#include <chrono>
#include <memory>
#include <thread>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <signal.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "oms/order/v1/order.grpc.pb.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "tests/support/order_fixtures.h"
#include "tests/support/service_under_test.h"
#include "tools/check/suite_audit.h"

namespace oms {
namespace {

namespace inv = oms::inventory::v1;
namespace shp = oms::shipping::v1;
namespace ord = oms::order::v1;
using testing::ServiceUnderTest;
using Clock = std::chrono::steady_clock;

// A short lease, so that a restarted or surviving replica takes over a dead one's sagas quickly;
// the call deadline must stay at most half of it.
constexpr char kLeaseSeconds[] = "2";
constexpr char kCallDeadlineMs[] = "1000";
constexpr auto kFinalWithin = std::chrono::seconds(40);

std::unique_ptr<grpc::ClientContext> Context(
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

std::string Address(const ServiceUnderTest& service) {
  return absl::StrCat("127.0.0.1:", service.grpc_port());
}

bool IsFinalOrConfirmed(ord::OrderStatus status) {
  return status == ord::ORDER_STATUS_CONFIRMED || status == ord::ORDER_STATUS_REJECTED ||
         status == ord::ORDER_STATUS_CANCELLED || status == ord::ORDER_STATUS_COMPLETED ||
         status == ord::ORDER_STATUS_NEEDS_ATTENTION;
}

// The four services, started once for the whole file: a case restarts only the process it
// crashes.
struct Suite {
  ServiceUnderTest inventory{OMS_INVENTORY_BIN, "OMS_INVENTORY"};
  ServiceUnderTest billing{OMS_BILLING_BIN, "OMS_BILLING"};
  ServiceUnderTest shipping{OMS_SHIPPING_BIN, "OMS_SHIPPING"};
  ServiceUnderTest order{OMS_ORDER_BIN, "OMS_ORDER"};
  std::string customer_id;
};

class OrderCrashTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_ = new Suite;
    setup_error_ = Start();
  }

  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }

  static std::string Start() {
    for (auto* service : {&suite_->inventory, &suite_->billing, &suite_->shipping}) {
      absl::Status started = service->Start();
      if (!started.ok()) return started.ToString();
    }
    absl::Status started = suite_->order.Start(OrderEnv());
    if (!started.ok()) return absl::StrCat(started.ToString(), "\n", suite_->order.log());
    return Seed();
  }

  static std::map<std::string, std::string> OrderEnv() {
    return {{"OMS_INVENTORY_ADDR", Address(suite_->inventory)},
            {"OMS_BILLING_ADDR", Address(suite_->billing)},
            {"OMS_SHIPPING_ADDR", Address(suite_->shipping)},
            {"OMS_ORDER_SAGA_LEASE_SECONDS", kLeaseSeconds},
            {"OMS_CALL_DEADLINE_MS", kCallDeadlineMs}};
  }

  // Two warehouses holding plenty of PACK, and one customer.
  static std::string Seed() {
    auto warehouses = testing::SeedTwoWarehouses(suite_->inventory.channel(), 500, 500);
    if (!warehouses.ok()) return warehouses.status().ToString();
    auto customer = testing::CreateHamburgCustomer(suite_->order.channel(), "erika@example.com");
    if (!customer.ok()) return customer.status().ToString();
    suite_->customer_id = *customer;
    return "";
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    orders_ = ord::OrderService::NewStub(suite_->order.channel());
  }

  static ord::CreateOrderRequest OrderRequest(const std::string& key, int64_t packs,
                                              const std::string& token = "tok_visa",
                                              const std::string& country = "DE") {
    return testing::PackOrder(suite_->customer_id, "crash-client", key, packs, token, country);
  }

  // Restarts `service` with `failpoint` armed, so that the next call reaching it crashes there.
  static void Arm(ServiceUnderTest& service, const std::string& failpoint,
                  std::map<std::string, std::string> env = {}) {
    env["OMS_FAILPOINTS"] = failpoint + "=crash";
    absl::Status restarted = service.Restart(env);
    ASSERT_TRUE(restarted.ok()) << restarted << service.log();
  }

  // The process died at `failpoint`, as a crash; then it runs again without it.
  static void ExpectCrashedAtThenRestart(ServiceUnderTest& service, const std::string& failpoint) {
    auto status = service.process().WaitForExit(std::chrono::seconds(30));
    ASSERT_TRUE(status.ok()) << status.status() << " waiting for " << failpoint << "\n"
                             << service.log();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 137) << "wait status " << *status;
    EXPECT_NE(service.log().find(absl::StrCat("\"failpoint\":\"", failpoint, "\"")),
              std::string::npos)
        << "no failpoint log line for " << failpoint << "\n"
        << service.log();
    absl::Status restarted = service.Restart();
    ASSERT_TRUE(restarted.ok()) << restarted << service.log();
  }

  // CreateOrder as a client would retry it: the same request until it is answered.
  ord::Order PlaceUntilAnswered(const ord::CreateOrderRequest& request) {
    ord::Order order;
    grpc::Status status;
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      order.Clear();
      status = orders_->CreateOrder(Context(std::chrono::seconds(5)).get(), request, &order);
      if (status.ok()) return order;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "CreateOrder never answered: " << status.error_message() << "\n"
                  << suite_->order.log();
    return order;
  }

  // Polls GetOrder until the order is confirmed or final (or `wanted`, when given).
  ord::Order WaitUntilFinal(const std::string& order_id,
                            ord::OrderStatus wanted = ord::ORDER_STATUS_UNSPECIFIED) {
    ord::GetOrderRequest get;
    get.set_id(order_id);
    ord::Order read;
    const auto deadline = Clock::now() + kFinalWithin;
    while (Clock::now() < deadline) {
      read.Clear();
      grpc::Status status = orders_->GetOrder(Context().get(), get, &read);
      if (status.ok() &&
          (wanted == ord::ORDER_STATUS_UNSPECIFIED ? IsFinalOrConfirmed(read.status())
                                                   : read.status() == wanted)) {
        return read;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "order " << order_id << " stayed " << ord::OrderStatus_Name(read.status())
                  << "\n"
                  << suite_->order.log();
    return read;
  }

  // Every violation the suite shows at rest, through the services' audit calls. Pages of three
  // orders, so that the suite's few dozen orders take many pages of each service, merged.
  static absl::StatusOr<std::vector<std::string>> Violations() {
    check::AuditOptions audit;
    audit.page_size = 3;
    auto report = check::CheckSuite({suite_->order.channel(), suite_->inventory.channel(),
                                     suite_->billing.channel(), suite_->shipping.channel()},
                                    {/*at_rest=*/true, 0}, audit);
    if (!report.ok()) return report.status();
    return std::move(report->violations);
  }

  static void ExpectNoViolations() {
    auto violations = Violations();
    ASSERT_TRUE(violations.ok()) << violations.status();
    EXPECT_TRUE(violations->empty()) << absl::StrJoin(*violations, "\n");
  }

  // One crash case: arm `failpoint` in `crashing`, place `request`, restart `crashing` once it
  // died there, and see the order end `expected` (with `reason` when REJECTED), invariants clean.
  void CrashCase(ServiceUnderTest& crashing, const std::string& failpoint,
                 const ord::CreateOrderRequest& request, ord::OrderStatus expected,
                 const std::string& reason = "") {
    SCOPED_TRACE(failpoint);
    ASSERT_NO_FATAL_FAILURE(Arm(crashing, failpoint));
    {
      // Fails (order-service died) or answers PENDING before its deadline (a participant died
      // and the saga waits to retry it): either way the order's outcome is not known yet.
      ord::Order first;
      grpc::Status status =
          orders_->CreateOrder(Context(std::chrono::milliseconds(1500)).get(), request, &first);
      if (status.ok()) {
        EXPECT_EQ(first.status(), ord::ORDER_STATUS_PENDING);
      }
    }
    ASSERT_NO_FATAL_FAILURE(ExpectCrashedAtThenRestart(crashing, failpoint));
    ord::Order replayed = PlaceUntilAnswered(request);
    ASSERT_FALSE(replayed.id().empty());
    ord::Order final_order = WaitUntilFinal(replayed.id());
    EXPECT_EQ(final_order.status(), expected)
        << ord::OrderStatus_Name(final_order.status()) << " " << final_order.rejection_reason();
    if (expected == ord::ORDER_STATUS_REJECTED) {
      EXPECT_EQ(final_order.rejection_reason(), reason);
    }
    // The replay after the restart names the same order, and there is only one.
    EXPECT_EQ(PlaceUntilAnswered(request).id(), replayed.id());
    ExpectNoViolations();
  }

  static Suite* suite_;
  static std::string setup_error_;
  std::unique_ptr<ord::OrderService::Stub> orders_;
};

Suite* OrderCrashTest::suite_ = nullptr;
std::string OrderCrashTest::setup_error_;

TEST_F(OrderCrashTest, TheCoordinatorCrashingAroundEachForwardStepStillConfirms) {
  int n = 0;
  for (const char* step : {"reserve", "authorize", "ship"}) {
    for (const char* when : {"before_", "after_"}) {
      const std::string failpoint = absl::StrCat("order.", when, step);
      CrashCase(suite_->order, failpoint, OrderRequest(absl::StrCat("fwd-", n++), 2),
                ord::ORDER_STATUS_CONFIRMED);
      if (HasFatalFailure()) return;
    }
  }
}

TEST_F(OrderCrashTest, TheCoordinatorCrashingBeforeACompensationStillRejects) {
  CrashCase(suite_->order, "order.before_compensate_reserve",
            OrderRequest("comp-declined", 1, "tok_chargeDeclined"), ord::ORDER_STATUS_REJECTED,
            "PAYMENT_DECLINED");
  if (HasFatalFailure()) return;
  CrashCase(suite_->order, "order.before_compensate_authorize",
            OrderRequest("comp-far-1", 1, "tok_visa", "BR"), ord::ORDER_STATUS_REJECTED,
            "DESTINATION_NOT_SERVED");
  if (HasFatalFailure()) return;
  // Between the two compensations: the authorization is voided, the release not yet done.
  CrashCase(suite_->order, "order.before_compensate_reserve",
            OrderRequest("comp-far-2", 1, "tok_visa", "BR"), ord::ORDER_STATUS_REJECTED,
            "DESTINATION_NOT_SERVED");
}

TEST_F(OrderCrashTest, AParticipantCrashingAfterItsCommitBeforeItsReplyStillConfirms) {
  CrashCase(suite_->inventory, "inventory.ReserveStock.before_reply",
            OrderRequest("part-inventory", 1), ord::ORDER_STATUS_CONFIRMED);
  if (HasFatalFailure()) return;
  CrashCase(suite_->billing, "billing.AuthorizePayment.before_reply",
            OrderRequest("part-billing", 1), ord::ORDER_STATUS_CONFIRMED);
  if (HasFatalFailure()) return;
  CrashCase(suite_->shipping, "shipping.CreateShipments.before_reply",
            OrderRequest("part-shipping", 1), ord::ORDER_STATUS_CONFIRMED);
}

// A compensation whose participant committed it and died before answering: the coordinator
// retries it with the same request id, the participant answers from its record, and the order
// ends REJECTED with nothing held and nothing authorized.
TEST_F(OrderCrashTest, AParticipantCrashingBeforeItsCompensationsReplyStillRejects) {
  CrashCase(suite_->billing, "billing.VoidPayment.before_reply",
            OrderRequest("comp-part-billing", 1, "tok_visa", "BR"), ord::ORDER_STATUS_REJECTED,
            "DESTINATION_NOT_SERVED");
  if (HasFatalFailure()) return;
  CrashCase(suite_->inventory, "inventory.ReleaseReservation.before_reply",
            OrderRequest("comp-part-inventory", 1, "tok_chargeDeclined"),
            ord::ORDER_STATUS_REJECTED, "PAYMENT_DECLINED");
}

// The SHIPMENT saga a SHIPPED event starts: a crash after committing the stock, and one before
// capturing the payment; the order still ends SHIPPED with its stock committed once and exactly
// its total captured.
TEST_F(OrderCrashTest, TheCoordinatorCrashingInAShipmentSagaStillCapturesOnce) {
  auto shipping = shp::ShippingService::NewStub(suite_->shipping.channel());
  int minute = 0;
  for (const char* failpoint : {"order.after_commit-stock", "order.before_capture-payment"}) {
    SCOPED_TRACE(failpoint);
    ord::Order order = PlaceUntilAnswered(OrderRequest(absl::StrCat("ship-", failpoint), 1));
    ASSERT_EQ(WaitUntilFinal(order.id()).status(), ord::ORDER_STATUS_CONFIRMED);
    order = WaitUntilFinal(order.id());
    ASSERT_EQ(order.shipments_size(), 1);
    ASSERT_NO_FATAL_FAILURE(Arm(suite_->order, failpoint));
    shp::RecordShipmentEventRequest event;
    event.set_shipment_id(order.shipments(0).shipment_id());
    event.set_type(shp::SHIPMENT_EVENT_TYPE_SHIPPED);
    event.mutable_occurred_at()->set_seconds(1790000000 + 60 * ++minute);
    event.set_location("Hamburg");
    shp::RecordShipmentEventResponse recorded;
    grpc::Status status = shipping->RecordShipmentEvent(Context().get(), event, &recorded);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_NO_FATAL_FAILURE(ExpectCrashedAtThenRestart(suite_->order, failpoint));
    EXPECT_EQ(WaitUntilFinal(order.id(), ord::ORDER_STATUS_SHIPPED).status(),
              ord::ORDER_STATUS_SHIPPED);
    // SHIPPED as soon as the event is taken in; the checker wants the shipment saga done.
    const auto deadline = Clock::now() + kFinalWithin;
    for (;;) {
      auto violations = Violations();
      ASSERT_TRUE(violations.ok()) << violations.status();
      if (violations->empty()) break;
      if (Clock::now() >= deadline) {
        ADD_FAILURE() << absl::StrJoin(*violations, "\n") << "\n" << suite_->order.log();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

// The check is not blind: each planted inconsistency, written behind the services' backs, is
// reported under its invariant through the services' audit calls (and the plants are undone, so
// the databases are clean again for whatever runs next).
TEST_F(OrderCrashTest, TheInvariantCheckerReportsPlantedViolations) {
  ord::Order confirmed = WaitUntilFinal(PlaceUntilAnswered(OrderRequest("plant-ok", 1)).id());
  ASSERT_EQ(confirmed.status(), ord::ORDER_STATUS_CONFIRMED);
  ord::Order rejected = WaitUntilFinal(
      PlaceUntilAnswered(OrderRequest("plant-declined", 1, "tok_chargeDeclined")).id());
  ASSERT_EQ(rejected.status(), ord::ORDER_STATUS_REJECTED);
  ExpectNoViolations();

  auto run = [](const std::string& url, const std::string& sql, const std::string& a,
                const std::string& b) {
    pqxx::connection connection(url);
    pqxx::work tx(connection);
    tx.exec_params(sql, a, b);
    tx.commit();
  };
  const std::string unknown = "00000000-0000-4000-8000-000000000000";
  const std::string inventory_sql = "UPDATE reservations SET state = $2 WHERE order_id = $1";
  const std::string capture_sql =
      "UPDATE payments SET captured_minor = $2::bigint WHERE order_id = $1";
  const std::string owner_sql = "UPDATE payments SET order_id = $2 WHERE order_id = $1";
  const std::string saga_sql =
      "UPDATE sagas SET phase = $2 WHERE order_id = $1::uuid AND kind = 'ORDER'";
  run(suite_->inventory.database_url(), inventory_sql, rejected.id(), "HELD");
  run(suite_->billing.database_url(), capture_sql, confirmed.id(), "100");
  run(suite_->billing.database_url(), owner_sql, rejected.id(), unknown);
  run(suite_->order.database_url(), saga_sql, confirmed.id(), "NEEDS_ATTENTION");

  auto violations = Violations();
  ASSERT_TRUE(violations.ok()) << violations.status();
  const std::string text = absl::StrJoin(*violations, "\n");
  EXPECT_NE(text.find(absl::StrCat("I2: reservation of REJECTED order ", rejected.id(),
                                   " is still HELD")),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(absl::StrCat("of order ", confirmed.id(),
                                   " captured 100 but its invoices "
                                   "total 0")),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(absl::StrCat("I7: payment ")), std::string::npos) << text;
  EXPECT_NE(text.find(absl::StrCat("of unknown order ", unknown)), std::string::npos) << text;
  EXPECT_NE(text.find(absl::StrCat("I4: ORDER saga ")), std::string::npos) << text;
  EXPECT_NE(text.find(absl::StrCat("of order ", confirmed.id(), " is NEEDS_ATTENTION")),
            std::string::npos)
      << text;

  run(suite_->inventory.database_url(), inventory_sql, rejected.id(), "RELEASED");
  run(suite_->billing.database_url(), capture_sql, confirmed.id(), "0");
  run(suite_->billing.database_url(), owner_sql, unknown, rejected.id());
  run(suite_->order.database_url(), saga_sql, confirmed.id(), "COMPLETED");
  ExpectNoViolations();
}

// --- Two replicas sharing the sagas ------------------------------------------------------------

class OrderReplicaTest : public OrderCrashTest {
 protected:
  void TearDown() override {
    // Never leave shipping paused for the next case.
    if (suite_ != nullptr && suite_->shipping.process().running()) {
      kill(suite_->shipping.process().pid(), SIGCONT);
    }
  }

  // How many running sagas `owner` holds an unexpired lease on.
  static int64_t LeasesHeldBy(const std::string& owner) {
    pqxx::connection connection(suite_->order.database_url());
    pqxx::work tx(connection);
    pqxx::result rows = tx.exec_params(
        "SELECT count(*) FROM sagas WHERE lease_owner = $1 AND phase = 'RUNNING' "
        "AND lease_expires_at > now()",
        owner);
    return rows[0][0].as<int64_t>();
  }

  // Starts replica B, pauses shipping so that sagas stall in their ship call with their lease
  // held (capture does not call shipping, so the orders are taken), and places `count` orders
  // through B; returns once B holds leases of running sagas. Shipping stays paused: the caller
  // resumes it.
  void PlaceThroughStalledReplica(ServiceUnderTest& replica, const std::string& owner,
                                  const std::string& prefix, int count,
                                  std::vector<ord::CreateOrderRequest>* requests,
                                  std::vector<std::thread>* clients) {
    absl::Status started = replica.StartReplicaOf(suite_->order, {{"OMS_INSTANCE", owner}});
    ASSERT_TRUE(started.ok()) << started << replica.log();
    ASSERT_EQ(kill(suite_->shipping.process().pid(), SIGSTOP), 0);
    for (int i = 0; i < count; ++i) {
      requests->push_back(OrderRequest(absl::StrCat(prefix, i), 1));
    }
    auto stub =
        std::shared_ptr<ord::OrderService::Stub>(ord::OrderService::NewStub(replica.channel()));
    for (const auto& request : *requests) {
      // The answer does not matter: B is killed or paused under it. The client retries later.
      clients->emplace_back([stub, request] {
        ord::Order ignored;
        (void)stub->CreateOrder(Context(std::chrono::seconds(3)).get(), request, &ignored);
      });
    }
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (LeasesHeldBy(owner) == 0) {
      ASSERT_LT(Clock::now(), deadline) << "replica " << owner << " never held a saga\n"
                                        << replica.log();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  void ExpectEveryOrderConfirmed(const std::vector<ord::CreateOrderRequest>& requests) {
    for (const auto& request : requests) {
      ord::Order order = PlaceUntilAnswered(request);  // through the survivor
      ASSERT_FALSE(order.id().empty());
      EXPECT_EQ(WaitUntilFinal(order.id()).status(), ord::ORDER_STATUS_CONFIRMED)
          << request.request_id();
    }
  }
};

TEST_F(OrderReplicaTest, AReplicaKilledMidSagaIsTakenOverByTheSurvivor) {
  ServiceUnderTest replica{OMS_ORDER_BIN, "OMS_ORDER"};
  std::vector<ord::CreateOrderRequest> requests;
  std::vector<std::thread> clients;
  ASSERT_NO_FATAL_FAILURE(
      PlaceThroughStalledReplica(replica, "replica-killed", "killed-", 4, &requests, &clients));
  const int64_t held = LeasesHeldBy("replica-killed");
  auto killed = replica.process().Stop(SIGKILL, std::chrono::seconds(5));
  ASSERT_TRUE(killed.ok()) << killed.status();
  EXPECT_TRUE(WIFSIGNALED(*killed) && WTERMSIG(*killed) == SIGKILL);
  ASSERT_EQ(kill(suite_->shipping.process().pid(), SIGCONT), 0);
  for (auto& client : clients) client.join();
  ASSERT_GT(held, 0);
  ExpectEveryOrderConfirmed(requests);
  ExpectNoViolations();
}

TEST_F(OrderReplicaTest, AReplicaPausedPastItsLeaseHasItsStaleWritesRefused) {
  ServiceUnderTest replica{OMS_ORDER_BIN, "OMS_ORDER"};
  std::vector<ord::CreateOrderRequest> requests;
  std::vector<std::thread> clients;
  ASSERT_NO_FATAL_FAILURE(
      PlaceThroughStalledReplica(replica, "replica-paused", "paused-", 3, &requests, &clients));
  ASSERT_EQ(kill(replica.process().pid(), SIGSTOP), 0);
  ASSERT_EQ(kill(suite_->shipping.process().pid(), SIGCONT), 0);
  // The survivor takes every saga over once the paused replica's leases expire, and finishes.
  ExpectEveryOrderConfirmed(requests);
  ExpectNoViolations();
  for (auto& client : clients) client.join();

  // Resumed: its step in flight ends (deadline passed) and its write is fenced off by the epoch.
  ASSERT_EQ(kill(replica.process().pid(), SIGCONT), 0);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (replica.log().find("is held by another replica now") == std::string::npos) {
    ASSERT_LT(Clock::now(), deadline) << "the resumed replica's stale write was not refused\n"
                                      << replica.log();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Nothing it did after waking changed an outcome: still confirmed, once, invariants clean.
  ExpectEveryOrderConfirmed(requests);
  ExpectNoViolations();
  auto stopped = replica.process().Stop(SIGKILL, std::chrono::seconds(5));
  EXPECT_TRUE(stopped.ok()) << stopped.status();
}

}  // namespace
}  // namespace oms
