// How fast orders go from capture to CONFIRMED through the four real services, and what each one
// costs: CreateOrder latency, orders per second, database transactions per order in each
// service's database, and the RPCs order-service makes per order.
//
// Runs the stack twice on the same machine: with the defaults (participant calls asynchronous,
// many sagas in flight on a few workers), and with one saga in flight at a time, to show what the
// asynchronous coordinator buys. Needs OMS_TEST_PG_URL (./oms bench starts a private PostgreSQL).
// Usage: order_saga_bench [orders=400] [concurrency=32]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/testing/scrape.h"
#include "oms/order/v1/order.grpc.pb.h"
#include "tests/support/order_fixtures.h"
#include "tests/support/service_under_test.h"

namespace {

using oms::testing::ServiceUnderTest;
using Clock = std::chrono::steady_clock;

// Idle backends flush their statistics at the latest after ten seconds (PostgreSQL 15).
constexpr auto kStatsSettle = std::chrono::seconds(11);

std::string DatabaseOf(const std::string& url) {
  return std::string(url.substr(url.rfind('/') + 1));
}

// Committed and rolled-back transactions per database.
std::map<std::string, double> Transactions(const std::string& admin_url) {
  pqxx::connection connection(admin_url);
  pqxx::nontransaction tx(connection);
  std::map<std::string, double> counts;
  for (const auto& row :
       tx.exec("SELECT datname, xact_commit + xact_rollback FROM pg_stat_database "
               "WHERE datname IS NOT NULL")) {
    counts[row[0].as<std::string>()] = row[1].as<double>();
  }
  return counts;
}

// Calls order-service made to the other services, but for the consumer's lag probe.
double OutgoingRpcs(int metrics_port) {
  auto metrics = oms::testing::HttpGet(absl::StrCat("http://127.0.0.1:", metrics_port, "/metrics"));
  if (!metrics.ok()) return 0;
  double total = 0;
  for (absl::string_view line : absl::StrSplit(*metrics, '\n')) {
    if (!absl::StartsWith(line, "grpc_client_handled_total{")) continue;
    if (absl::StrContains(line, "grpc_method=\"ListEvents\"")) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) total += value;
  }
  return total;
}

struct Result {
  int orders = 0;
  int failed = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::map<std::string, double> transactions_per_order;  // by service
  double rpcs_per_order = 0;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(p * values.size()))];
}

bool Run(const std::string& label, const std::string& key_prefix,
         const std::map<std::string, std::string>& order_env, int orders, int concurrency,
         Result* result) {
  const char* admin_url = std::getenv("OMS_TEST_PG_URL");
  ServiceUnderTest inventory(OMS_INVENTORY_BIN, "OMS_INVENTORY");
  ServiceUnderTest billing(OMS_BILLING_BIN, "OMS_BILLING");
  ServiceUnderTest shipping(OMS_SHIPPING_BIN, "OMS_SHIPPING");
  ServiceUnderTest order(OMS_ORDER_BIN, "OMS_ORDER");
  for (ServiceUnderTest* service : {&inventory, &billing, &shipping}) {
    absl::Status started = service->Start();
    if (!started.ok()) {
      std::fprintf(stderr, "%s: %s\n", label.c_str(), started.ToString().c_str());
      return false;
    }
  }
  std::map<std::string, std::string> env = order_env;
  env["OMS_INVENTORY_ADDR"] = absl::StrCat("127.0.0.1:", inventory.grpc_port());
  env["OMS_BILLING_ADDR"] = absl::StrCat("127.0.0.1:", billing.grpc_port());
  env["OMS_SHIPPING_ADDR"] = absl::StrCat("127.0.0.1:", shipping.grpc_port());
  if (absl::Status started = order.Start(env); !started.ok()) {
    std::fprintf(stderr, "%s: %s\n", label.c_str(), started.ToString().c_str());
    return false;
  }
  auto seeded = oms::testing::SeedTwoWarehouses(inventory.channel(), 100'000, 10);
  auto customer = oms::testing::CreateHamburgCustomer(order.channel(), "bench@example.com");
  if (!seeded.ok() || !customer.ok()) {
    std::fprintf(stderr, "%s: cannot seed the catalog or the customer: %s %s\n", label.c_str(),
                 seeded.status().ToString().c_str(), customer.status().ToString().c_str());
    return false;
  }
  auto stub = oms::order::v1::OrderService::NewStub(order.channel());
  auto place = [&](const std::string& key) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    oms::order::v1::Order placed;
    grpc::Status status =
        stub->CreateOrder(&context, oms::testing::PackOrder(*customer, "bench", key, 1), &placed);
    if (status.ok() && placed.status() == oms::order::v1::ORDER_STATUS_CONFIRMED) return true;
    static std::atomic<bool> told{false};
    if (!told.exchange(true)) {
      std::fprintf(stderr, "%s: an order failed: %s %s\n", label.c_str(),
                   status.error_message().c_str(),
                   oms::order::v1::OrderStatus_Name(placed.status()).c_str());
    }
    return false;
  };
  for (int i = 0; i < 20; ++i) place(absl::StrCat(key_prefix, "-warm-", i));

  std::map<std::string, std::string> databases = {
      {"order", DatabaseOf(order.database_url())},
      {"inventory", DatabaseOf(inventory.database_url())},
      {"billing", DatabaseOf(billing.database_url())},
      {"shipping", DatabaseOf(shipping.database_url())}};
  // What the services do by themselves (scans, sweepers, gauges) over an idle window as long
  // as the settling wait, subtracted below.
  std::this_thread::sleep_for(kStatsSettle);
  const auto idle_start = Transactions(admin_url);
  const auto idle_started = Clock::now();
  std::this_thread::sleep_for(kStatsSettle);
  const auto before = Transactions(admin_url);
  const double idle_seconds = std::chrono::duration<double>(Clock::now() - idle_started).count();
  const double rpcs_before = OutgoingRpcs(order.metrics_port());

  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::vector<std::vector<double>> latencies(concurrency);
  const auto started = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < concurrency; ++c) {
    clients.emplace_back([&, c] {
      for (int i = next++; i < orders; i = next++) {
        const auto sent = Clock::now();
        if (!place(absl::StrCat(key_prefix, "-", i))) ++failed;
        latencies[c].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      }
    });
  }
  for (auto& client : clients) client.join();
  result->seconds = std::chrono::duration<double>(Clock::now() - started).count();
  result->orders = orders;
  result->failed = failed;
  for (const auto& per_client : latencies) {
    result->latencies_ms.insert(result->latencies_ms.end(), per_client.begin(), per_client.end());
  }
  const auto run_ended = Clock::now();
  std::this_thread::sleep_for(kStatsSettle);
  const auto after = Transactions(admin_url);
  const double window =
      std::chrono::duration<double>(Clock::now() - run_ended).count() + result->seconds;
  for (const auto& [service, database] : databases) {
    const double idle_rate =
        (before.at(database) - idle_start.at(database)) / std::max(idle_seconds, 1e-3);
    result->transactions_per_order[service] =
        (after.at(database) - before.at(database) - idle_rate * window) / orders;
  }
  result->rpcs_per_order = (OutgoingRpcs(order.metrics_port()) - rpcs_before) / orders;
  return true;
}

void Print(const std::string& label, const Result& result) {
  std::printf("%-34s %6d orders %4d failed %7.1f orders/s  latency p50 %6.1f ms  p99 %6.1f ms\n",
              label.c_str(), result.orders, result.failed, result.orders / result.seconds,
              Percentile(result.latencies_ms, 0.5), Percentile(result.latencies_ms, 0.99));
  std::printf("%-34s transactions per order:", "");
  for (const auto& [service, count] : result.transactions_per_order) {
    std::printf(" %s %.1f", service.c_str(), count);
  }
  std::printf("; RPCs from order-service per order %.1f\n", result.rpcs_per_order);
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("OMS_TEST_PG_URL") == nullptr) {
    std::fprintf(stderr, "order_saga_bench: set OMS_TEST_PG_URL (./oms bench does)\n");
    return 2;
  }
  int orders = 400;
  int concurrency = 32;
  if ((argc > 1 && !absl::SimpleAtoi(argv[1], &orders)) ||
      (argc > 2 && !absl::SimpleAtoi(argv[2], &concurrency)) || orders < 1 || concurrency < 1) {
    std::fprintf(stderr, "usage: order_saga_bench [orders] [concurrency]\n");
    return 2;
  }
  std::printf("order_saga_bench: %d orders from %d concurrent clients, capture to CONFIRMED\n",
              orders, concurrency);
  const std::vector<std::pair<std::string, std::map<std::string, std::string>>> setups = {
      {"asynchronous, 256 sagas in flight", {}},
      {"one saga in flight at a time", {{"OMS_ORDER_SAGA_MAX_IN_FLIGHT", "1"}}}};
  int failures = 0;
  int run = 0;
  for (const auto& [label, env] : setups) {
    Result result;
    if (!Run(label, absl::StrCat("run", ++run), env, orders, concurrency, &result)) return 1;
    Print(label, result);
    failures += result.failed;
  }
  return failures == 0 ? 0 : 1;
}
