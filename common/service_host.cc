#include "common/service_host.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/executor.h"
#include "common/metrics.h"
#include "common/ready_file.h"
#include "common/signals.h"

namespace oms {

ServiceHost::ServiceHost(HostConfig config) : config_(std::move(config)) {}

ServiceHost::~ServiceHost() = default;

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Create(HostConfig config) {
  log::Init(config.service_name, config.log_level);
  absl::Status secure = CheckTransportSecurity(config.security);
  if (!secure.ok()) return secure;
  std::unique_ptr<ServiceHost> host(new ServiceHost(std::move(config)));
  const HostConfig& c = host->config_;
  host->metrics_ = std::make_unique<Metrics>(c.service_name, c.version);
  absl::Status status = host->metrics_->Serve(c.listen_host, c.metrics_port);
  if (!status.ok()) return status;
  const std::string database_url = WithKeepalives(c.database_url, c.db_keepalive);
  status = ApplyMigrations(database_url, c.migrations);
  if (!status.ok()) return status;
  PgPool::Options pool_options;
  pool_options.url = database_url;
  pool_options.size = c.db_pool_size;
  pool_options.acquire_timeout = std::chrono::milliseconds(2000);
  pool_options.statements = c.statements;
  pool_options.idle_in_transaction_timeout = c.idle_in_transaction_timeout;
  pool_options.statement_timeout = c.statement_timeout;
  pool_options.lock_timeout = c.lock_timeout;
  auto pool = PgPool::Create(std::move(pool_options), &host->metrics_->registry());
  if (!pool.ok()) return pool.status();
  host->pool_ = std::move(*pool);
  // As many workers as connections: a worker never waits for a connection another worker holds.
  host->executor_ = std::make_unique<BoundedExecutor>(c.db_pool_size, c.queue_capacity);
  return host;
}

absl::Status ServiceHost::Serve(const std::vector<ServiceEntry>& services) {
  ServerConfig server_config;
  server_config.listen_host = config_.listen_host;
  server_config.port = config_.port;
  server_config.drain_timeout = config_.drain_timeout;
  server_config.keepalive = config_.grpc_keepalive;
  server_config.security = config_.security;
  server_config.reflection = config_.grpc_reflection;
  server_config.failpoints = config_.failpoints;
  server_config.failpoint_prefix = config_.service_name;
  const std::string suffix = "-service";
  if (absl::EndsWith(server_config.failpoint_prefix, suffix)) {
    server_config.failpoint_prefix.resize(server_config.failpoint_prefix.size() - suffix.size());
  }
  auto server = GrpcServer::Start(server_config, services, *metrics_);
  if (!server.ok()) return server.status();
  server_ = std::move(*server);
  log::Info("", "serving",
            {{"grpc", absl::StrCat(config_.listen_host, ":", server_->port())},
             {"transport", config_.security.plaintext ? "plaintext" : "mtls"},
             {"metrics", absl::StrCat(config_.listen_host, ":", metrics_->port())}});
  if (!config_.ready_file.empty()) {
    return WriteReadyFile(config_.ready_file,
                          {{"grpc_port", server_->port()}, {"metrics_port", metrics_->port()}});
  }
  return absl::OkStatus();
}

int ServiceHost::RunUntilSignal(const std::function<void()>& before_drain) {
  const int signal_number = WaitForTerminationSignal();
  log::Info("", "shutting down", {{"signal", std::to_string(signal_number)}});
  if (before_drain) before_drain();
  if (server_) server_->Shutdown();
  executor_->Stop();  // after the server: calls that were drained may still have queued work
  log::Info("", "stopped");
  return 0;
}

}  // namespace oms
