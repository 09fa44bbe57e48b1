// The chaos run (tests/chaos/README.md): the real services under a seeded schedule of faults
// while customers and a warehouse use them; after healing every fault and waiting for the
// system to come to rest, the invariants of RELIABILITY.md hold across the four services (their
// audit calls and the cross-service check of tools/check, as `omsctl check --at_rest` runs it),
// and what the customers were told agrees with what oms holds.
//
// OMS_CHAOS_SEED (default 1) names the schedule, OMS_CHAOS_SECONDS (default 30) the window in
// which faults strike. `./oms chaos --seed N --minutes M` sets both. The same seed gives the same
// schedule; it is printed first, each fault is logged with its time as it strikes, and on a
// violation the operations that touched the orders concerned are printed beside it.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/chaos/history.h"
#include "tests/chaos/injector.h"
#include "tests/chaos/schedule.h"
#include "tests/chaos/topology.h"
#include "tests/chaos/workload.h"
#include "tools/check/suite_audit.h"

namespace oms::chaos {
namespace {

using Clock = std::chrono::steady_clock;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  return value == nullptr || *value == '\0' ? fallback : std::strtoll(value, nullptr, 10);
}

int64_t Millis(Clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

int64_t Percentile(std::vector<int64_t> values, double p) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

struct Rest {
  int64_t open_sagas = -1;
  int64_t orders_not_final = -1;
};

Rest ReadRest(const std::string& order_db) {
  Rest rest;
  try {
    pqxx::connection connection(order_db);
    pqxx::work tx(connection);
    rest.open_sagas =
        tx.exec1(
              "SELECT count(*) AS n FROM sagas WHERE phase IN ('RUNNING', 'COMPENSATING', "
              "'NEEDS_ATTENTION')")["n"]
            .as<int64_t>();
    rest.orders_not_final =
        tx.exec1(
              "SELECT count(*) AS n FROM orders WHERE status NOT IN ('COMPLETED', 'REJECTED', "
              "'CANCELLED')")["n"]
            .as<int64_t>();
  } catch (const std::exception&) {
    // Not at rest while the database cannot be read.
  }
  return rest;
}

OrdersByKey ReadOrdersByKey(const std::string& order_db) {
  OrdersByKey orders;
  pqxx::connection connection(order_db);
  pqxx::work tx(connection);
  for (const auto& row : tx.exec("SELECT client_id, idempotency_key, id::text AS id FROM orders")) {
    orders[{row["client_id"].as<std::string>(), row["idempotency_key"].as<std::string>()}]
        .push_back(row["id"].as<std::string>());
  }
  return orders;
}

// Each order not final (up to 10), with its sagas and shipping's view of its shipments: what a
// reader of a failed run needs first.
std::vector<std::string> DescribeNotAtRest(const SuiteDatabases& databases) {
  std::vector<std::string> lines;
  try {
    pqxx::connection order(databases.order);
    pqxx::work order_tx(order);
    pqxx::connection shipping(databases.shipping);
    pqxx::work shipping_tx(shipping);
    pqxx::result stuck = order_tx.exec(
        "SELECT id::text AS id, status, needs_attention FROM orders WHERE status NOT IN "
        "('COMPLETED', 'REJECTED', 'CANCELLED') UNION SELECT o.id::text, o.status, "
        "o.needs_attention FROM orders o JOIN sagas s ON s.order_id = o.id WHERE s.phase IN "
        "('RUNNING', 'COMPENSATING', 'NEEDS_ATTENTION') LIMIT 10");
    for (const auto& row : stuck) {
      const std::string id = row["id"].as<std::string>();
      std::string line =
          absl::StrCat("rest: order ", id, " is ", row["status"].as<std::string>(),
                       row["needs_attention"].as<bool>() ? " (attention)" : "", "; sagas:");
      for (const auto& saga : order_tx.exec_params(
               "SELECT id::text AS id, kind, phase, step, attempts, failure_reason FROM sagas "
               "WHERE order_id = $1::uuid ORDER BY created_at",
               id)) {
        absl::StrAppend(&line, " ", saga["kind"].as<std::string>(), " ",
                        saga["phase"].as<std::string>(), " step ", saga["step"].as<int>(), " (",
                        saga["attempts"].as<int>(), " attempts) ",
                        saga["failure_reason"].as<std::string>(), " [");
        // Every call it made and how it ended, in order: how it got where it is.
        for (const auto& call : order_tx.exec_params(
                 "SELECT step, action, outcome, left(detail, 120) AS detail FROM saga_journal "
                 "WHERE saga_id = $1::uuid ORDER BY id",
                 saga["id"].as<std::string>())) {
          absl::StrAppend(&line, " ", call["step"].as<std::string>(), " ",
                          call["action"].as<std::string>(), " ", call["outcome"].as<std::string>(),
                          " ", call["detail"].as<std::string>(), ",");
        }
        absl::StrAppend(&line, " ];");
      }
      absl::StrAppend(&line, " history:");
      for (const auto& status : order_tx.exec_params(
               "SELECT status, reason FROM order_status_history WHERE order_id = $1::uuid "
               "ORDER BY id",
               id)) {
        absl::StrAppend(&line, " ", status["status"].as<std::string>(), " ",
                        status["reason"].as<std::string>(), ";");
      }
      absl::StrAppend(&line, " shipping:");
      for (const auto& shipment : shipping_tx.exec_params(
               "SELECT id::text AS id, kind, status FROM shipments WHERE order_id = $1", id)) {
        absl::StrAppend(&line, " ", shipment["id"].as<std::string>(), " ",
                        shipment["kind"].as<std::string>(), " ",
                        shipment["status"].as<std::string>(), ";");
      }
      lines.push_back(std::move(line));
    }
  } catch (const std::exception& e) {
    lines.push_back(absl::StrCat("rest: orders not final could not be read: ", e.what()));
  }
  return lines;
}

// The feed is taken in whole: order-service's cursor stands at shipping's last sequence.
std::vector<std::string> CheckFeedCaughtUp(const SuiteDatabases& databases) {
  pqxx::connection order(databases.order);
  pqxx::work order_tx(order);
  const auto cursor =
      order_tx
          .exec1(
              "SELECT last_sequence FROM event_cursors WHERE stream = 'shipping'")["last_sequence"]
          .as<int64_t>();
  pqxx::connection shipping(databases.shipping);
  pqxx::work shipping_tx(shipping);
  const auto last = shipping_tx.exec1("SELECT last FROM outbox_counter")["last"].as<int64_t>();
  if (cursor == last) return {};
  return {
      absl::StrCat("feed: order-service's cursor is at ", cursor, ", shipping's outbox at ", last)};
}

// Rows of order-service's database counted by one column: `sql` selects (name, n) pairs.
std::map<std::string, int64_t> CountsBy(const std::string& order_db, const char* sql) {
  std::map<std::string, int64_t> counts;
  pqxx::connection connection(order_db);
  pqxx::work tx(connection);
  for (const auto& row : tx.exec(sql)) counts[row[0].as<std::string>()] = row[1].as<int64_t>();
  return counts;
}

// The operations that touched what a violation names (an order id or a key).
std::vector<std::string> OperationsBehind(const std::string& violation,
                                          const std::vector<Operation>& history) {
  std::vector<std::string> lines;
  for (const Operation& operation : history) {
    const bool names_order =
        !operation.order_id.empty() && violation.find(operation.order_id) != std::string::npos;
    const bool names_key =
        operation.action == "create-order" &&
        violation.find(absl::StrCat("key ", operation.key, " ")) != std::string::npos;
    if (names_order || names_key) lines.push_back("    " + FormatOperation(operation));
  }
  return lines;
}

TEST(ChaosTest, ASeededScheduleOfFaultsLeavesEveryInvariantIntact) {
  const uint64_t seed = static_cast<uint64_t>(EnvInt("OMS_CHAOS_SEED", 1));
  const int64_t window_ms = EnvInt("OMS_CHAOS_SECONDS", 30) * 1000;
  const auto rest_within = std::chrono::seconds(EnvInt("OMS_CHAOS_REST_SECONDS", 90));

  Topology topology;
  absl::Status started = topology.Start(/*mug_units=*/30);
  ASSERT_TRUE(started.ok()) << started << "\n" << topology.Logs();

  ScheduleOptions options;
  options.window_ms = window_ms;
  options.lease_ms = kLeaseSeconds * 1000;
  options.processes = topology.ProcessNames();
  options.edges = topology.EdgeNames();
  options.deadline_ms = kCallDeadlineMs;
  options.restart_database = OwnsDatabaseCluster();
  options.failpoints = Topology::FailpointsByProcess();
  options.refusals = Topology::RefusalsByProcess();
  const std::vector<Fault> schedule = MakeSchedule(seed, options);
  std::cerr << "chaos: seed " << seed << ", " << window_ms / 1000 << " s of faults"
            << (options.restart_database ? "" : " (database restarts off: shared cluster)")
            << ", schedule:\n";
  for (const Fault& fault : schedule) std::cerr << "  " << FormatFault(fault) << "\n";

  History history;
  const auto start = Clock::now();
  Workload workload(topology, history, seed, start);
  Injector injector(topology, schedule);
  std::atomic<bool> stop_faults{false}, stop_customers{false}, stop_warehouse{false};
  std::thread faults([&] { injector.Run(start, stop_faults); });
  std::vector<std::thread> customers;
  for (int i = 0; i < Workload::kCustomers; ++i)
    customers.emplace_back([&, i] { workload.RunCustomer(i, stop_customers); });
  std::thread warehouse([&] { workload.RunWarehouse(stop_warehouse); });
  std::thread operator_([&] { workload.RunOperator(stop_warehouse); });
  std::thread returns([&] { workload.RunReturns(stop_customers); });
  std::thread supplier([&] { workload.RunSupplier(stop_customers); });
  std::vector<std::thread> watchers;
  for (int i = 0; i < 2; ++i)
    watchers.emplace_back([&, i] { workload.RunWatcher(i, stop_customers); });

  std::this_thread::sleep_until(start + std::chrono::milliseconds(window_ms));
  stop_faults = true;
  faults.join();
  std::vector<std::string> violations = injector.Heal();
  if (std::string exit = topology.GatewayExit(); !exit.empty()) violations.push_back(exit);
  const auto healed = Clock::now();
  stop_customers = true;
  for (auto& customer : customers) customer.join();
  for (auto& watcher : watchers) watcher.join();
  returns.join();
  supplier.join();
  stop_warehouse = true;
  warehouse.join();
  operator_.join();

  // At rest: every saga ended and every order final (the supplier receives what orders still
  // wait for, the warehouse delivers what is left, the operator retries what parked).
  const SuiteDatabases databases = topology.databases();
  Rest rest;
  while (Clock::now() < healed + rest_within) {
    workload.ReceiveWhatIsWaitedFor();
    workload.WarehouseRound();
    workload.OperatorRound();
    rest = ReadRest(databases.order);
    if (rest.open_sagas == 0 && rest.orders_not_final == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const int64_t rest_ms = Millis(Clock::now() - healed);
  if (rest.open_sagas != 0 || rest.orders_not_final != 0) {
    violations.push_back(
        absl::StrCat("rest: not at rest ", rest_ms, " ms after healing: ", rest.open_sagas,
                     " sagas open or parked, ", rest.orders_not_final, " orders not final"));
    for (std::string& line : DescribeNotAtRest(databases)) violations.push_back(std::move(line));
  }
  injector.FinishTakeovers(std::chrono::seconds(5));

  // RELIABILITY.md's invariants as `omsctl check --at_rest` checks them: each service's audit
  // call, straight to the service, and the cross-service check; small pages, so that the run's
  // orders take many pages of each service, merged.
  check::AuditOptions audit;
  audit.page_size = 16;
  auto invariants = check::CheckSuite(topology.AuditChannels(), {/*at_rest=*/true, 0}, audit);
  ASSERT_TRUE(invariants.ok()) << invariants.status();
  violations.insert(violations.end(), invariants->violations.begin(), invariants->violations.end());
  const std::vector<Operation> operations = history.Operations();
  for (std::string& line : CheckHistory(operations, ReadOrdersByKey(databases.order))) {
    violations.push_back(std::move(line));
  }
  for (std::string& line : CheckFeedCaughtUp(databases)) violations.push_back(std::move(line));
  // What each watcher was sent over its broken and resumed streams is the final timeline.
  std::map<std::string, int64_t> watching;
  for (std::string& line : workload.CheckWatchers(&watching)) violations.push_back(std::move(line));
  std::map<std::string, int64_t> operating;
  for (std::string& line : workload.CheckOperator(&operating))
    violations.push_back(std::move(line));

  // The figures of the run.
  std::set<std::string> placed, through_gateway;
  for (const Operation& operation : operations) {
    if (operation.action == "create-order" && operation.outcome == Outcome::kOk) {
      placed.insert(operation.order_id);
      if (operation.client == topology.gateway().client_id) {
        through_gateway.insert(operation.order_id);
      }
    }
  }
  auto create = history.CountByOutcome("create-order");
  std::cerr << "chaos: seed " << seed << ": " << placed.size() << " orders acknowledged ("
            << create[Outcome::kOk] << " ok, " << create[Outcome::kFail] << " refused, "
            << create[Outcome::kUnknown] << " unknown answers to create-order), "
            << through_gateway.size() << " of them through the gateway\n";
  for (const char* action : {"modify", "create-return", "receive-return", "receipt"}) {
    auto answers = history.CountByOutcome(action);
    std::cerr << "chaos:   " << action << ": " << answers[Outcome::kOk] << " ok, "
              << answers[Outcome::kFail] << " refused, " << answers[Outcome::kUnknown]
              << " unknown\n";
  }
  for (const auto& [status, count] :
       CountsBy(databases.order, "SELECT status, count(*) FROM orders GROUP BY status")) {
    std::cerr << "chaos:   orders " << status << ": " << count << "\n";
  }
  // BACKORDER: one per fill of a waiting order.
  for (const auto& [kind, count] :
       CountsBy(databases.order, "SELECT kind, count(*) FROM sagas GROUP BY kind")) {
    std::cerr << "chaos:   sagas " << kind << ": " << count << "\n";
  }
  for (const auto& [kind, count] : injector.FaultsByKind()) {
    std::cerr << "chaos:   faults " << kind << ": " << count << "\n";
  }
  for (const auto& [cell, count] : injector.Coverage()) {
    std::cerr << "chaos:   coverage " << cell << ": " << count << "\n";
  }
  const std::vector<int64_t> takeovers = injector.TakeoverMillis();
  std::cerr << "chaos:   heal to rest: " << rest_ms << " ms; takeovers: " << takeovers.size()
            << ", p50 " << Percentile(takeovers, 0.5) << " ms, p99 " << Percentile(takeovers, 0.99)
            << " ms\n";
  std::cerr << "chaos:   watchers: " << watching["orders"] << " orders followed over "
            << watching["streams"] << " streams, " << watching["events"] << " events\n";
  std::cerr << "chaos:   operator: " << operating["sagas"] << " parked sagas found, retried "
            << operating["retries"] << " times\n";
  std::cerr << "chaos:   invariant check: " << invariants->orders << " orders audited\n";

  for (const std::string& violation : violations) {
    std::cerr << "chaos: VIOLATION " << violation << "\n";
    for (const std::string& line : OperationsBehind(violation, operations))
      std::cerr << line << "\n";
  }
  EXPECT_TRUE(violations.empty()) << violations.size() << " violations with seed " << seed
                                  << " (replay: ./oms chaos --seed " << seed << ")\n"
                                  << absl::StrJoin(violations, "\n");
  EXPECT_GT(placed.size(), 0u) << "the workload placed no order";
  EXPECT_GT(through_gateway.size(), 0u) << "no order was placed through the gateway";
  // The check read every order order-service holds, each acknowledged one among them.
  EXPECT_GE(invariants->orders, static_cast<int64_t>(placed.size()));
  if (HasFailure()) std::cerr << topology.Logs();
}

}  // namespace
}  // namespace oms::chaos
