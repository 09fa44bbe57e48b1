// gRPC handlers of oms.order.v1.OrderService: customers, order capture and reads, and the
// operators' saga commands.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/executor.h"
#include "common/wake_hub.h"
#include "oms/order/v1/order.grpc.pb.h"
#include "order-service/src/api_keys.h"
#include "order-service/src/audit_store.h"
#include "order-service/src/cancel_store.h"
#include "order-service/src/coordinator.h"
#include "order-service/src/customer_store.h"
#include "order-service/src/edit_store.h"
#include "order-service/src/event_feed.h"
#include "order-service/src/notification_store.h"
#include "order-service/src/order_metrics.h"
#include "order-service/src/order_repository.h"
#include "order-service/src/order_waiters.h"
#include "order-service/src/parcel_decisions.h"
#include "order-service/src/return_store.h"
#include "order-service/src/saga_store.h"
#include "order-service/src/webhook_store.h"
#include "order-service/src/webhook_targets.h"

namespace oms::order {

// The key on which main's ticker wakes the feed's streams (StreamEvents): an event whose commit
// sent no NOTIFY of its own (held back behind an older transaction that wrote no order event)
// is still sent within a tick. No order has this id.
inline constexpr char kFeedTick[] = "feed-tick";

// Initial metadata of a CreateOrder answer that replays an earlier order (same key or same
// external order id): the order was not created by this call.
inline constexpr char kReplayHeader[] = "oms-replay";

// The stores of the order database the handlers use.
struct OrderStores {
  SagaOperations& sagas;
  CustomerStore& customers;
  OrderRepository& orders;
  ReturnStore& returns;
  CancelStore& cancels;
  ApiKeyStore& api_keys;
  AuditStore& audit;
  EventFeed& feed;
  WebhookStore& webhooks;
  NotificationLog& notifications;
  ParcelDecisions& decisions;
  EditStore& edits;
};

class BillingClient;
class InventoryClient;
class ShippingClient;

// The peers the handlers read from: the catalog and the tax quote at capture, payments and
// shipments for the timeline.
struct OrderPeers {
  InventoryClient& inventory;
  BillingClient& billing;
  ShippingClient& shipping;
};

class OrderServiceImpl final : public v1::OrderService::CallbackService {
 public:
  OrderServiceImpl(const OrderStores& stores, const OrderPeers& peers, Coordinator& coordinator,
                   OrderWaiters& waiters, OrderMetrics& metrics, BoundedExecutor& executor,
                   WakeHub& watchers, const NetworkAllowList& webhook_networks)
      : sagas_(stores.sagas),
        customers_(stores.customers),
        orders_(stores.orders),
        returns_(stores.returns),
        cancels_(stores.cancels),
        decisions_(stores.decisions),
        edits_(stores.edits),
        api_keys_(stores.api_keys),
        audit_(stores.audit),
        feed_(stores.feed),
        webhooks_(stores.webhooks),
        notifications_(stores.notifications),
        webhook_networks_(webhook_networks),
        peers_(peers),
        coordinator_(coordinator),
        waiters_(waiters),
        metrics_(metrics),
        executor_(executor),
        watchers_(watchers) {}

  grpc::ServerUnaryReactor* CreateCustomer(grpc::CallbackServerContext* context,
                                           const v1::CreateCustomerRequest* request,
                                           v1::Customer* response) override;
  grpc::ServerUnaryReactor* GetCustomer(grpc::CallbackServerContext* context,
                                        const v1::GetCustomerRequest* request,
                                        v1::Customer* response) override;
  grpc::ServerUnaryReactor* UpdateCustomer(grpc::CallbackServerContext* context,
                                           const v1::UpdateCustomerRequest* request,
                                           v1::Customer* response) override;
  grpc::ServerUnaryReactor* ListCustomers(grpc::CallbackServerContext* context,
                                          const v1::ListCustomersRequest* request,
                                          v1::ListCustomersResponse* response) override;
  grpc::ServerUnaryReactor* CreateOrder(grpc::CallbackServerContext* context,
                                        const v1::CreateOrderRequest* request,
                                        v1::Order* response) override;
  // In modify_order.cc.
  grpc::ServerUnaryReactor* ModifyOrder(grpc::CallbackServerContext* context,
                                        const v1::ModifyOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* GetOrder(grpc::CallbackServerContext* context,
                                     const v1::GetOrderRequest* request,
                                     v1::Order* response) override;
  grpc::ServerUnaryReactor* ListOrders(grpc::CallbackServerContext* context,
                                       const v1::ListOrdersRequest* request,
                                       v1::ListOrdersResponse* response) override;
  grpc::ServerUnaryReactor* CancelOrder(grpc::CallbackServerContext* context,
                                        const v1::CancelOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* GetOrderTimeline(grpc::CallbackServerContext* context,
                                             const v1::GetOrderTimelineRequest* request,
                                             v1::OrderTimeline* response) override;
  grpc::ServerWriteReactor<v1::TimelineEvent>* WatchOrder(
      grpc::CallbackServerContext* context, const v1::WatchOrderRequest* request) override;
  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* context,
                                       const v1::ListEventsRequest* request,
                                       v1::ListEventsResponse* response) override;
  grpc::ServerWriteReactor<v1::FeedEvent>* StreamEvents(
      grpc::CallbackServerContext* context, const v1::StreamEventsRequest* request) override;
  grpc::ServerUnaryReactor* ReshipShipment(grpc::CallbackServerContext* context,
                                           const v1::ReshipShipmentRequest* request,
                                           v1::Order* response) override;
  grpc::ServerUnaryReactor* RefundShipment(grpc::CallbackServerContext* context,
                                           const v1::RefundShipmentRequest* request,
                                           v1::Order* response) override;
  grpc::ServerUnaryReactor* GetConsumerLag(grpc::CallbackServerContext* context,
                                           const v1::GetConsumerLagRequest* request,
                                           v1::GetConsumerLagResponse* response) override;
  grpc::ServerUnaryReactor* ListNotifications(grpc::CallbackServerContext* context,
                                              const v1::ListNotificationsRequest* request,
                                              v1::ListNotificationsResponse* response) override;
  grpc::ServerUnaryReactor* CreateReturn(grpc::CallbackServerContext* context,
                                         const v1::CreateReturnRequest* request,
                                         v1::Return* response) override;
  grpc::ServerUnaryReactor* GetReturn(grpc::CallbackServerContext* context,
                                      const v1::GetReturnRequest* request,
                                      v1::Return* response) override;
  grpc::ServerUnaryReactor* ListReturns(grpc::CallbackServerContext* context,
                                        const v1::ListReturnsRequest* request,
                                        v1::ListReturnsResponse* response) override;
  grpc::ServerUnaryReactor* ReceiveReturn(grpc::CallbackServerContext* context,
                                          const v1::ReceiveReturnRequest* request,
                                          v1::Return* response) override;
  grpc::ServerUnaryReactor* ListStuckSagas(grpc::CallbackServerContext* context,
                                           const v1::ListStuckSagasRequest* request,
                                           v1::ListStuckSagasResponse* response) override;
  grpc::ServerUnaryReactor* RetrySaga(grpc::CallbackServerContext* context,
                                      const v1::RetrySagaRequest* request,
                                      v1::Saga* response) override;
  grpc::ServerUnaryReactor* ResolveSaga(grpc::CallbackServerContext* context,
                                        const v1::ResolveSagaRequest* request,
                                        v1::Saga* response) override;
  grpc::ServerUnaryReactor* CreateApiKey(grpc::CallbackServerContext* context,
                                         const v1::CreateApiKeyRequest* request,
                                         v1::CreatedApiKey* response) override;
  grpc::ServerUnaryReactor* RevokeApiKey(grpc::CallbackServerContext* context,
                                         const v1::RevokeApiKeyRequest* request,
                                         v1::ApiKey* response) override;
  grpc::ServerUnaryReactor* VerifyApiKey(grpc::CallbackServerContext* context,
                                         const v1::VerifyApiKeyRequest* request,
                                         v1::ApiKey* response) override;
  grpc::ServerUnaryReactor* ListApiKeys(grpc::CallbackServerContext* context,
                                        const v1::ListApiKeysRequest* request,
                                        v1::ListApiKeysResponse* response) override;
  // In webhook_handlers.cc.
  grpc::ServerUnaryReactor* CreateWebhook(grpc::CallbackServerContext* context,
                                          const v1::CreateWebhookRequest* request,
                                          v1::CreatedWebhook* response) override;
  grpc::ServerUnaryReactor* ListWebhooks(grpc::CallbackServerContext* context,
                                         const v1::ListWebhooksRequest* request,
                                         v1::ListWebhooksResponse* response) override;
  grpc::ServerUnaryReactor* DeleteWebhook(grpc::CallbackServerContext* context,
                                          const v1::DeleteWebhookRequest* request,
                                          v1::Webhook* response) override;
  grpc::ServerUnaryReactor* ListWebhookDeliveries(
      grpc::CallbackServerContext* context, const v1::ListWebhookDeliveriesRequest* request,
      v1::ListWebhookDeliveriesResponse* response) override;
  grpc::ServerUnaryReactor* RedeliverWebhook(grpc::CallbackServerContext* context,
                                             const v1::RedeliverWebhookRequest* request,
                                             v1::WebhookDelivery* response) override;
  // In audit_handler.cc.
  grpc::ServerUnaryReactor* AuditOrders(grpc::CallbackServerContext* context,
                                        const v1::AuditOrdersRequest* request,
                                        v1::AuditOrdersResponse* response) override;

 private:
  // An operator's decision on parcel `shipment_id` (`note` for people): `start` starts its saga.
  grpc::ServerUnaryReactor* DecideOnParcel(grpc::CallbackServerContext* context,
                                           const std::string& shipment_id, const std::string& note,
                                           v1::Order* response,
                                           std::function<absl::StatusOr<StartedDecision>()> start);
  // CreateOrder in stages that hold no thread while a peer answers: the database reads (on the
  // executor), the catalog, the tax quote, then pricing and the insert (on the executor again).
  // Each stage finishes the call or starts the next, so the call is finished exactly once.
  struct PendingOrder;
  void CaptureRead(const std::shared_ptr<PendingOrder>& pending);
  void CaptureQuote(const std::shared_ptr<PendingOrder>& pending);
  void CaptureInsert(const std::shared_ptr<PendingOrder>& pending);
  // Answers the order: a replay (`saga_id` empty) as it is now; a new one when its saga ends or
  // the call's wait deadline comes.
  void AnswerCapture(const PendingOrder& pending, const std::string& order_id,
                     const std::string& saga_id);
  // ModifyOrder in the same way: the order and the edit's checks (on the executor), the
  // catalog, the tax quote, then the plan and the saga's start (on the executor again).
  struct PendingEdit;
  void EditRead(const std::shared_ptr<PendingEdit>& pending);
  void EditQuote(const std::shared_ptr<PendingEdit>& pending);
  void EditStart(const std::shared_ptr<PendingEdit>& pending);

  SagaOperations& sagas_;
  CustomerStore& customers_;
  OrderRepository& orders_;
  ReturnStore& returns_;
  CancelStore& cancels_;
  ParcelDecisions& decisions_;
  EditStore& edits_;
  ApiKeyStore& api_keys_;
  AuditStore& audit_;
  EventFeed& feed_;
  WebhookStore& webhooks_;
  NotificationLog& notifications_;
  const NetworkAllowList& webhook_networks_;
  OrderPeers peers_;
  Coordinator& coordinator_;
  OrderWaiters& waiters_;
  OrderMetrics& metrics_;
  BoundedExecutor& executor_;
  // The open WatchOrder streams, by order id; woken by the order-change listener.
  WakeHub& watchers_;
};

}  // namespace oms::order
