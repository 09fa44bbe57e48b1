// The admin's webhook calls of OrderServiceImpl: subscriptions created (their secret answered
// once), listed, deleted, and their delivery log read and redelivered. Deliveries themselves are
// the dispatcher's (webhook_dispatcher.h).
#include "absl/strings/numbers.h"
#include "common/pagination.h"
#include "common/reactor.h"
#include "common/status.h"
#include "common/validation.h"
#include "order-service/src/order_service.h"
#include "order-service/src/webhook_targets.h"
#include "order-service/src/webhooks.h"

namespace oms::order {

grpc::ServerUnaryReactor* OrderServiceImpl::CreateWebhook(grpc::CallbackServerContext* context,
                                                          const v1::CreateWebhookRequest* request,
                                                          v1::CreatedWebhook* response) {
  absl::Status invalid = ValidateWebhookUrl(request->url(), "url", webhook_networks_);
  if (invalid.ok()) invalid = ValidateWebhookEventTypes(request->event_types());
  if (!invalid.ok()) return Refuse(context, invalid);
  return RunBlocking(context, executor_, [this, request, response] {
    const std::string secret = NewWebhookSecret();
    absl::Status created = webhooks_.Create(*request, secret, response->mutable_webhook());
    if (created.ok()) response->set_secret(secret);
    return created;
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ListWebhooks(grpc::CallbackServerContext* context,
                                                         const v1::ListWebhooksRequest* request,
                                                         v1::ListWebhooksResponse* response) {
  auto size = PageSize(request->page_size());
  if (!size.ok()) return Refuse(context, size.status());
  auto after = DecodePageToken(request->page_token());
  if (!after.ok()) return Refuse(context, after.status());
  return RunBlocking(context, executor_, [this, response, size = *size, after = *after] {
    return webhooks_.List(after, size, response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::DeleteWebhook(grpc::CallbackServerContext* context,
                                                          const v1::DeleteWebhookRequest* request,
                                                          v1::Webhook* response) {
  if (absl::Status invalid = ValidateUuid(request->id(), "id", "a webhook id"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return webhooks_.Delete(request->id(), response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ListWebhookDeliveries(
    grpc::CallbackServerContext* context, const v1::ListWebhookDeliveriesRequest* request,
    v1::ListWebhookDeliveriesResponse* response) {
  if (absl::Status invalid = ValidateUuid(request->webhook_id(), "webhook_id", "a webhook id");
      !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto size = PageSize(request->page_size());
  if (!size.ok()) return Refuse(context, size.status());
  auto after = DecodePageToken(request->page_token());
  if (!after.ok()) return Refuse(context, after.status());
  return RunBlocking(context, executor_, [this, request, response, size = *size, after = *after] {
    return webhooks_.ListDeliveries(request->webhook_id(), after, size, response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::RedeliverWebhook(
    grpc::CallbackServerContext* context, const v1::RedeliverWebhookRequest* request,
    v1::WebhookDelivery* response) {
  absl::Status invalid = ValidateUuid(request->webhook_id(), "webhook_id", "a webhook id");
  int64_t delivery = 0;
  if (invalid.ok() && (!absl::SimpleAtoi(request->delivery_id(), &delivery) || delivery <= 0)) {
    invalid = InvalidField("delivery_id", "a delivery id from the subscription's log");
  }
  if (!invalid.ok()) return Refuse(context, invalid);
  return RunBlocking(context, executor_, [this, request, response] {
    return webhooks_.Redeliver(request->webhook_id(), request->delivery_id(), response);
  });
}

}  // namespace oms::order
