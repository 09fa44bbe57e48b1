// `omsctl check` against the four real services, as the invariant-check CronJob runs it: a clean
// suite exits 0 and pushes zeros and the time of its success to the Pushgateway; a violation
// planted behind the services' backs is printed naming its order, exits 1 and is pushed under
// its invariant; a service that cannot be read exits 2 and pushes nothing.
#include <chrono>
#include <mutex>
#include <thread>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pqxx/pqxx>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "oms/order/v1/order.grpc.pb.h"
#include "tests/support/order_fixtures.h"
#include "tests/support/process.h"
#include "tests/support/service_under_test.h"

namespace oms {
namespace {

namespace ord = oms::order::v1;
using testing::ServiceUnderTest;
using Clock = std::chrono::steady_clock;

// A Pushgateway stand-in on a free loopback port: answers every request 200 and keeps what it
// received.
class FakePushgateway {
 public:
  FakePushgateway() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener_, 4) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "the fake Pushgateway cannot listen";
      return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~FakePushgateway() {
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    if (thread_.joinable()) thread_.join();
  }

  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }

  // Everything received so far, and forget it.
  std::string Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(received_, "");
  }

 private:
  void Serve() {
    for (;;) {
      const int connection = accept(listener_, nullptr, nullptr);
      if (connection < 0) return;
      std::string request;
      char buffer[4096];
      std::size_t wanted = std::string::npos;
      bool continued = false;
      while (request.size() < wanted) {
        const ssize_t n = read(connection, buffer, sizeof(buffer));
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
        const std::size_t end = request.find("\r\n\r\n");
        if (end == std::string::npos || wanted != std::string::npos) continue;
        std::size_t body = 0;
        const std::size_t header = request.find("Content-Length: ");
        if (header != std::string::npos) {
          const std::size_t value = header + 16;
          (void)absl::SimpleAtoi(request.substr(value, request.find("\r\n", value) - value), &body);
        }
        wanted = end + 4 + body;
        if (!continued && absl::StrContains(request, "Expect: 100-continue")) {
          continued = true;
          const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
          (void)!write(connection, go_on.data(), go_on.size());
        }
      }
      const std::string answer =
          "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!write(connection, answer.data(), answer.size());
      close(connection);
      std::lock_guard<std::mutex> lock(mu_);
      received_ += request;
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string received_;
};

struct CheckRun {
  int exit_code = -1;
  std::string output;
};

class OmsctlCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status started = testing::StartSuite(inventory_, billing_, shipping_, order_);
    ASSERT_TRUE(started.ok()) << started;
    ASSERT_TRUE(testing::SeedTwoWarehouses(inventory_.channel(), 50, 50).ok());
    auto customer = testing::CreateHamburgCustomer(order_.channel(), "check@example.com");
    ASSERT_TRUE(customer.ok()) << customer.status();
    customer_id_ = *customer;
  }

  static std::string Address(const ServiceUnderTest& service) {
    return absl::StrCat("127.0.0.1:", service.grpc_port());
  }

  // Places an order and waits until it is CONFIRMED (its saga done); its id.
  std::string PlaceConfirmedOrder(const std::string& key) {
    auto stub = ord::OrderService::NewStub(order_.channel());
    const auto request = testing::PackOrder(customer_id_, "check-client", key, 1);
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      ord::Order order;
      if (stub->CreateOrder(&context, request, &order).ok() &&
          order.status() == ord::ORDER_STATUS_CONFIRMED) {
        return order.id();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "order " << key << " was not confirmed\n" << order_.log();
    return "";
  }

  CheckRun Check(const std::string& orders_address) {
    const std::string log = testing::MakeTempDir() + "/omsctl.log";
    testing::ChildProcess omsctl;
    CheckRun run;
    absl::Status started =
        omsctl.Start(OMSCTL_BIN,
                     {"check", "--orders=" + orders_address, "--inventory=" + Address(inventory_),
                      "--billing=" + Address(billing_), "--shipping=" + Address(shipping_),
                      "--at_rest", "--page_size=1", "--pushgateway=" + pushgateway_.url()},
                     {}, log);
    EXPECT_TRUE(started.ok()) << started;
    auto status = omsctl.WaitForExit(std::chrono::seconds(60));
    EXPECT_TRUE(status.ok()) << status.status();
    if (status.ok() && WIFEXITED(*status)) run.exit_code = WEXITSTATUS(*status);
    run.output = testing::ReadFile(log);
    return run;
  }

  ServiceUnderTest inventory_{OMS_INVENTORY_BIN, "OMS_INVENTORY"};
  ServiceUnderTest billing_{OMS_BILLING_BIN, "OMS_BILLING"};
  ServiceUnderTest shipping_{OMS_SHIPPING_BIN, "OMS_SHIPPING"};
  ServiceUnderTest order_{OMS_ORDER_BIN, "OMS_ORDER"};
  std::string customer_id_;
  FakePushgateway pushgateway_;
};

TEST_F(OmsctlCheckTest, ACleanSuitePassesAndAPlantedViolationIsPrintedAndPushed) {
  const std::string first = PlaceConfirmedOrder("check-1");
  const std::string second = PlaceConfirmedOrder("check-2");
  ASSERT_FALSE(first.empty() || second.empty());

  CheckRun clean = Check(Address(order_));
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_TRUE(absl::StrContains(clean.output, "checked 2 orders (at rest): 0 violations"))
      << clean.output;
  std::string pushed = pushgateway_.Take();
  // prometheus::Gateway::Push: the job's group gets these metrics in place of those it held.
  EXPECT_TRUE(absl::StrContains(pushed, " /metrics/job/oms-invariant-check HTTP/1.1")) << pushed;
  EXPECT_TRUE(absl::StrContains(pushed, "oms_invariant_violations{invariant=\"I5\"} 0")) << pushed;
  EXPECT_TRUE(absl::StrContains(pushed, "oms_invariant_check_last_success_timestamp_seconds "))
      << pushed;

  // Billing says it captured money for the first order that nothing invoiced.
  {
    pqxx::connection connection(billing_.database_url());
    pqxx::work tx(connection);
    tx.exec_params("UPDATE payments SET captured_minor = 100 WHERE order_id = $1", first);
    tx.commit();
  }
  CheckRun found = Check(Address(order_));
  EXPECT_EQ(found.exit_code, 1) << found.output;
  EXPECT_TRUE(absl::StrContains(
      found.output, absl::StrCat("of order ", first, " captured 100 but its invoices total 0")))
      << found.output;
  pushed = pushgateway_.Take();
  EXPECT_TRUE(absl::StrContains(pushed, "oms_invariant_violations{invariant=\"I5\"} 1")) << pushed;
  EXPECT_TRUE(absl::StrContains(pushed, "oms_invariant_violations{invariant=\"I3\"} 0")) << pushed;

  // order-service unreachable: nothing read, nothing pushed.
  CheckRun unreadable = Check("127.0.0.1:1");
  EXPECT_EQ(unreadable.exit_code, 2) << unreadable.output;
  EXPECT_TRUE(absl::StrContains(unreadable.output, "order-service AuditOrders"))
      << unreadable.output;
  EXPECT_EQ(pushgateway_.Take(), "");
}

}  // namespace
}  // namespace oms
