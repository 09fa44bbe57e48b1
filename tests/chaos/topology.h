// The chaos run's processes on one machine: two replicas of order-service and of
// inventory-service, one billing-service and one shipping-service, on the PostgreSQL of
// OMS_TEST_PG_URL, with timers scaled down so that leases expire, holds lapse and retries back
// off within seconds, and the gateway. order-service reaches each participant through a TCP
// proxy of its own (an edge, e.g. "order>billing"), and the gateway each order-service replica
// ("gateway>order-a"); the run injects network faults there.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/chaos/tcp_proxy.h"
#include "tests/support/service_under_test.h"
#include "tools/check/suite_audit.h"

namespace grpc {
class Channel;
}

namespace oms::chaos {

inline constexpr int kLeaseSeconds = 2;
inline constexpr int kCallDeadlineMs = 900;  // below half the lease
// How long a step before the pivot may keep failing: shorter than the longest faults, so that
// orders caught in an outage are rejected DEPENDENCY_UNAVAILABLE and compensated, under faults.
inline constexpr int kForwardBudgetMs = 5000;

// libpq URLs of the four databases (ServiceUnderTest::database_url()).
struct SuiteDatabases {
  std::string order;
  std::string inventory;
  std::string billing;
  std::string shipping;
};

class Topology {
 public:
  Topology();
  ~Topology();

  // Starts every process and seeds two warehouses (PACK plenty, MUG `mug_units`) and a customer.
  [[nodiscard]] absl::Status Start(int64_t mug_units);

  // Processes kills and pauses may hit, by name ("order-a", "inventory-b", "billing", ...).
  std::vector<std::string> ProcessNames() const;
  testing::ServiceUnderTest& Process(const std::string& name);
  // Edges network faults may hit, by name ("order>inventory-a", "order>billing", ...).
  std::vector<std::string> EdgeNames() const;
  TcpProxy& Edge(const std::string& name);

  // Round-robin over both order-service replicas, as a client behind a load balancer sees them.
  std::shared_ptr<grpc::Channel> orders() const { return orders_; }
  std::shared_ptr<grpc::Channel> shipping() const;
  // Round-robin over both inventory-service replicas, as the supplier's receipts reach them.
  std::shared_ptr<grpc::Channel> inventory() const { return inventory_; }
  // The ids of the two seeded warehouses.
  const std::vector<std::string>& warehouse_ids() const { return warehouse_ids_; }
  const std::string& customer_id() const { return customer_id_; }

  // The gateway's base URL ("http://127.0.0.1:<port>"), and the API key a customer places
  // orders with there, bound to customer_id(); order-service knows that customer's orders
  // under the client id "key:<key id>".
  struct GatewayAccess {
    std::string url;
    std::string api_key;
    std::string client_id;
  };
  const GatewayAccess& gateway() const { return gateway_access_; }
  // Why the gateway is not running, when it exited by itself; "" while it runs.
  std::string GatewayExit();
  SuiteDatabases databases() const;
  // Straight to one replica of each service, never through an edge's proxy: what the invariant
  // check reads must not be what the run's network faults distort.
  check::SuiteChannels AuditChannels() const;

  // The end of every process's log, for a failed run.
  std::string Logs() const;

  // The failpoints a run may arm in each process (common/failpoints.h), and arming one: every
  // process watches a failpoints file of its own; "" disarms.
  static std::map<std::string, std::vector<std::string>> FailpointsByProcess();
  void ArmFailpoint(const std::string& process, const std::string& entry);
  // The coordinator's points a refusal may arm: the calls of a shipment saga (commit-stock,
  // capture-payment), all after its pivot, so that what they refuse parks for the operator.
  static std::map<std::string, std::vector<std::string>> RefusalsByProcess();

 private:
  // Starts the gateway on both order-service replicas (through its edges) and makes the
  // customer's API key.
  [[nodiscard]] absl::Status StartGateway();
  // OMS_FAILPOINTS_FILE for the process.
  std::map<std::string, std::string> FailpointEnv(const std::string& process) const;

  std::string failpoints_dir_;
  std::map<std::string, std::unique_ptr<testing::ServiceUnderTest>> processes_;
  std::map<std::string, std::unique_ptr<TcpProxy>> edges_;
  std::shared_ptr<grpc::Channel> orders_;
  std::shared_ptr<grpc::Channel> inventory_;
  std::vector<std::string> warehouse_ids_;
  std::string customer_id_;
  testing::ChildProcess gateway_;
  std::string gateway_dir_;
  GatewayAccess gateway_access_;
};

}  // namespace oms::chaos
