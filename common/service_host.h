// Everything a service process runs besides its handlers, in start-up order: logs, metrics
// exposer, migrations, connection pool, executor, gRPC server; then it waits for SIGTERM and
// shuts down gracefully. main() only reads flags and wires the service's own objects.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/failpoints.h"
#include "common/log.h"
#include "common/migrations.h"
#include "common/pg_pool.h"
#include "common/server.h"

namespace oms {

class BoundedExecutor;
class Metrics;

struct HostConfig {
  std::string service_name;  // e.g. "inventory-service"
  std::string version = "dev";
  std::string listen_host = "127.0.0.1";
  int port = 0;
  int metrics_port = 0;
  std::string database_url;
  std::size_t db_pool_size = 8;
  std::size_t queue_capacity = 512;  // blocking tasks waiting for a pool connection
  // See PgPool::Options; every service bounds how long a stalled transaction holds its locks,
  // how long a statement runs and how long it waits for a lock. Requests are short transactions
  // answering within a caller's deadline of seconds: 30 s and 10 s only stop what is stuck.
  // Migrations run before the pool on a connection without these limits.
  std::chrono::milliseconds idle_in_transaction_timeout{60000};
  std::chrono::milliseconds statement_timeout{30000};
  std::chrono::milliseconds lock_timeout{10000};
  // TCP keepalives of every database connection (pool and migrations).
  PgKeepalive db_keepalive;
  // Pings on the gRPC server's connections, and what it accepts from clients.
  GrpcKeepalive grpc_keepalive;
  // mTLS or explicit plain text (HostConfigFromFlags refuses neither); reflection on or off.
  TransportSecurity security = TransportSecurity::Plaintext();
  bool grpc_reflection = false;
  std::vector<PreparedStatement> statements;
  std::vector<Migration> migrations;
  std::chrono::milliseconds drain_timeout{10000};
  // When set, {"grpc_port": N, "metrics_port": M} is written here once serving (tests use port 0).
  std::string ready_file;
  log::Level log_level = log::Level::kInfo;
  // OMS_FAILPOINTS; the server hits `<short name>.<Method>.before_reply` (the short name is
  // service_name without "-service"), and a service may pass it on to its own failpoints.
  Failpoints failpoints;
};

class ServiceHost {
 public:
  // Fails fast, with a message naming what is wrong, on bad configuration or an unreachable
  // database.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ServiceHost>> Create(HostConfig config);
  ~ServiceHost();

  PgPool& pool() { return *pool_; }
  BoundedExecutor& executor() { return *executor_; }
  Metrics& metrics() { return *metrics_; }

  // Starts serving the given services, each with its peer table; writes the ready file.
  [[nodiscard]] absl::Status Serve(const std::vector<ServiceEntry>& services);

  // Blocks until SIGTERM or SIGINT, then runs `before_drain` (to end what would otherwise keep
  // the drain waiting, such as open streams), drains and stops; returns the exit code.
  int RunUntilSignal(const std::function<void()>& before_drain = nullptr);

 private:
  explicit ServiceHost(HostConfig config);

  HostConfig config_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<BoundedExecutor> executor_;
  std::unique_ptr<GrpcServer> server_;
};

}  // namespace oms
