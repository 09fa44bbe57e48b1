// order-service: customers, orders and the saga coordinator. Flags, wiring and signals only.
#include <cstdio>

#include <unistd.h>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_channel.h"
#include "common/grpc_interceptors.h"
#include "common/metrics.h"
#include "common/pg_listener.h"
#include "common/pg_pool.h"
#include "common/process_setup.h"
#include "common/service_flags.h"
#include "common/service_host.h"
#include "common/signals.h"
#include "oms/billing/v1/billing.grpc.pb.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"
#include "order-service/src/backorder_feed.h"
#include "order-service/src/backorder_fill_store.h"
#include "order-service/src/billing_client.h"
#include "order-service/src/cancel_store.h"
#include "order-service/src/coordinator.h"
#include "order-service/src/customer_notifier.h"
#include "order-service/src/customer_store.h"
#include "order-service/src/edit_store.h"
#include "order-service/src/event_feed_store.h"
#include "order-service/src/grpc_participants.h"
#include "order-service/src/idempotency_records.h"
#include "order-service/src/inventory_client.h"
#include "order-service/src/notification_sender.h"
#include "order-service/src/notification_store.h"
#include "order-service/src/order_database.h"
#include "order-service/src/order_metrics.h"
#include "order-service/src/order_peers.h"
#include "order-service/src/order_repository.h"
#include "order-service/src/order_service.h"
#include "order-service/src/order_waiters.h"
#include "order-service/src/parcel_decisions.h"
#include "order-service/src/pg_saga_store.h"
#include "order-service/src/return_store.h"
#include "order-service/src/schema.h"
#include "order-service/src/shipment_event_store.h"
#include "order-service/src/shipment_feed.h"
#include "order-service/src/shipping_client.h"
#include "order-service/src/sku_backfill.h"
#include "order-service/src/webhook_dispatcher.h"
#include "order-service/src/webhook_store.h"

ABSL_FLAG(std::string, inventory_addr, "127.0.0.1:50052", "inventory-service host:port");
ABSL_FLAG(std::string, billing_addr, "127.0.0.1:50053", "billing-service host:port");
ABSL_FLAG(std::string, shipping_addr, "127.0.0.1:50054", "shipping-service host:port");
ABSL_FLAG(int, saga_workers, 4, "Threads doing the sagas' database work between calls");
ABSL_FLAG(int, saga_max_in_flight, 256,
          "Sagas driven at once by this replica (a saga waiting on a call holds no thread)");
ABSL_FLAG(int, saga_lease_seconds, 30, "How long a replica holds a saga between writes");
ABSL_FLAG(int, call_deadline_ms, 5000, "Deadline of each call to another service");
ABSL_FLAG(int, saga_forward_budget_ms, 600000,
          "How long a step before the pivot may keep failing transiently before the order is "
          "rejected (DEPENDENCY_UNAVAILABLE) and compensated");
ABSL_FLAG(std::string, instance, "", "This replica's name in saga leases (default host:pid)");
ABSL_FLAG(std::string, webhook_allowed_networks, "",
          "Comma-separated networks (address/prefix) webhooks may reach although they are "
          "private, loopback or otherwise reserved; empty: public addresses only");
ABSL_FLAG(int, webhook_retry_base_ms, 1000,
          "Wait after a webhook delivery's first failure; doubled at each failure, up to the cap");
ABSL_FLAG(int, webhook_retry_cap_ms, 3'600'000,
          "The longest wait between two attempts of a failing webhook delivery");
ABSL_FLAG(int, webhook_retry_window_seconds, 86400,
          "How long a webhook endpoint may fail one event before the event is dead-lettered");
ABSL_FLAG(int, webhook_max_in_flight, 16, "Webhook subscriptions delivered to at once");
ABSL_FLAG(std::string, notification_smtp_url, "",
          "smtp:// or smtps:// URL of the mail server customer notifications are sent through; "
          "empty: they stay in the notifications table (the local outbox)");
ABSL_FLAG(std::string, notification_from, "oms <orders@localhost>",
          "The From of customer notification mail");
ABSL_FLAG(int, max_watch_streams, 1000,
          "WatchOrder streams open at once (RESOURCE_EXHAUSTED beyond)");
ABSL_FLAG(int, stream_heartbeat_ms, 5000,
          "Heartbeat interval of shipping's event stream (as shipping sends it): three without a "
          "message end the stream and it reconnects");
ABSL_FLAG(int, backorder_poll_ms, 1000,
          "How often inventory is asked for backorder fills when there were none (the longest a "
          "fill waits to be shipped)");

namespace {

std::string DefaultInstance() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return absl::StrCat(host, ":", getpid());
}

}  // namespace

int main(int argc, char** argv) {
  oms::PrepareProcess();
  oms::BlockTerminationSignals();
  auto parsed = oms::HostConfigFromFlags(
      argc, argv, {"order-service", "OMS_ORDER", 50051, 9462},
      {{"inventory_addr", "OMS_INVENTORY_ADDR"},
       {"billing_addr", "OMS_BILLING_ADDR"},
       {"shipping_addr", "OMS_SHIPPING_ADDR"},
       {"saga_workers", "OMS_ORDER_SAGA_WORKERS"},
       {"saga_max_in_flight", "OMS_ORDER_SAGA_MAX_IN_FLIGHT"},
       {"saga_lease_seconds", "OMS_ORDER_SAGA_LEASE_SECONDS"},
       {"call_deadline_ms", "OMS_CALL_DEADLINE_MS"},
       {"saga_forward_budget_ms", "OMS_ORDER_SAGA_FORWARD_BUDGET_MS"},
       {"instance", "OMS_INSTANCE"},
       {"max_watch_streams", "OMS_ORDER_MAX_WATCH_STREAMS"},
       {"stream_heartbeat_ms", "OMS_STREAM_HEARTBEAT_MS"},
       {"backorder_poll_ms", "OMS_ORDER_BACKORDER_POLL_MS"},
       {"webhook_allowed_networks", "OMS_WEBHOOK_ALLOWED_NETWORKS"},
       {"webhook_retry_base_ms", "OMS_WEBHOOK_RETRY_BASE_MS"},
       {"webhook_retry_cap_ms", "OMS_WEBHOOK_RETRY_CAP_MS"},
       {"webhook_retry_window_seconds", "OMS_WEBHOOK_RETRY_WINDOW_SECONDS"},
       {"webhook_max_in_flight", "OMS_WEBHOOK_MAX_IN_FLIGHT"},
       {"notification_smtp_url", "OMS_NOTIFICATION_SMTP_URL"},
       {"notification_from", "OMS_NOTIFICATION_FROM"}});
  const int workers = absl::GetFlag(FLAGS_saga_workers);
  const int max_in_flight = absl::GetFlag(FLAGS_saga_max_in_flight);
  const int lease = absl::GetFlag(FLAGS_saga_lease_seconds);
  const int deadline_ms = absl::GetFlag(FLAGS_call_deadline_ms);
  const int forward_budget_ms = absl::GetFlag(FLAGS_saga_forward_budget_ms);
  const int max_watch_streams = absl::GetFlag(FLAGS_max_watch_streams);
  const int heartbeat_ms = absl::GetFlag(FLAGS_stream_heartbeat_ms);
  const int backorder_poll_ms = absl::GetFlag(FLAGS_backorder_poll_ms);
  if (parsed.ok() && (workers < 1 || workers > 256)) {
    parsed = absl::InvalidArgumentError("--saga_workers must be 1 to 256");
  }
  if (parsed.ok() && (max_in_flight < 1 || max_in_flight > 10000)) {
    parsed = absl::InvalidArgumentError("--saga_max_in_flight must be 1 to 10000");
  }
  if (parsed.ok() && (max_watch_streams < 1 || max_watch_streams > 100000)) {
    parsed = absl::InvalidArgumentError("--max_watch_streams must be 1 to 100000");
  }
  if (parsed.ok() && (heartbeat_ms < 100 || heartbeat_ms > 600000)) {
    parsed = absl::InvalidArgumentError("--stream_heartbeat_ms must be 100 to 600000");
  }
  if (parsed.ok() && (backorder_poll_ms < 10 || backorder_poll_ms > 600000)) {
    parsed = absl::InvalidArgumentError("--backorder_poll_ms must be 10 to 600000");
  }
  if (parsed.ok() && (lease < 2 || lease > 3600)) {
    parsed = absl::InvalidArgumentError("--saga_lease_seconds must be 2 to 3600");
  }
  if (parsed.ok() && (deadline_ms < 10 || deadline_ms * 2 > lease * 1000)) {
    parsed = absl::InvalidArgumentError(
        "--call_deadline_ms must be at least 10 and at most half the saga lease");
  }
  // At least two calls' worth, so one slow call never rejects an order by itself.
  if (parsed.ok() && (forward_budget_ms < deadline_ms * 2 || forward_budget_ms > 86'400'000)) {
    parsed = absl::InvalidArgumentError(
        "--saga_forward_budget_ms must be at least twice --call_deadline_ms and at most a day");
  }
  const int webhook_retry_base_ms = absl::GetFlag(FLAGS_webhook_retry_base_ms);
  const int webhook_retry_cap_ms = absl::GetFlag(FLAGS_webhook_retry_cap_ms);
  const int webhook_retry_window_s = absl::GetFlag(FLAGS_webhook_retry_window_seconds);
  const int webhook_max_in_flight = absl::GetFlag(FLAGS_webhook_max_in_flight);
  auto webhook_networks =
      oms::order::NetworkAllowList::Parse(absl::GetFlag(FLAGS_webhook_allowed_networks));
  if (parsed.ok() && !webhook_networks.ok()) {
    parsed = absl::InvalidArgumentError(
        absl::StrCat("--webhook_allowed_networks: ", webhook_networks.status().message()));
  }
  if (parsed.ok() && (webhook_retry_base_ms < 10 || webhook_retry_base_ms > 3'600'000)) {
    parsed = absl::InvalidArgumentError("--webhook_retry_base_ms must be 10 to 3600000");
  }
  if (parsed.ok() &&
      (webhook_retry_cap_ms < webhook_retry_base_ms || webhook_retry_cap_ms > 86'400'000)) {
    parsed = absl::InvalidArgumentError(
        "--webhook_retry_cap_ms must be at least --webhook_retry_base_ms and at most a day");
  }
  if (parsed.ok() && (webhook_retry_window_s < 1 || webhook_retry_window_s > 30 * 86400)) {
    parsed = absl::InvalidArgumentError("--webhook_retry_window_seconds must be 1 to 2592000");
  }
  if (parsed.ok() && (webhook_max_in_flight < 1 || webhook_max_in_flight > 1000)) {
    parsed = absl::InvalidArgumentError("--webhook_max_in_flight must be 1 to 1000");
  }
  const std::string smtp_url = absl::GetFlag(FLAGS_notification_smtp_url);
  const std::string mail_from = absl::GetFlag(FLAGS_notification_from);
  if (parsed.ok() && !smtp_url.empty() && !absl::StartsWith(smtp_url, "smtp://") &&
      !absl::StartsWith(smtp_url, "smtps://")) {
    parsed = absl::InvalidArgumentError("--notification_smtp_url must be smtp:// or smtps://");
  }
  if (parsed.ok() && (mail_from.empty() || mail_from.size() > 200 ||
                      mail_from.find_first_of("\r\n") != std::string::npos)) {
    parsed =
        absl::InvalidArgumentError("--notification_from must be one line of 1 to 200 characters");
  }
  if (!parsed.ok()) {
    std::fprintf(stderr, "order-service: %s\n", parsed.status().ToString().c_str());
    return 2;
  }
  oms::HostConfig config = std::move(*parsed);
  // OMS_FAILPOINTS, read once: the server's before_reply points and the coordinator's own.
  const oms::Failpoints failpoints = config.failpoints;
  config.statements = oms::order::OrderDatabaseStatements();
  config.migrations = oms::order::Migrations();
  // The LISTEN connection idles by design: keepalives tell a dead one from a quiet one.
  const std::string database_url = oms::WithKeepalives(config.database_url, config.db_keepalive);
  const oms::GrpcKeepalive grpc_keepalive = config.grpc_keepalive;
  // Its calls to the participants present order-service's own certificate.
  const oms::TransportSecurity security = config.security;
  // A replica paused (SIGSTOP, a long stall) inside a transaction would keep its saga rows
  // locked, and the others' FOR UPDATE SKIP LOCKED claim would skip them for ever: the lease
  // alone cannot hand the saga over. PostgreSQL ends such a session after half a lease, so the
  // rows are free when the lease expires, and the paused replica's commit fails when it wakes.
  config.idle_in_transaction_timeout = std::chrono::milliseconds(lease * 500);
  auto host = oms::ServiceHost::Create(std::move(config));
  if (!host.ok()) {
    std::fprintf(stderr, "order-service: cannot start: %s\n", host.status().ToString().c_str());
    return 1;
  }
  auto client_metrics =
      oms::MakeRpcMetrics((*host)->metrics().registry(), oms::RpcSide::kClient,
                          {oms::inventory::v1::InventoryService::service_full_name(),
                           oms::billing::v1::BillingService::service_full_name(),
                           oms::shipping::v1::ShippingService::service_full_name()});
  auto inventory = oms::MakeClientChannel(absl::GetFlag(FLAGS_inventory_addr), client_metrics,
                                          grpc_keepalive, security);
  auto billing = oms::MakeClientChannel(absl::GetFlag(FLAGS_billing_addr), client_metrics,
                                        grpc_keepalive, security);
  auto shipping = oms::MakeClientChannel(absl::GetFlag(FLAGS_shipping_addr), client_metrics,
                                         grpc_keepalive, security);
  const std::chrono::milliseconds deadline(deadline_ms);

  oms::order::PgSagaStore sagas((*host)->pool());
  oms::order::PgShipmentEventStore shipment_events((*host)->pool());
  oms::order::PgCustomerStore customers((*host)->pool());
  oms::order::PgOrderRepository orders((*host)->pool());
  oms::order::PgReturnStore returns((*host)->pool());
  oms::order::PgCancelStore cancels((*host)->pool());
  oms::order::PgParcelDecisions decisions((*host)->pool());
  oms::order::PgEditStore edits((*host)->pool());
  oms::order::OrderMetrics metrics((*host)->metrics().registry());
  oms::order::OrderWaiters waiters;
  // One client per peer, shared by the sagas' steps and the handlers' reads.
  auto inventory_client = oms::order::MakeGrpcInventoryClient(inventory, deadline);
  auto billing_client = oms::order::MakeGrpcBillingClient(billing, deadline);
  auto shipping_client = oms::order::MakeGrpcShippingClient(shipping, deadline);
  auto participants =
      oms::order::MakeGrpcParticipants(*inventory_client, *billing_client, *shipping_client);
  const std::string instance =
      absl::GetFlag(FLAGS_instance).empty() ? DefaultInstance() : absl::GetFlag(FLAGS_instance);
  oms::order::Coordinator coordinator(sagas, *participants, waiters, metrics,
                                      {instance,
                                       static_cast<std::size_t>(workers),
                                       static_cast<std::size_t>(max_in_flight),
                                       std::chrono::seconds(lease),
                                       std::chrono::milliseconds(500),
                                       {std::chrono::milliseconds(forward_budget_ms)},
                                       failpoints});
  // WatchOrder streams wake on the NOTIFY that order changes send on commit, from any replica.
  oms::WakeHub watchers(static_cast<std::size_t>(max_watch_streams));
  oms::order::PgApiKeyStore api_keys((*host)->pool());
  oms::order::PgAuditStore audit((*host)->pool());
  oms::order::PgEventFeed event_feed((*host)->pool());
  oms::order::PgWebhookStore webhooks((*host)->pool());
  oms::order::PgNotificationStore notification_store((*host)->pool());
  oms::order::OrderServiceImpl service({sagas, customers, orders, returns, cancels, api_keys, audit,
                                        event_feed, webhooks, notification_store, decisions, edits},
                                       {*inventory_client, *billing_client, *shipping_client},
                                       coordinator, waiters, metrics, (*host)->executor(), watchers,
                                       *webhook_networks);
  oms::order::OutboxSender outbox_sender;
  oms::order::SmtpSender smtp_sender({smtp_url, mail_from});
  oms::order::CustomerNotifier notifier(
      {notification_store, event_feed, *shipping_client},
      smtp_url.empty() ? static_cast<oms::order::NotificationSender&>(outbox_sender) : smtp_sender,
      {instance});
  oms::order::WebhookMetrics webhook_metrics((*host)->metrics().registry());
  oms::order::WebhookDispatcherOptions webhook_options;
  webhook_options.owner = instance;
  webhook_options.max_in_flight = static_cast<std::size_t>(webhook_max_in_flight);
  webhook_options.retry_base = std::chrono::milliseconds(webhook_retry_base_ms);
  webhook_options.retry_cap = std::chrono::milliseconds(webhook_retry_cap_ms);
  webhook_options.retry_window = std::chrono::seconds(webhook_retry_window_s);
  webhook_options.sender.allowed = *webhook_networks;
  oms::order::WebhookDispatcher webhook_dispatcher(webhooks, event_feed, webhook_metrics,
                                                   webhook_options);
  oms::PgListener::Hooks wake_watchers;
  wake_watchers.notified = [&watchers](const std::string& order_id) { watchers.Wake(order_id); };
  wake_watchers.resync = [&watchers] { watchers.WakeAll(); };
  oms::PgListener listener({database_url, oms::order::kOrderChangedChannel}, wake_watchers);
  listener.Start();
  oms::order::IdempotencyServiceImpl idempotency((*host)->pool(), (*host)->executor());
  absl::Status serving =
      (*host)->Serve({{&service, oms::order::v1::OrderService::service_full_name(),
                       oms::order::OrderServicePeers()},
                      {&idempotency, oms::order::v1::IdempotencyService::service_full_name(),
                       oms::order::IdempotencyServicePeers()}});
  if (!serving.ok()) {
    std::fprintf(stderr, "order-service: cannot serve: %s\n", serving.ToString().c_str());
    return 1;
  }
  // Sagas of replicas that died are resumed by the scan as soon as their lease expires.
  coordinator.Start();
  oms::order::ShipmentFeed feed(
      shipment_events, [&coordinator](const std::string& saga_id) { coordinator.Kick(saga_id); },
      metrics, shipping, {std::chrono::milliseconds(heartbeat_ms)});
  feed.Start();
  oms::order::PgBackorderFillStore backorder_fills((*host)->pool());
  oms::BackgroundLoop backorder_feed(oms::order::BackorderFeedStep(
      backorder_fills, inventory,
      [&coordinator](const std::string& saga_id) { coordinator.Kick(saga_id); },
      std::chrono::milliseconds(backorder_poll_ms)));
  backorder_feed.Start();
  oms::BackgroundLoop sku_backfill(oms::order::OrderSkuBackfill(orders));
  sku_backfill.Start();
  webhook_dispatcher.Start();
  notifier.Start();
  oms::BackgroundLoop feed_ticker([&watchers]() -> std::optional<std::chrono::milliseconds> {
    watchers.Wake(oms::order::kFeedTick);
    return std::chrono::seconds(1);
  });
  feed_ticker.Start();
  // Watch streams never end by themselves: end them first (clients resume with their last
  // event id elsewhere), then the feed and the coordinator.
  return (*host)->RunUntilSignal([&coordinator, &feed, &watchers, &listener, &sku_backfill,
                                  &webhook_dispatcher, &notifier, &feed_ticker, &backorder_feed] {
    watchers.Close();
    listener.Stop();
    feed_ticker.Stop();
    webhook_dispatcher.Stop();
    notifier.Stop();
    sku_backfill.Stop();
    backorder_feed.Stop();
    feed.Stop();
    coordinator.Stop();
  });
}
