// gateway: the HTTP/JSON API for external clients and the security boundary. Flags, wiring and
// signals only.
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/config.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/process_setup.h"
#include "common/ready_file.h"
#include "common/signals.h"
#include "common/transport_flags.h"
#include "gateway/src/api_key_cache.h"
#include "gateway/src/api_key_client.h"
#include "gateway/src/auth.h"
#include "gateway/src/backends.h"
#include "gateway/src/gateway.h"
#include "gateway/src/gateway_metrics.h"
#include "gateway/src/http_server.h"
#include "gateway/src/idempotency_client.h"
#include "gateway/src/jwt_verifier.h"
#include "gateway/src/routes.h"
#include "gateway/src/static_files.h"
#include "gateway/src/stream_slots.h"

ABSL_FLAG(std::string, listen_host, "127.0.0.1", "Address the HTTP and metrics servers bind");
ABSL_FLAG(int, port, 8080, "HTTP port (0 picks a free one)");
ABSL_FLAG(int, metrics_port, 9461, "Prometheus /metrics port (0 picks a free one)");
ABSL_FLAG(std::string, inventory_addr, "127.0.0.1:50052", "inventory-service host:port");
ABSL_FLAG(std::string, billing_addr, "127.0.0.1:50053", "billing-service host:port");
ABSL_FLAG(std::string, shipping_addr, "127.0.0.1:50054", "shipping-service host:port");
ABSL_FLAG(std::string, order_addr, "127.0.0.1:50051", "order-service host:port");
ABSL_FLAG(std::string, ready_file, "", "Where to write the bound ports once listening");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error");
ABSL_FLAG(int, http_threads, 2, "Threads running the HTTP server");
ABSL_FLAG(int, drain_seconds, 10, "How long requests in flight may finish after SIGTERM");
ABSL_FLAG(int, request_timeout_ms, 5000, "Default deadline of a request, passed downstream");
ABSL_FLAG(int, order_timeout_ms, 15000,
          "How long POST /v1/orders waits for the saga before answering 202 with the PENDING "
          "order");
ABSL_FLAG(double, auth_failure_rps, 0.1,
          "Failed authentications per second an address regains (token refill rate)");
ABSL_FLAG(double, auth_failure_burst, 10,
          "Failed authentications an address may have before it gets 429 (bucket size)");
ABSL_FLAG(std::string, client_address_header, "",
          "Header naming the client's address, e.g. X-Forwarded-For, believed only from "
          "--trusted_proxies; empty: the TCP peer");
ABSL_FLAG(std::string, trusted_proxies, "",
          "Comma-separated CIDRs of the proxies in front of the gateway whose "
          "--client_address_header is believed (their connections are not capped per address)");
ABSL_FLAG(int, trusted_proxy_hops, 1,
          "Proxies in front of the gateway, each appending to --client_address_header: the "
          "client is the entry this many from the right");
ABSL_FLAG(int, max_connections, 10000, "HTTP connections open at once (closed beyond)");
ABSL_FLAG(int, max_connections_per_address, 256,
          "HTTP connections open at once from one client address (closed beyond)");
ABSL_FLAG(int, watch_heartbeat_ms, 15000,
          "A server-sent event stream idle this long gets a comment heartbeat");
ABSL_FLAG(int, max_watch_streams, 1000, "Server-sent event streams open at once (503 beyond)");
ABSL_FLAG(int, max_watch_streams_per_credential, 8,
          "Server-sent event streams one credential may hold open at once (429 beyond)");
ABSL_FLAG(int, watch_recheck_ms, 60000,
          "How often an open server-sent event stream's credential is verified again; a stream "
          "whose credential is refused (a revoked API key, an expired JWT) ends");
ABSL_FLAG(int64_t, max_body_bytes, 1 << 20, "Largest request body accepted (413 beyond)");
ABSL_FLAG(int, max_in_flight, 1024, "Requests handled at once (503 beyond)");
ABSL_FLAG(double, rate_limit_rps, 50, "Requests per second per credential (token refill rate)");
ABSL_FLAG(double, rate_limit_burst, 100, "Requests a credential may make at once (bucket size)");
ABSL_FLAG(std::string, cors_origins, "", "Comma-separated origins allowed cross-origin access");
ABSL_FLAG(std::string, jwks_file, "",
          "JWKS file of the keys JWTs are verified with (none: no JWT)");
ABSL_FLAG(std::string, jwt_alg, "RS256", "The one JWT algorithm accepted: RS256 or ES256");
ABSL_FLAG(std::string, jwt_issuer, "", "Required `iss` of JWTs");
ABSL_FLAG(std::string, jwt_audience, "", "Required `aud` of JWTs");
ABSL_FLAG(std::string, console_dir, "",
          "Directory of the operations console's files, served at /console (console/ of the "
          "source tree); empty: /console answers 404");
ABSL_FLAG(int, api_key_cache_seconds, 5,
          "How long a verified (or refused) API key is remembered; a revoked key stops working "
          "within this many seconds");

namespace {

int Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "gateway: %s: %s\n", what.c_str(), status.ToString().c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  oms::PrepareProcess();
  oms::BlockTerminationSignals();
  std::vector<oms::EnvFallback> env = oms::TransportSecurityEnv();
  const std::vector<oms::EnvFallback> own = {
      {"listen_host", "OMS_LISTEN_HOST"},
      {"port", "OMS_GATEWAY_PORT"},
      {"metrics_port", "OMS_GATEWAY_METRICS_PORT"},
      {"inventory_addr", "OMS_INVENTORY_ADDR"},
      {"billing_addr", "OMS_BILLING_ADDR"},
      {"shipping_addr", "OMS_SHIPPING_ADDR"},
      {"order_addr", "OMS_ORDER_ADDR"},
      {"ready_file", "OMS_READY_FILE"},
      {"log_level", "OMS_LOG_LEVEL"},
      {"http_threads", "OMS_GATEWAY_HTTP_THREADS"},
      {"drain_seconds", "OMS_DRAIN_SECONDS"},
      {"request_timeout_ms", "OMS_GATEWAY_REQUEST_TIMEOUT_MS"},
      {"order_timeout_ms", "OMS_GATEWAY_ORDER_TIMEOUT_MS"},
      {"auth_failure_rps", "OMS_GATEWAY_AUTH_FAILURE_RPS"},
      {"auth_failure_burst", "OMS_GATEWAY_AUTH_FAILURE_BURST"},
      {"client_address_header", "OMS_GATEWAY_CLIENT_ADDRESS_HEADER"},
      {"trusted_proxies", "OMS_GATEWAY_TRUSTED_PROXIES"},
      {"trusted_proxy_hops", "OMS_GATEWAY_TRUSTED_PROXY_HOPS"},
      {"max_connections", "OMS_GATEWAY_MAX_CONNECTIONS"},
      {"max_connections_per_address", "OMS_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS"},
      {"watch_heartbeat_ms", "OMS_GATEWAY_WATCH_HEARTBEAT_MS"},
      {"max_watch_streams", "OMS_GATEWAY_MAX_WATCH_STREAMS"},
      {"max_watch_streams_per_credential", "OMS_GATEWAY_MAX_WATCH_STREAMS_PER_CREDENTIAL"},
      {"watch_recheck_ms", "OMS_GATEWAY_WATCH_RECHECK_MS"},
      {"max_body_bytes", "OMS_GATEWAY_MAX_BODY_BYTES"},
      {"max_in_flight", "OMS_GATEWAY_MAX_IN_FLIGHT"},
      {"rate_limit_rps", "OMS_GATEWAY_RATE_LIMIT_RPS"},
      {"rate_limit_burst", "OMS_GATEWAY_RATE_LIMIT_BURST"},
      {"cors_origins", "OMS_GATEWAY_CORS_ORIGINS"},
      {"jwks_file", "OMS_GATEWAY_JWKS_FILE"},
      {"jwt_alg", "OMS_GATEWAY_JWT_ALG"},
      {"jwt_issuer", "OMS_GATEWAY_JWT_ISSUER"},
      {"jwt_audience", "OMS_GATEWAY_JWT_AUDIENCE"},
      {"api_key_cache_seconds", "OMS_GATEWAY_API_KEY_CACHE_SECONDS"},
      {"console_dir", "OMS_GATEWAY_CONSOLE_DIR"}};
  env.insert(env.end(), own.begin(), own.end());
  absl::Status parsed = oms::ParseFlagsWithEnv(argc, argv, env);
  if (!parsed.ok()) return Fail("bad configuration", parsed);
  // Its calls to the services present the gateway's certificate (or go in plain text when
  // --insecure_plaintext says so); without either the gateway does not start.
  auto security = oms::TransportSecurityFromFlags();
  if (!security.ok()) return Fail("bad configuration", security.status());

  oms::log::Level level;
  if (!oms::log::ParseLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return Fail("bad configuration",
                absl::InvalidArgumentError("--log_level must be debug, info, warn or error"));
  }
  oms::log::Init("gateway", level);
  const int port = absl::GetFlag(FLAGS_port);
  const int metrics_port = absl::GetFlag(FLAGS_metrics_port);
  const int64_t max_body = absl::GetFlag(FLAGS_max_body_bytes);
  const int timeout_ms = absl::GetFlag(FLAGS_request_timeout_ms);
  const int drain_seconds = absl::GetFlag(FLAGS_drain_seconds);
  const double rps = absl::GetFlag(FLAGS_rate_limit_rps);
  const double burst = absl::GetFlag(FLAGS_rate_limit_burst);
  const int max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  const int api_key_cache_seconds = absl::GetFlag(FLAGS_api_key_cache_seconds);
  const int order_timeout_ms = absl::GetFlag(FLAGS_order_timeout_ms);
  const double auth_failure_rps = absl::GetFlag(FLAGS_auth_failure_rps);
  const double auth_failure_burst = absl::GetFlag(FLAGS_auth_failure_burst);
  const int watch_heartbeat_ms = absl::GetFlag(FLAGS_watch_heartbeat_ms);
  const int max_watch_streams = absl::GetFlag(FLAGS_max_watch_streams);
  const int max_connections = absl::GetFlag(FLAGS_max_connections);
  const int max_connections_per_address = absl::GetFlag(FLAGS_max_connections_per_address);
  const int max_watch_streams_per_credential =
      absl::GetFlag(FLAGS_max_watch_streams_per_credential);
  const int watch_recheck_ms = absl::GetFlag(FLAGS_watch_recheck_ms);
  for (auto [ok, message] :
       {std::pair{port >= 0 && port <= 65535, "--port must be 0 to 65535"},
        std::pair{metrics_port >= 0 && metrics_port <= 65535, "--metrics_port must be 0 to 65535"},
        std::pair{max_body >= 1 && max_body <= (int64_t{64} << 20),
                  "--max_body_bytes must be 1 to 64 MiB"},
        std::pair{timeout_ms >= 10 && timeout_ms <= 300000,
                  "--request_timeout_ms must be 10 to 300000"},
        std::pair{drain_seconds >= 0 && drain_seconds <= 3600, "--drain_seconds must be 0 to 3600"},
        std::pair{rps > 0 && burst >= 1, "--rate_limit_rps must be > 0 and burst >= 1"},
        std::pair{max_in_flight >= 1, "--max_in_flight must be at least 1"},
        std::pair{api_key_cache_seconds >= 0 && api_key_cache_seconds <= 300,
                  "--api_key_cache_seconds must be 0 to 300"},
        std::pair{order_timeout_ms >= 100 && order_timeout_ms <= 300000,
                  "--order_timeout_ms must be 100 to 300000"},
        std::pair{auth_failure_rps > 0 && auth_failure_burst >= 1,
                  "--auth_failure_rps must be > 0 and --auth_failure_burst >= 1"},
        std::pair{watch_heartbeat_ms >= 10 && watch_heartbeat_ms <= 300000,
                  "--watch_heartbeat_ms must be 10 to 300000"},
        std::pair{max_watch_streams >= 1 && max_watch_streams <= 100000,
                  "--max_watch_streams must be 1 to 100000"},
        std::pair{max_connections >= 1 && max_connections <= 1000000,
                  "--max_connections must be 1 to 1000000"},
        std::pair{max_connections_per_address >= 1 && max_connections_per_address <= 1000000,
                  "--max_connections_per_address must be 1 to 1000000"},
        std::pair{max_watch_streams_per_credential >= 1 &&
                      max_watch_streams_per_credential <= max_watch_streams,
                  "--max_watch_streams_per_credential must be 1 to --max_watch_streams"},
        // At most the hour a stream lives: a check later than that would never run.
        std::pair{watch_recheck_ms >= 100 && watch_recheck_ms <= 3600000,
                  "--watch_recheck_ms must be 100 to 3600000"}}) {
    if (!ok) return Fail("bad configuration", absl::InvalidArgumentError(message));
  }

  // The key comes from the environment only: flags show up in `ps`.
  const char* admin_key_env = std::getenv("OMS_BOOTSTRAP_ADMIN_KEY");
  const std::string admin_key = admin_key_env != nullptr ? admin_key_env : "";
  if (!admin_key.empty() && admin_key.size() < 16) {
    return Fail("bad configuration", absl::InvalidArgumentError(
                                         "OMS_BOOTSTRAP_ADMIN_KEY must be at least 16 characters"));
  }
  std::unique_ptr<oms::gateway::JwtVerifier> jwt;
  if (!absl::GetFlag(FLAGS_jwks_file).empty()) {
    auto algorithm = oms::gateway::ParseJwtAlgorithm(absl::GetFlag(FLAGS_jwt_alg));
    if (!algorithm.ok()) return Fail("bad configuration", algorithm.status());
    oms::gateway::JwtConfig jwt_config;
    jwt_config.algorithm = *algorithm;
    jwt_config.issuer = absl::GetFlag(FLAGS_jwt_issuer);
    jwt_config.audience = absl::GetFlag(FLAGS_jwt_audience);
    auto verifier =
        oms::gateway::JwtVerifier::FromJwksFile(absl::GetFlag(FLAGS_jwks_file), jwt_config);
    if (!verifier.ok()) return Fail("bad JWT configuration", verifier.status());
    jwt = std::move(*verifier);
  }

  oms::Metrics metrics("gateway", "dev");
  absl::Status serving_metrics = metrics.Serve(absl::GetFlag(FLAGS_listen_host), metrics_port);
  if (!serving_metrics.ok()) return Fail("cannot serve metrics", serving_metrics);
  oms::gateway::GatewayMetrics gateway_metrics(metrics.registry());
  // Declared before everything a stream uses, so that it is destroyed after them.
  oms::gateway::StreamSlots streams(
      static_cast<std::size_t>(max_watch_streams),
      static_cast<std::size_t>(max_watch_streams_per_credential),
      [&gateway_metrics](std::size_t open) { gateway_metrics.SetOpenStreams(open); });

  oms::gateway::BackendAddresses addresses;
  addresses.inventory = absl::GetFlag(FLAGS_inventory_addr);
  addresses.billing = absl::GetFlag(FLAGS_billing_addr);
  addresses.shipping = absl::GetFlag(FLAGS_shipping_addr);
  addresses.order = absl::GetFlag(FLAGS_order_addr);
  oms::gateway::Backends backends(addresses, &metrics.registry(), *security);

  oms::gateway::GatewayOptions options;
  options.max_body_bytes = static_cast<std::size_t>(max_body);
  options.max_in_flight = static_cast<std::size_t>(max_in_flight);
  options.rate_per_second = rps;
  options.rate_burst = burst;
  options.auth_failure_rate_per_second = auth_failure_rps;
  options.auth_failure_burst = auth_failure_burst;
  oms::gateway::ClientAddressOptions client_addresses;
  client_addresses.header = absl::GetFlag(FLAGS_client_address_header);
  for (absl::string_view cidr :
       absl::StrSplit(absl::GetFlag(FLAGS_trusted_proxies), ',', absl::SkipWhitespace())) {
    client_addresses.trusted_proxies.emplace_back(cidr);
  }
  client_addresses.hops = absl::GetFlag(FLAGS_trusted_proxy_hops);
  auto client_address_policy = oms::gateway::ClientAddressPolicy::Make(client_addresses);
  if (!client_address_policy.ok()) {
    return Fail("bad configuration", client_address_policy.status());
  }
  options.client_addresses = std::move(*client_address_policy);
  for (absl::string_view origin :
       absl::StrSplit(absl::GetFlag(FLAGS_cors_origins), ',', absl::SkipWhitespace())) {
    options.cors_origins.emplace_back(origin);
  }
  // API keys are verified by order-service, remembered for a few seconds.
  auto api_keys = std::make_unique<oms::gateway::CachingApiKeyVerifier>(
      std::make_unique<oms::gateway::GrpcApiKeyVerifier>(&backends.order(),
                                                         std::chrono::milliseconds(timeout_ms)),
      std::chrono::seconds(api_key_cache_seconds));
  // Idempotency-Key records are kept by order-service.
  oms::gateway::Gateway gateway(
      options,
      std::make_unique<oms::gateway::Authenticator>(admin_key, std::move(jwt), std::move(api_keys)),
      &gateway_metrics,
      std::make_unique<oms::gateway::GrpcIdempotencyStore>(&backends.idempotency(),
                                                           std::chrono::milliseconds(timeout_ms)));
  oms::gateway::RouteOptions route_options;
  route_options.deadline = std::chrono::milliseconds(timeout_ms);
  route_options.order_deadline = std::chrono::milliseconds(order_timeout_ms);
  route_options.watch_heartbeat = std::chrono::milliseconds(watch_heartbeat_ms);
  route_options.streams = &streams;
  route_options.watch_recheck = std::chrono::milliseconds(watch_recheck_ms);
  route_options.console_dir = absl::GetFlag(FLAGS_console_dir);
  if (!route_options.console_dir.empty()) {
    auto console = oms::gateway::StaticFiles::Open(route_options.console_dir);
    if (!console.ok()) return Fail("bad configuration", console.status());
  }
  absl::Status routes = oms::gateway::AddAllRoutes(gateway, backends, route_options);
  if (!routes.ok()) return Fail("bad route table", routes);

  oms::gateway::HttpServerOptions server_options;
  server_options.host = absl::GetFlag(FLAGS_listen_host);
  server_options.port = port;
  server_options.threads = absl::GetFlag(FLAGS_http_threads);
  server_options.max_connections = static_cast<std::size_t>(max_connections);
  server_options.max_connections_per_address =
      static_cast<std::size_t>(max_connections_per_address);
  server_options.on_connection_refused = [&gateway_metrics] {
    gateway_metrics.ConnectionRefused();
  };
  auto server = oms::gateway::HttpServer::Start(server_options, gateway);
  if (!server.ok()) return Fail("cannot serve HTTP", server.status());
  oms::log::Info("", "serving",
                 {{"http", absl::StrCat(server_options.host, ":", (*server)->port())},
                  {"metrics", absl::StrCat(server_options.host, ":", metrics.port())}});
  if (!absl::GetFlag(FLAGS_ready_file).empty()) {
    absl::Status ready =
        oms::WriteReadyFile(absl::GetFlag(FLAGS_ready_file),
                            {{"http_port", (*server)->port()}, {"metrics_port", metrics.port()}});
    if (!ready.ok()) return Fail("cannot write the ready file", ready);
  }

  const int signal_number = oms::WaitForTerminationSignal();
  oms::log::Info("", "shutting down", {{"signal", std::to_string(signal_number)}});
  // Ends open streams too (their WatchOrder calls are cancelled), then waits for those calls.
  (*server)->Shutdown(std::chrono::seconds(drain_seconds));
  if (!streams.WaitUntilNone(std::chrono::seconds(2)) || gateway.in_flight() > 0) {
    // Backend calls outlived the drain: their callbacks would find the server gone.
    oms::log::Warn("", "exiting with requests in flight",
                   {{"requests", std::to_string(gateway.in_flight())},
                    {"streams", std::to_string(streams.open())}});
    std::_Exit(0);
  }
  oms::log::Info("", "stopped");
  return 0;
}
