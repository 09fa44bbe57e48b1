#include "order-service/src/order_service.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/following_stream.h"
#include "common/grpc_interceptors.h"
#include "common/grpc_status.h"
#include "common/idempotency.h"
#include "common/pagination.h"
#include "common/reactor.h"
#include "common/status.h"
#include "common/validation.h"
#include "order-service/src/billing_client.h"
#include "order-service/src/inventory_client.h"
#include "order-service/src/order_validation.h"
#include "order-service/src/pricing.h"
#include "order-service/src/timeline.h"

namespace oms::order {
namespace {

// How long CreateOrder waits for the saga: until shortly before the caller's deadline (to
// answer PENDING in time), at most 30 s, 10 s when the caller set none.
std::chrono::steady_clock::time_point WaitDeadline(const grpc::CallbackServerContext& context) {
  const auto now_system = std::chrono::system_clock::now();
  auto budget =
      std::chrono::duration_cast<std::chrono::milliseconds>(context.deadline() - now_system);
  if (context.deadline() == std::chrono::system_clock::time_point::max()) {
    budget = std::chrono::seconds(10);
  }
  budget =
      std::clamp<std::chrono::milliseconds>(budget - std::chrono::milliseconds(250),
                                            std::chrono::milliseconds(0), std::chrono::seconds(30));
  return std::chrono::steady_clock::now() + budget;
}

// The order an earlier CreateOrder with the same key or external id stored: the answer when the
// request is the same, a refusal when the key is reused for a different one.
// The order a repeat of a key (or of an external id) answers, unless the key names another
// request, or its first request has not been answered yet: that answer is the client's to see
// first (201 or 202), and a repeat meanwhile would show a PENDING order as a replay.
absl::StatusOr<std::string> ExistingOrderId(const InsertedOrder& existing) {
  if (!existing.same_request) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
                      "request_id: this key was used for a different order request");
  }
  if (existing.first_unanswered) {
    return WithReason(absl::StatusCode::kAborted, "IDEMPOTENCY_KEY_IN_USE",
                      "request_id: the first request with this key is still running; retry "
                      "once it has been answered");
  }
  return existing.order_id;
}

}  // namespace

grpc::ServerUnaryReactor* OrderServiceImpl::CreateCustomer(grpc::CallbackServerContext* context,
                                                           const v1::CreateCustomerRequest* request,
                                                           v1::Customer* response) {
  auto customer = NormalizeNewCustomer(request->customer());
  if (!customer.ok()) return Refuse(context, customer.status());
  return RunBlocking(context, executor_, [this, customer = *customer, response] {
    return customers_.CreateCustomer(customer, response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::GetCustomer(grpc::CallbackServerContext* context,
                                                        const v1::GetCustomerRequest* request,
                                                        v1::Customer* response) {
  if (absl::Status invalid = ValidateUuid(request->id(), "id", "a customer id"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return customers_.GetCustomer(request->id(), response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::UpdateCustomer(grpc::CallbackServerContext* context,
                                                           const v1::UpdateCustomerRequest* request,
                                                           v1::Customer* response) {
  if (absl::Status invalid = ValidateUuid(request->customer().id(), "customer.id", "a customer id");
      !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto fields = UpdatedCustomerFields(*request);
  if (!fields.ok()) return Refuse(context, fields.status());
  return RunBlocking(context, executor_, [this, request, response, fields = *fields] {
    return customers_.UpdateCustomer(
        request->customer().id(),
        [&](const v1::Customer& current) {
          return ApplyCustomerUpdate(current, request->customer(), fields);
        },
        response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ListCustomers(grpc::CallbackServerContext* context,
                                                          const v1::ListCustomersRequest* request,
                                                          v1::ListCustomersResponse* response) {
  auto size = PageSize(request->page_size());
  if (!size.ok()) return Refuse(context, size.status());
  auto after = DecodePageToken(request->page_token());
  if (!after.ok()) return Refuse(context, after.status());
  return RunBlocking(context, executor_, [this, response, size = *size, after = *after] {
    CustomerPage page;
    absl::Status status = customers_.ListCustomers(after, size, &page);
    for (auto& customer : page.customers) *response->add_customers() = std::move(customer);
    if (!page.next_after.empty()) response->set_next_page_token(EncodePageToken(page.next_after));
    return status;
  });
}

// One CreateOrder between its stages. The request and the response are gRPC's until Finish.
struct OrderServiceImpl::PendingOrder {
  grpc::CallbackServerContext* context;
  grpc::ServerUnaryReactor* reactor;
  const v1::CreateOrderRequest* request;
  v1::Order* response;
  std::chrono::steady_clock::time_point wait_deadline;
  std::string request_id;
  std::string request_hex;
  inventory::v1::BatchGetProductsResponse products;
  billing::v1::Invoice quote;

  void Fail(const absl::Status& status) const { reactor->Finish(ToGrpcStatus(status)); }
};

grpc::ServerUnaryReactor* OrderServiceImpl::CreateOrder(grpc::CallbackServerContext* context,
                                                        const v1::CreateOrderRequest* request,
                                                        v1::Order* response) {
  if (absl::Status invalid = ValidateCreateOrder(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto pending = std::make_shared<PendingOrder>();
  pending->context = context;
  pending->reactor = context->DefaultReactor();
  pending->request = request;
  pending->response = response;
  pending->wait_deadline = WaitDeadline(*context);
  pending->request_id = RequestIdOf(*context);
  SubmitOrRefuse(executor_, *pending->reactor, [this, pending] { CaptureRead(pending); });
  return pending->reactor;
}

void OrderServiceImpl::CaptureRead(const std::shared_ptr<PendingOrder>& pending) {
  const v1::CreateOrderRequest& request = *pending->request;
  pending->request_hex = DeterministicHex(request);
  auto existing = orders_.FindExisting(request, pending->request_hex);
  if (!existing.ok()) return pending->Fail(existing.status());
  if (existing->has_value()) {
    auto order_id = ExistingOrderId(**existing);
    if (!order_id.ok()) return pending->Fail(order_id.status());
    return AnswerCapture(*pending, *order_id, "");
  }
  std::vector<std::string> skus;
  for (const auto& line : request.lines()) skus.push_back(line.sku());
  peers_.inventory.Products(
      pending->request_id, skus,
      [this, pending](absl::StatusOr<inventory::v1::BatchGetProductsResponse> products) {
        if (!products.ok()) return pending->Fail(products.status());
        pending->products = *std::move(products);
        CaptureQuote(pending);
      });
}

void OrderServiceImpl::CaptureQuote(const std::shared_ptr<PendingOrder>& pending) {
  auto billable = BillableLines(*pending->request, pending->products);
  if (!billable.ok()) return pending->Fail(billable.status());
  billing::v1::QuoteTaxRequest quote_request;
  for (auto& line : *billable) *quote_request.add_lines() = std::move(line);
  *quote_request.mutable_destination() = pending->request->shipping_address();
  if (pending->request->has_shipping_charge()) {
    *quote_request.mutable_shipping() = pending->request->shipping_charge();
  }
  peers_.billing.QuoteTax(pending->request_id, std::move(quote_request),
                          [this, pending](absl::StatusOr<billing::v1::Invoice> quote) {
                            if (!quote.ok()) return pending->Fail(quote.status());
                            pending->quote = *std::move(quote);
                            SubmitOrRefuse(executor_, *pending->reactor,
                                           [this, pending] { CaptureInsert(pending); });
                          });
}

void OrderServiceImpl::CaptureInsert(const std::shared_ptr<PendingOrder>& pending) {
  auto order = CapturedOrder(*pending->request, pending->products, pending->quote);
  if (!order.ok()) return pending->Fail(order.status());
  const auto answer_within = std::chrono::duration_cast<std::chrono::milliseconds>(
      pending->wait_deadline - std::chrono::steady_clock::now());
  // The saga goes in under this replica's lease, so that it runs at once without a claim. (An
  // insert that committed but whose answer was lost leaves the saga to the scan once the lease
  // runs out, as a crash here would.)
  const auto leased_at = std::chrono::steady_clock::now();
  const SagaLease lease = coordinator_.ReserveTurn();
  auto inserted = orders_.InsertOrder(*order, *pending->request, pending->request_hex,
                                      std::max(answer_within, std::chrono::milliseconds(0)), lease);
  if (!lease.owner.empty() && !(inserted.ok() && inserted->claimed)) coordinator_.Unreserve();
  if (!inserted.ok()) return pending->Fail(inserted.status());
  if (!inserted->created) {  // a concurrent duplicate stored its order first
    auto order_id = ExistingOrderId(*inserted);
    if (!order_id.ok()) return pending->Fail(order_id.status());
    return AnswerCapture(*pending, *order_id, "");
  }
  metrics_.OrderCreated();
  // The answer waits for the saga, which is started only once the wait is registered.
  AnswerCapture(*pending, inserted->order_id, inserted->saga_id);
  if (inserted->claimed) {
    coordinator_.Adopt(*std::move(inserted->claimed), leased_at);
  } else {
    coordinator_.Kick(inserted->saga_id);
  }
}

void OrderServiceImpl::AnswerCapture(const PendingOrder& pending, const std::string& order_id,
                                     const std::string& saga_id) {
  // The answer: the order as it stands when its saga ends or the deadline comes.
  auto answer = [this, reactor = pending.reactor, response = pending.response, order_id] {
    reactor->Finish(ToGrpcStatus(orders_.GetOrder(order_id, response)));
  };
  if (saga_id.empty()) {  // a replay: the order as it is now
    // Tells the gateway to answer 200 rather than 201/202.
    pending.context->AddInitialMetadata(std::string(kReplayHeader), "true");
    answer();
    return;
  }
  waiters_.Wait(order_id, pending.wait_deadline, answer);
}

grpc::ServerUnaryReactor* OrderServiceImpl::GetOrder(grpc::CallbackServerContext* context,
                                                     const v1::GetOrderRequest* request,
                                                     v1::Order* response) {
  if (absl::Status invalid = ValidateUuid(request->id(), "id", "an order id"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return orders_.GetOrder(request->id(), response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ListOrders(grpc::CallbackServerContext* context,
                                                       const v1::ListOrdersRequest* request,
                                                       v1::ListOrdersResponse* response) {
  OrderFilter filter;
  if (!request->customer_id().empty()) {
    if (absl::Status invalid = ValidateUuid(request->customer_id(), "customer_id", "a customer id");
        !invalid.ok()) {
      return Refuse(context, invalid);
    }
    filter.customer_id = request->customer_id();
  }
  if (!v1::OrderStatus_IsValid(request->status())) {
    return Refuse(context, InvalidField("status", "is not an order status"));
  }
  filter.status = request->status();
  if (absl::Status invalid = ReadOrderListFilters(*request, &filter); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto size = PageSize(request->page_size());
  if (!size.ok()) return Refuse(context, size.status());
  auto after = DecodePageToken(request->page_token());
  if (!after.ok()) return Refuse(context, after.status());
  filter.page_size = *size;
  filter.after = *after;
  return RunBlocking(context, executor_,
                     [this, filter, response] { return orders_.ListOrders(filter, response); });
}

grpc::ServerUnaryReactor* OrderServiceImpl::CancelOrder(grpc::CallbackServerContext* context,
                                                        const v1::CancelOrderRequest* request,
                                                        v1::Order* response) {
  absl::Status invalid = ValidateUuid(request->id(), "id", "an order id");
  if (invalid.ok()) invalid = ValidateText(request->reason(), "reason", 0, 500);
  if (!invalid.ok()) return Refuse(context, invalid);
  return RunBlocking(context, executor_, [this, request, response] {
    auto started = cancels_.StartCancel(request->id(), request->reason());
    if (!started.ok()) return started.status();
    if (started->created) coordinator_.Kick(started->saga_id);
    return orders_.GetOrder(request->id(), response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ReshipShipment(grpc::CallbackServerContext* context,
                                                           const v1::ReshipShipmentRequest* request,
                                                           v1::Order* response) {
  return DecideOnParcel(context, request->shipment_id(), request->note(), response,
                        [this, request] { return decisions_.StartReship(*request); });
}

grpc::ServerUnaryReactor* OrderServiceImpl::RefundShipment(grpc::CallbackServerContext* context,
                                                           const v1::RefundShipmentRequest* request,
                                                           v1::Order* response) {
  return DecideOnParcel(context, request->shipment_id(), request->note(), response,
                        [this, request] { return decisions_.StartRefund(*request); });
}

grpc::ServerUnaryReactor* OrderServiceImpl::DecideOnParcel(
    grpc::CallbackServerContext* context, const std::string& shipment_id, const std::string& note,
    v1::Order* response, std::function<absl::StatusOr<StartedDecision>()> start) {
  absl::Status invalid = ValidateUuid(shipment_id, "shipment_id", "a shipment id");
  if (invalid.ok()) invalid = ValidateText(note, "note", 0, 500);
  if (!invalid.ok()) return Refuse(context, invalid);
  return RunBlocking(context, executor_, [this, response, start = std::move(start)] {
    auto started = start();
    if (!started.ok()) return started.status();
    if (started->created) coordinator_.Kick(started->saga_id);
    return orders_.GetOrder(started->order_id, response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::GetOrderTimeline(
    grpc::CallbackServerContext* context, const v1::GetOrderTimelineRequest* request,
    v1::OrderTimeline* response) {
  if (absl::Status invalid = ValidateUuid(request->id(), "id", "an order id"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  const std::string request_id = RequestIdOf(*context);
  return RunBlocking(context, executor_, [this, request, response, request_id] {
    return ReadTimeline(orders_, peers_.billing, peers_.shipping, request->id(), request_id,
                        response);
  });
}

grpc::ServerWriteReactor<v1::TimelineEvent>* OrderServiceImpl::WatchOrder(
    grpc::CallbackServerContext* context, const v1::WatchOrderRequest* request) {
  absl::Status invalid = ValidateUuid(request->id(), "id", "an order id");
  ResumePosition start;
  if (const std::string& after = request->after_event_id(); invalid.ok() && !after.empty()) {
    if (ResumePosition::LooksLikeToken(after)) {
      auto parsed = ResumePosition::Parse(after, "after_event_id");
      if (parsed.ok()) start = *std::move(parsed);
      invalid = parsed.status();
    } else if (IsTimelineEventId(after)) {
      start = ResumePosition::AfterEventId(after);
    } else {
      invalid = InvalidField("after_event_id",
                             "must be a resume token WatchOrder sent, or an event id from this "
                             "order's timeline");
    }
  }
  if (!invalid.ok()) return new RefusedStream<v1::TimelineEvent>(invalid);
  const std::string order_id = request->id();
  const std::string request_id = RequestIdOf(*context);
  StreamSource<v1::TimelineEvent, ResumePosition> source;
  // Each wake reads the whole timeline again (a few dozen events, three reads) and sends what
  // the position does not count as sent, each event as soon as it is committed: a batch in id
  // order, a late commit after what went out before it.
  source.read = [this, order_id, request_id](const ResumePosition& position,
                                             std::vector<v1::TimelineEvent>* out, bool*) {
    v1::OrderTimeline timeline;
    TimelineRead read;
    absl::Status status = ReadTimeline(orders_, peers_.billing, peers_.shipping, order_id,
                                       request_id, &timeline, &read);
    if (!status.ok()) return status;
    std::map<std::string, v1::TimelineEvent*> by_id;
    for (auto& event : *timeline.mutable_events()) by_id[event.id()] = &event;
    for (auto& [id, token] : position.Plan(read)) {
      v1::TimelineEvent& event = *by_id.at(id);
      event.set_resume_token(std::move(token));
      out->push_back(std::move(event));
    }
    return absl::OkStatus();
  };
  source.advance = [](ResumePosition& position, const v1::TimelineEvent& sent) {
    // The token was written by Plan a moment ago.
    position = *ResumePosition::Parse(sent.resume_token(), "resume_token");
  };
  source.opened = [this] { metrics_.WatcherOpened(); };
  source.closed = [this] { metrics_.WatcherClosed(); };
  return new FollowingStream<v1::TimelineEvent, ResumePosition>(
      std::move(start), order_id, std::move(source), executor_, watchers_);
}

grpc::ServerUnaryReactor* OrderServiceImpl::CreateReturn(grpc::CallbackServerContext* context,
                                                         const v1::CreateReturnRequest* request,
                                                         v1::Return* response) {
  if (absl::Status invalid = ValidateCreateReturn(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    auto started = returns_.StartReturn(*request);
    if (!started.ok()) return started.status();
    if (started->created) coordinator_.Kick(started->saga_id);
    *response = started->ret;
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::GetReturn(grpc::CallbackServerContext* context,
                                                      const v1::GetReturnRequest* request,
                                                      v1::Return* response) {
  if (absl::Status invalid = ValidateUuid(request->id(), "id", "a return id"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return returns_.GetReturn(request->id(), response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ListEvents(grpc::CallbackServerContext* context,
                                                       const v1::ListEventsRequest* request,
                                                       v1::ListEventsResponse* response) {
  auto after = ParseFeedCursor(request->after());
  if (!after.ok()) return Refuse(context, after.status());
  auto size = PageSize(request->page_size());
  if (!size.ok()) return Refuse(context, size.status());
  return RunBlocking(context, executor_, [this, response, after = *after, size = *size] {
    return feed_.ReadFeed(after, size, response);
  });
}

grpc::ServerWriteReactor<v1::FeedEvent>* OrderServiceImpl::StreamEvents(
    grpc::CallbackServerContext* /*context*/, const v1::StreamEventsRequest* request) {
  auto after = ParseFeedCursor(request->after());
  if (!after.ok()) return new RefusedStream<v1::FeedEvent>(after.status());
  constexpr int kPage = 200;
  StreamSource<v1::FeedEvent, FeedPosition> source;
  source.read = [this](const FeedPosition& position, std::vector<v1::FeedEvent>* out, bool* more) {
    v1::ListEventsResponse page;
    absl::Status status = feed_.ReadFeed(position, kPage, &page);
    if (!status.ok()) return status;
    for (auto& event : *page.mutable_events()) out->push_back(std::move(event));
    *more = static_cast<int>(out->size()) == kPage;
    return absl::OkStatus();
  };
  source.advance = [](FeedPosition& position, const v1::FeedEvent& sent) {
    position = *ParseFeedCursor(sent.cursor());  // a cursor ReadFeed wrote
  };
  // Keyless: every order's NOTIFY wakes it, and so does the ticker's kFeedTick.
  return new FollowingStream<v1::FeedEvent, FeedPosition>(*after, "", std::move(source), executor_,
                                                          watchers_);
}

grpc::ServerUnaryReactor* OrderServiceImpl::GetConsumerLag(
    grpc::CallbackServerContext* context, const v1::GetConsumerLagRequest* /*request*/,
    v1::GetConsumerLagResponse* response) {
  return RunBlocking(context, executor_, [this, response] {
    auto* shipping_events = response->add_consumers();
    shipping_events->set_consumer("shipping-events");
    shipping_events->set_lag_seconds(metrics_.ConsumerLagSeconds());
    response->set_max_lag_seconds(shipping_events->lag_seconds());
    auto followers = feed_.Followers(kMaxFeedFollowersShown);
    if (!followers.ok()) return followers.status();
    return AddFollowerLags(feed_, *followers, absl::ToUnixMicros(absl::Now()), response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ListNotifications(
    grpc::CallbackServerContext* context, const v1::ListNotificationsRequest* request,
    v1::ListNotificationsResponse* response) {
  if (absl::Status invalid = ValidateUuid(request->order_id(), "order_id", "an order id");
      !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return notifications_.List(request->order_id(), response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ListReturns(grpc::CallbackServerContext* context,
                                                        const v1::ListReturnsRequest* request,
                                                        v1::ListReturnsResponse* response) {
  if (absl::Status invalid = ValidateUuid(request->order_id(), "order_id", "an order id");
      !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return returns_.ListReturns(request->order_id(), response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ReceiveReturn(grpc::CallbackServerContext* context,
                                                          const v1::ReceiveReturnRequest* request,
                                                          v1::Return* response) {
  if (absl::Status invalid = ValidateReceiveReturn(*request); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    auto started = returns_.StartReceive(*request);
    if (!started.ok()) return started.status();
    if (started->created) coordinator_.Kick(started->saga_id);
    *response = started->ret;
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ListStuckSagas(grpc::CallbackServerContext* context,
                                                           const v1::ListStuckSagasRequest* request,
                                                           v1::ListStuckSagasResponse* response) {
  auto size = PageSize(request->page_size());
  if (!size.ok()) return Refuse(context, size.status());
  return RunBlocking(context, executor_, [this, response, size = *size] {
    return sagas_.ListStuckSagas(size, response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::RetrySaga(grpc::CallbackServerContext* context,
                                                      const v1::RetrySagaRequest* request,
                                                      v1::Saga* response) {
  if (absl::Status invalid = ValidateUuid(request->saga_id(), "saga_id", "a saga id");
      !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    absl::Status status = sagas_.OperateSaga(request->saga_id(), /*resolve=*/false, "", response);
    if (status.ok()) coordinator_.Kick(request->saga_id());
    return status;
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ResolveSaga(grpc::CallbackServerContext* context,
                                                        const v1::ResolveSagaRequest* request,
                                                        v1::Saga* response) {
  absl::Status invalid = ValidateUuid(request->saga_id(), "saga_id", "a saga id");
  if (invalid.ok()) invalid = ValidateText(request->note(), "note", 1, 500);
  if (!invalid.ok()) return Refuse(context, invalid);
  return RunBlocking(context, executor_, [this, request, response] {
    return sagas_.OperateSaga(request->saga_id(), /*resolve=*/true, request->note(), response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::CreateApiKey(grpc::CallbackServerContext* context,
                                                         const v1::CreateApiKeyRequest* request,
                                                         v1::CreatedApiKey* response) {
  if (absl::Status invalid = ValidateCreateApiKey(*request, absl::Now()); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  auto secret = NewApiKeySecret();
  if (!secret.ok()) return Refuse(context, secret.status());
  return RunBlocking(context, executor_, [this, request, response, secret = *secret] {
    absl::Status created = api_keys_.Create(*request, secret, response->mutable_key());
    if (created.ok()) response->set_secret(secret);
    return created;
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::RevokeApiKey(grpc::CallbackServerContext* context,
                                                         const v1::RevokeApiKeyRequest* request,
                                                         v1::ApiKey* response) {
  if (absl::Status invalid = ValidateUuid(request->id(), "id", "an API key id"); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return api_keys_.Revoke(request->id(), response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::VerifyApiKey(grpc::CallbackServerContext* context,
                                                         const v1::VerifyApiKeyRequest* request,
                                                         v1::ApiKey* response) {
  if (absl::Status invalid = ValidateApiKeySecret(request->secret()); !invalid.ok()) {
    return Refuse(context, invalid);
  }
  return RunBlocking(context, executor_, [this, request, response] {
    return api_keys_.Verify(request->secret(), response);
  });
}

grpc::ServerUnaryReactor* OrderServiceImpl::ListApiKeys(grpc::CallbackServerContext* context,
                                                        const v1::ListApiKeysRequest* request,
                                                        v1::ListApiKeysResponse* response) {
  auto size = PageSize(request->page_size());
  if (!size.ok()) return Refuse(context, size.status());
  auto after = DecodePageToken(request->page_token());
  if (!after.ok()) return Refuse(context, after.status());
  return RunBlocking(context, executor_, [this, response, size = *size, after = *after] {
    ApiKeyPage page;
    absl::Status status = api_keys_.List(after, size, &page);
    for (auto& key : page.keys) *response->add_api_keys() = std::move(key);
    if (!page.next_after.empty()) response->set_next_page_token(EncodePageToken(page.next_after));
    return status;
  });
}

}  // namespace oms::order
