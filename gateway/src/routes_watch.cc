// GET /v1/orders/{id}:watch: an order's timeline as server-sent events, from order-service's
// WatchOrder stream (gRPC's callback client API: no thread waits on it).
//
// The order is read first (GetOrder), so that a missing order, or another customer's for a
// customer-bound credential, answers the same 404 as GET /v1/orders/{id} before any stream
// starts. Then 200 text/event-stream: a `retry:` hint, one `timeline` event per TimelineEvent
// (`id:` its resume token, `data:` its proto3 JSON on one line), a comment heartbeat when
// nothing else was sent for a while. A client that reconnects with Last-Event-ID (browsers'
// EventSource does) resumes after that event in commit order: nothing committed since is missed,
// even an event whose time sorts before ones already sent (a capture that waited on the payment
// provider). If order-service fails mid-stream, a
// `stream-error` event carries the error body, and the stream ends; so it does when the
// stream's credential is verified again (every RouteOptions::watch_recheck) and refused, a key
// revoked or a token expired since it began; and quietly after an hour, when the client goes
// away, or when the gateway shuts down. Open streams are capped, in all and per credential.
#include <mutex>

#include <grpcpp/client_context.h>
#include <grpcpp/support/client_callback.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_interceptors.h"
#include "common/grpc_status.h"
#include "common/log.h"
#include "common/status.h"
#include "gateway/src/auth.h"
#include "gateway/src/backends.h"
#include "gateway/src/credential_recheck.h"
#include "gateway/src/error_mapping.h"
#include "gateway/src/forward.h"
#include "gateway/src/gateway.h"
#include "gateway/src/json_mapping.h"
#include "gateway/src/routes.h"
#include "gateway/src/sse.h"
#include "gateway/src/stream_slots.h"

namespace oms::gateway {
namespace {

namespace ord = oms::order::v1;

constexpr char kEventName[] = "timeline";
constexpr char kErrorEventName[] = "stream-error";
// A stream ends after this; the client resumes with Last-Event-ID. Bounds every call's life.
constexpr std::chrono::hours kMaxWatch{1};
// What EventSource waits before reconnecting.
constexpr std::chrono::milliseconds kReconnectDelay{2000};

// One WatchOrder call feeding one HTTP stream. Owned by the stream's callbacks until it starts,
// then by itself until gRPC's OnDone.
class WatchCall final : public grpc::ClientReadReactor<ord::TimelineEvent>,
                        public std::enable_shared_from_this<WatchCall> {
 public:
  WatchCall(ord::OrderService::Stub* stub, ord::WatchOrderRequest request, std::string request_id,
            std::shared_ptr<void> slot)
      : stub_(stub),
        request_(std::move(request)),
        request_id_(std::move(request_id)),
        slot_(std::move(slot)) {}

  // The HTTP headers are out: start the call.
  void Start(std::shared_ptr<StreamSink> sink) {
    {
      // Not held while the call starts: gRPC may run a reaction before StartCall returns.
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) {
        sink->Close();
        return;
      }
      started_ = true;  // a Cancel from now on cancels the call (before it starts, too)
      sink_ = std::move(sink);
    }
    self_ = shared_from_this();
    context_.set_deadline(std::chrono::system_clock::now() + kMaxWatch);
    SetRequestId(context_, request_id_);
    stub_->async()->WatchOrder(&context_, &request_, this);
    sink_->Write(SseRetry(kReconnectDelay));
    StartRead(&event_);
    StartCall();
  }

  // The HTTP stream ended (client gone, server draining): end the call.
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (started_) context_.TryCancel();
  }

  // The stream's credential was refused on a later check: the client is told why, nothing
  // after that, and the stream ends. Any thread.
  void EndRefused(const absl::Status& why) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!started_ || cancelled_) return;
      cancelled_ = true;
      log::Info(request_id_, "stream ended: its credential was refused",
                {{"reason", ReasonOf(why)}});
      // Under the lock: no timeline event slips in between (OnReadDone writes under it too).
      sink_->Write(SseEvent("", kErrorEventName,
                            ErrorBody(HttpStatusFor(why.code(), ReasonOf(why)), why, request_id_)));
      sink_->Close();
    }
    context_.TryCancel();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone tells how
    auto json = ToJson(event_);
    if (!json.ok()) {
      log::Warn(request_id_, "a timeline event could not be printed",
                {{"error", json.status().ToString()}});
      context_.TryCancel();
      return;
    }
    // The resume token is the SSE id: a reconnecting EventSource sends it back as Last-Event-ID.
    const std::string& id = event_.resume_token().empty() ? event_.id() : event_.resume_token();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) return;  // ended from this side: OnDone follows the cancel
      if (!sink_->Write(SseEvent(id, kEventName, *json))) {
        context_.TryCancel();  // the client is gone
        return;
      }
    }
    StartRead(&event_);
  }

  void OnDone(const grpc::Status& grpc_status) override {
    auto keep = std::move(self_);  // this object lives until the end of this function
    const absl::Status status = FromGrpcStatus(grpc_status);
    bool cancelled;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled = cancelled_;
    }
    // A watch that ran its hour, or that this side ended, ends quietly; anything else tells
    // the client why before the stream ends.
    if (!status.ok() && !cancelled && status.code() != absl::StatusCode::kDeadlineExceeded &&
        status.code() != absl::StatusCode::kCancelled) {
      log::Warn(request_id_, "order watch failed", {{"error", status.ToString()}});
      sink_->Write(
          SseEvent("", kErrorEventName,
                   ErrorBody(HttpStatusFor(status.code(), ReasonOf(status)), status, request_id_)));
    }
    sink_->Close();
  }

 private:
  ord::OrderService::Stub* stub_;
  ord::WatchOrderRequest request_;
  std::string request_id_;
  std::shared_ptr<void> slot_;  // held until the call is over
  grpc::ClientContext context_;
  ord::TimelineEvent event_;
  std::shared_ptr<StreamSink> sink_;
  std::shared_ptr<WatchCall> self_;
  std::mutex mu_;
  bool started_ = false;
  bool cancelled_ = false;
};

// The answer to a stream over a cap, naming the cap: a credential at its own cap has a quota to
// wait for (429, as for its request rate); a gateway at its cap is overloaded (503).
Response StreamRefused(StreamSlots::Cap cap, const StreamSlots* streams,
                       const std::string& request_id) {
  Response refused =
      cap == StreamSlots::Cap::kCredential
          ? ErrorResponse(
                WithReason(
                    absl::StatusCode::kResourceExhausted, "TOO_MANY_STREAMS_FOR_CREDENTIAL",
                    absl::StrCat("this credential already has ", streams->max_per_credential(),
                                 " streams open, the most one credential may hold; close "
                                 "one or retry later")),
                request_id)
          : ErrorResponse(WithReason(absl::StatusCode::kUnavailable, "TOO_MANY_STREAMS",
                                     "too many streams are open on this gateway; retry shortly"),
                          request_id);
  refused.SetHeader("Retry-After", "5");
  return refused;
}

void Watch(const std::shared_ptr<Exchange>& exchange, ord::OrderService::Stub* stub,
           const Authenticator* authenticator, const RouteOptions& options) {
  ord::WatchOrderRequest request;
  request.set_id(exchange->param("id"));
  if (const std::string* last = exchange->header("Last-Event-ID");
      last != nullptr && !last->empty()) {
    if (!CheckOrFail(*exchange, ValidateLastEventId(*last))) return;
    request.set_after_event_id(*last);
  }
  StreamSlots::Acquired acquired;
  if (options.streams != nullptr) {
    acquired = options.streams->TryAcquire(exchange->principal().credential_id);
  }
  if (acquired.slot == nullptr) {
    exchange->Reply(StreamRefused(acquired.refused_by, options.streams, exchange->request_id()));
    return;
  }
  ord::GetOrderRequest get;
  get.set_id(request.id());
  CallBackend<ord::Order>(
      exchange, std::move(get), [stub](auto... args) { stub->async()->GetOrder(args...); },
      [exchange, stub, authenticator, request = std::move(request), slot = std::move(acquired.slot),
       options](absl::Status status, ord::Order* order, grpc::ClientContext*) mutable {
        const Principal& principal = exchange->principal();
        if (status.ok() && principal.customer_bound() &&
            order->customer_id() != principal.customer_id) {
          exchange->Fail(OrderNotFoundById(*exchange));  // exactly a missing order
          return;
        }
        if (!status.ok()) {
          exchange->FailMappingNotFound(status);
          return;
        }
        if (principal.customer_bound()) exchange->MarkOwnerVerified();
        auto call =
            std::make_shared<WatchCall>(stub, std::move(request), exchange->request_id(), slot);
        Response response;
        response.status = 200;
        response.SetHeader("Content-Type", kEventStreamType);
        response.SetHeader("Cache-Control", "no-cache");
        // Proxies (nginx) would otherwise buffer the stream.
        response.SetHeader("X-Accel-Buffering", "no");
        response.stream = std::make_shared<StreamedBody>();
        response.stream->start = [call](std::shared_ptr<StreamSink> sink) {
          call->Start(std::move(sink));
        };
        response.stream->cancel = [weak = std::weak_ptr<WatchCall>(call)] {
          if (auto watching = weak.lock()) watching->Cancel();
        };
        response.stream->keepalive = options.watch_heartbeat;
        response.stream->keepalive_data = SseComment("heartbeat");
        // The credential the stream was opened with, verified again as a new request's would
        // be: through the same Authenticator, so an API key's answer is at most the cache's
        // TTL old.
        const std::string* authorization = exchange->header("Authorization");
        auto recheck = std::make_shared<CredentialRecheck>(
            *authenticator,
            authorization != nullptr ? std::optional<std::string>(*authorization) : std::nullopt,
            exchange->route().access.scope, std::move(slot),
            [weak = std::weak_ptr<WatchCall>(call)](const absl::Status& why) {
              if (auto watching = weak.lock()) watching->EndRefused(why);
            });
        response.stream->recheck_every = options.watch_recheck;
        response.stream->recheck = [recheck] { recheck->Run(std::chrono::system_clock::now()); };
        exchange->Reply(std::move(response));
      });
}

}  // namespace

absl::Status AddOrderWatchRoutes(Gateway& gateway, Backends& backends,
                                 const RouteOptions& options) {
  ord::OrderService::Stub* stub = &backends.order();
  const Authenticator* authenticator = &gateway.authenticator();
  RouteSpec watch;
  watch.method = "GET";
  watch.path = "/v1/orders/{id}:watch";
  watch.operation_id = "WatchOrder";
  watch.summary =
      "The order's timeline as server-sent events: every event so far, then each new one as it "
      "happens (event `timeline`, `id` its resume token, `data` the TimelineEvent as JSON), "
      "with a comment heartbeat while idle. Send Last-Event-ID (a resume token, or a timeline "
      "event id) to resume after that event; from a token, in commit order: nothing committed "
      "since is missed, even an event that sorts before ones already sent. A failure mid-stream is "
      "a `stream-error` event with the error "
      "body; so is the end of a stream whose credential, verified again while it runs, is refused "
      "(a revoked API key, an expired token: 401; a scope lost: 403). Streams end after an hour "
      "(resume with Last-Event-ID). Too many open streams: 503 TOO_MANY_STREAMS on this gateway, "
      "429 TOO_MANY_STREAMS_FOR_CREDENTIAL for one credential";
  watch.tag = "orders";
  watch.access.scope = kScopeOrdersRead;
  watch.access.owner_guarded = true;
  watch.response_content_type = kEventStreamType;
  watch.response_schema =
      R"({"type":"string","description":"text/event-stream: id, event: timeline, data: )"
      R"(an oms.order.v1.TimelineEvent as JSON"})";
  // The deadline of the order lookup that comes before the stream; the stream has none.
  watch.deadline = options.deadline;
  watch.extra_errors = {429, 503};
  watch.not_found = OrderNotFoundById;
  watch.handler = [stub, authenticator, options](std::shared_ptr<Exchange> exchange) {
    Watch(exchange, stub, authenticator, options);
  };
  return gateway.AddRoute(std::move(watch));
}

}  // namespace oms::gateway
