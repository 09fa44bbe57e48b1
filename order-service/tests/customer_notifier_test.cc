// CustomerNotifier on a real PostgreSQL: each event that calls for it is told once, in the
// customer's language, with the parcels' tracking; a failing sender holds the notifier at that
// event without skipping it; a second replica waits for the lease; and mail goes out through a
// real SMTP server (Python's smtpd, from Debian).
#include "order-service/src/customer_notifier.h"

#include <chrono>
#include <csignal>
#include <thread>
#include <tuple>

#include <netinet/in.h>
#include <pqxx/pqxx>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/testing/query_plan.h"
#include "order-service/src/event_feed_store.h"
#include "order-service/src/notification_store.h"
#include "order-service/src/notifications.h"
#include "order-service/tests/order_db_fixture.h"
#include "order-service/tests/peer_fakes.h"
#include "tests/support/process.h"

namespace oms::order {
namespace {

// A sender that refuses while `down`, and counts what it was handed.
class FlakySender : public NotificationSender {
 public:
  std::string channel() const override { return "outbox"; }
  absl::Status Send(const v1::Notification& notification) override {
    if (down) return absl::UnavailableError("mail server down");
    sent.push_back(notification.event_id());
    return absl::OkStatus();
  }
  bool down = false;
  std::vector<std::string> sent;
};

class CustomerNotifierTest : public OrderDbTest {
 protected:
  CustomerNotifierTest() : OrderDbTest("order_notifier") {}

  void SetUp() override {
    OrderDbTest::SetUp();
    store_ = std::make_unique<PgNotificationStore>(*pool_);
    feed_ = std::make_unique<PgEventFeed>(*pool_);
    shipping::v1::ListShipmentsResponse shipments;
    auto* parcel = shipments.add_shipments();
    parcel->set_kind(shipping::v1::SHIPMENT_KIND_OUTBOUND);
    parcel->set_carrier("DHL");
    parcel->set_tracking_number("00340434161234567890");
    shipping_.Script("ListShipments", grpc::Status::OK, shipments);
  }

  NotifierSources Sources() { return {*store_, *feed_, shipping_}; }

  // A customer speaking `locale` with an order that was confirmed and shipped: the order's id.
  std::string ShippedOrder(const std::string& email, const std::string& locale) {
    v1::Customer customer;
    customer.set_name("Erika");
    customer.set_email(email);
    customer.set_locale(locale);
    auto normalized = NormalizeNewCustomer(customer);
    EXPECT_TRUE(normalized.ok()) << normalized.status();
    EXPECT_TRUE(customers_->CreateCustomer(*normalized, &customer).ok());
    const std::string order = Insert(Request(customer.id(), "key-" + email)).order_id;
    pqxx::connection connection(db_.url());
    for (const char* status : {"CONFIRMED", "SHIPPED"}) {
      pqxx::work tx(connection);
      tx.exec_params("INSERT INTO order_status_history (order_id, status) VALUES ($1::uuid, $2)",
                     order, status);
      tx.commit();
    }
    return order;
  }

  // Steps `notifier` until it has read the feed to its end (held back a moment, perhaps, by
  // another test's transaction on the cluster).
  std::vector<v1::Notification> RunUntil(CustomerNotifier& notifier, const std::string& order,
                                         std::size_t want) {
    v1::ListNotificationsResponse listed;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      (void)notifier.Step();
      listed.Clear();
      EXPECT_TRUE(store_->List(order, &listed).ok());
      if (static_cast<std::size_t>(listed.notifications_size()) >= want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return {listed.notifications().begin(), listed.notifications().end()};
  }

  CustomerNotifierOptions Options(const std::string& owner) {
    CustomerNotifierOptions options;
    options.owner = owner;
    options.page_size = 2;
    return options;
  }

  std::unique_ptr<PgNotificationStore> store_;
  std::unique_ptr<PgEventFeed> feed_;
  FakeShippingClient shipping_;
};

TEST_F(CustomerNotifierTest, EachEventIsToldOnceInTheCustomersLanguageWithTracking) {
  OutboxSender outbox;
  CustomerNotifier notifier(Sources(), outbox, Options("replica-a"));
  const std::string order = ShippedOrder("anna@example.com", "de");
  const std::vector<v1::Notification> told = RunUntil(notifier, order, 2);
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[0].kind(), kNotifyConfirmed);
  EXPECT_EQ(told[0].locale(), "de");
  EXPECT_EQ(told[0].recipient(), "anna@example.com");
  EXPECT_EQ(told[0].channel(), "outbox");
  EXPECT_EQ(told[0].subject(), "Ihre Bestellung " + order + " ist bestätigt");
  EXPECT_EQ(told[1].kind(), kNotifyShipped);
  EXPECT_TRUE(absl::StrContains(told[1].body(), "Sendungsnummer DHL 00340434161234567890"))
      << told[1].body();
  // Nothing more comes of the same events, however often it runs.
  for (int i = 0; i < 5; ++i) (void)notifier.Step();
  v1::ListNotificationsResponse again;
  ASSERT_TRUE(store_->List(order, &again).ok());
  EXPECT_EQ(again.notifications_size(), 2);
}

// A page of several orders' events: each is told to its own customer, in their language.
TEST_F(CustomerNotifierTest, APageOfManyOrdersTellsEachItsOwnCustomer) {
  OutboxSender outbox;
  CustomerNotifierOptions options = Options("replica-a");
  options.page_size = 100;
  CustomerNotifier notifier(Sources(), outbox, options);
  const std::string anna = ShippedOrder("anna.page@example.com", "de");
  const std::string ben = ShippedOrder("ben.page@example.com", "en");
  const std::string cleo = ShippedOrder("cleo.page@example.com", "de");
  ASSERT_EQ(RunUntil(notifier, cleo, 2).size(), 2u);
  for (const auto& [order, email, subject] :
       {std::tuple{anna, "anna.page@example.com", "Ihre Bestellung " + anna + " ist bestätigt"},
        std::tuple{ben, "ben.page@example.com", "Your order " + ben + " is confirmed"},
        std::tuple{cleo, "cleo.page@example.com", "Ihre Bestellung " + cleo + " ist bestätigt"}}) {
    v1::ListNotificationsResponse told;
    ASSERT_TRUE(store_->List(order, &told).ok());
    ASSERT_EQ(told.notifications_size(), 2) << order;
    for (const auto& notification : told.notifications()) {
      EXPECT_EQ(notification.recipient(), email);
      EXPECT_EQ(notification.order_id(), order);
    }
    EXPECT_EQ(told.notifications(0).subject(), subject);
  }
}

TEST_F(CustomerNotifierTest, AFailingSenderHoldsTheNotifierAtTheEventWithoutSkippingIt) {
  FlakySender sender;
  sender.down = true;
  CustomerNotifier notifier(Sources(), sender, Options("replica-a"));
  const std::string order = ShippedOrder("ben@example.com", "en");
  for (int i = 0; i < 5; ++i) (void)notifier.Step();
  v1::ListNotificationsResponse none;
  ASSERT_TRUE(store_->List(order, &none).ok());
  EXPECT_EQ(none.notifications_size(), 0);
  sender.down = false;
  const std::vector<v1::Notification> told = RunUntil(notifier, order, 2);
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[0].kind(), kNotifyConfirmed);
  EXPECT_EQ(sender.sent.size(), 2u);
}

TEST_F(CustomerNotifierTest, ASecondReplicaWaitsForTheLease) {
  FlakySender first, second;
  CustomerNotifier a(Sources(), first, Options("replica-a"));
  CustomerNotifier b(Sources(), second, Options("replica-b"));
  const std::string order = ShippedOrder("cem@example.com", "en");
  ASSERT_EQ(RunUntil(a, order, 2).size(), 2u);
  for (int i = 0; i < 5; ++i) (void)b.Step();
  EXPECT_TRUE(second.sent.empty());
  a.Stop();  // gives the lease up: b goes on from where a stopped
  const std::string next = ShippedOrder("dora@example.com", "en");
  ASSERT_EQ(RunUntil(b, next, 2).size(), 2u);
  EXPECT_EQ(second.sent.size(), 2u);
}

TEST_F(CustomerNotifierTest, ItsStatementsAreServedByIndexes) {
  testing::ExpectServedByIndexes(
      *pool_, PgNotificationStore::Statements(),
      {{"notifications_list", "'00000000-0000-4000-8000-000000000001'"},
       {"feed_followers_claim", "'customer-notifier', 'replica-a', 1000"},
       {"notification_recipients_read", "'{00000000-0000-4000-8000-000000000001}'"}});
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

TEST_F(CustomerNotifierTest, MailGoesOutThroughAnSmtpServer) {
  const int port = FreePort();
  const std::string log = oms::testing::MakeTempDir() + "/smtpd.log";
  oms::testing::ChildProcess smtpd;
  ASSERT_TRUE(smtpd
                  .Start("/usr/bin/python3",
                         {"-u", "-W", "ignore", "-m", "smtpd", "-n", "-c", "DebuggingServer",
                          absl::StrCat("127.0.0.1:", port)},
                         {{"OMS_INSECURE_PLAINTEXT", "1"}}, log)
                  .ok());
  SmtpSender smtp({absl::StrCat("smtp://127.0.0.1:", port), "Shop <orders@shop.example>",
                   std::chrono::seconds(5)});
  CustomerNotifier notifier(Sources(), smtp, Options("replica-a"));
  const std::string order = ShippedOrder("eva@example.com", "de");
  std::vector<v1::Notification> told;
  // The server may take a moment to listen: the notifier retries the same event meanwhile.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (told.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    told = RunUntil(notifier, order, 2);
  }
  ASSERT_EQ(told.size(), 2u) << oms::testing::ReadFile(log);
  EXPECT_EQ(told[0].channel(), "smtp");
  std::string received;
  for (int i = 0; i < 100 && !absl::StrContains(received, "Sendungsnummer"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    received = oms::testing::ReadFile(log);
  }
  EXPECT_TRUE(absl::StrContains(
      received, "Subject: =?UTF-8?B?" + absl::Base64Escape(told[0].subject()) + "?="))
      << received;
  EXPECT_TRUE(absl::StrContains(received, "To: <eva@example.com>")) << received;
  EXPECT_TRUE(absl::StrContains(received, "Sendungsnummer DHL 00340434161234567890")) << received;
  (void)smtpd.Stop(SIGTERM, std::chrono::seconds(5));
}

}  // namespace
}  // namespace oms::order
