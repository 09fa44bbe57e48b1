// One real service process for end-to-end tests, set up the way `./oms up` sets it up: its own
// database owned by its own login role (no other role may connect), ports chosen by the service
// (port 0) and read from its ready file, then SERVING on its health service.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "tests/support/process.h"

namespace grpc {
class Channel;
}

namespace oms::testing {

class ServiceUnderTest {
 public:
  // `env_prefix` is the service's variable prefix, e.g. "OMS_INVENTORY".
  ServiceUnderTest(std::string binary, std::string env_prefix);
  ~ServiceUnderTest();  // stops the process, drops the database and role

  // Creates the database and role on OMS_TEST_PG_URL, starts the binary with mutual TLS (its
  // identity from `env_prefix`, certificates from tests/support/test_pki.h; plain text when
  // `extra_env` sets OMS_INSECURE_PLAINTEXT) and waits until its health service reports SERVING
  // for "" (overall).
  [[nodiscard]] absl::Status Start(const std::map<std::string, std::string>& extra_env = {});

  // A second replica on the database `primary` created (which keeps owning it), with ports of
  // its own and primary's Start() variables plus `extra_env` (two order-services sharing sagas).
  [[nodiscard]] absl::Status StartReplicaOf(const ServiceUnderTest& primary,
                                            const std::map<std::string, std::string>& extra_env);

  // Kills the process if it still runs (SIGKILL) and starts it again on the same database and
  // the same ports, with Start()'s variables plus `extra_env` (this run only): a restart with a
  // failpoint armed, then one without it.
  [[nodiscard]] absl::Status Restart(const std::map<std::string, std::string>& extra_env = {});

  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }
  // Presents the test PKI's harness certificate, allowed whatever any caller is.
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  ChildProcess& process() { return process_; }
  std::string log() const;
  const std::string& database_url() const { return database_url_; }

 private:
  // Starts the binary with env_ and waits until it serves; reads the ports it bound.
  [[nodiscard]] absl::Status Launch();

  std::string binary_;
  std::string env_prefix_;
  std::string dir_;
  std::string admin_url_;
  std::string name_;  // database and role ("" for a replica: another instance owns them)
  std::map<std::string, std::string> env_;         // what Start() set, its extra_env included
  std::map<std::string, std::string> launch_env_;  // what the running process got
  std::string database_url_;
  ChildProcess process_;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

// Starts inventory, billing and shipping, then order-service reaching them (plus `order_env`):
// the suite wired as `./oms up` wires it.
[[nodiscard]] absl::Status StartSuite(ServiceUnderTest& inventory, ServiceUnderTest& billing,
                                      ServiceUnderTest& shipping, ServiceUnderTest& order,
                                      std::map<std::string, std::string> order_env = {});

}  // namespace oms::testing
