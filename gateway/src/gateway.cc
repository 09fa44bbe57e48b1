#include "gateway/src/gateway.h"

#include <exception>
#include <optional>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/access_log.h"
#include "common/log.h"
#include "common/status.h"
#include "common/validation.h"
#include "gateway/src/error_mapping.h"
#include "gateway/src/gateway_metrics.h"

namespace oms::gateway {
namespace {

// 429 with the seconds after which a retry can succeed.
Response TooManyRequests(const char* reason, const char* message, long long retry_after_seconds,
                         const std::string& request_id) {
  Response response =
      ErrorResponse(WithReason(absl::StatusCode::kResourceExhausted, reason, message), request_id);
  response.SetHeader("Retry-After", std::to_string(retry_after_seconds));
  return response;
}

absl::Status CheckQuery(const RouteSpec& route, const QueryParams& query) {
  for (const auto& [name, value] : query) {
    const QueryParamSpec* spec = nullptr;
    for (const auto& candidate : route.query) {
      if (candidate.name == name) spec = &candidate;
    }
    if (spec == nullptr) {
      return WithReason(absl::StatusCode::kInvalidArgument, "UNKNOWN_QUERY_PARAMETER",
                        absl::StrCat(name, ": unknown query parameter"));
    }
    if (spec->type == ParamType::kInteger) {
      int number = 0;
      if (!absl::SimpleAtoi(value, &number)) {
        return InvalidField(name, "must be an integer");
      }
    } else if (spec->type == ParamType::kBoolean && value != "true" && value != "false") {
      return InvalidField(name, "must be true or false");
    } else if (value.size() > 1024) {
      return InvalidField(name, "must be at most 1024 characters");
    }
  }
  for (const auto& spec : route.query) {
    if (spec.required && query.count(spec.name) == 0) {
      return InvalidField(spec.name, "is required");
    }
  }
  return absl::OkStatus();
}

bool IsJsonContentType(const std::string* content_type) {
  if (content_type == nullptr) return true;  // curl and many clients omit it; the body decides
  std::string lower = absl::AsciiStrToLower(*content_type);
  return lower == "application/json" || absl::StartsWith(lower, "application/json;");
}

}  // namespace

std::string NewRandomId() {
  // As common/grpc_interceptors.h NewRequestId makes them; that header pulls in gRPC, which this
  // pure pipeline does not link.
  static thread_local std::mt19937_64 engine(std::random_device{}());
  return absl::StrCat(absl::Hex(engine(), absl::kZeroPad16), absl::Hex(engine(), absl::kZeroPad16));
}

std::string RequestIdFor(const Request& request) {
  const std::string* given = FindHeader(request.headers, "X-Request-Id");
  if (given != nullptr && ValidateRequestId(*given, "X-Request-Id").ok()) return *given;
  return NewRandomId();
}

// Everything an answer passes through on its way out, whoever gives it.
struct Gateway::Finisher {
  Gateway* gateway;
  std::string method;
  std::string route;  // template or kUnmatchedRoute
  std::string request_id;
  std::optional<std::string> origin;
  Clock::time_point start;
  std::function<void(Response)> done;
  bool no_store = false;  // the route's answers hold a secret (RouteSpec::secret_answer)

  void operator()(Response response) const {
    response.SetHeader("X-Request-Id", request_id);
    // Whatever the answer (the secret, a replay's refusal, an error), set here so that no path
    // of the pipeline can miss it.
    if (no_store) response.SetHeader("Cache-Control", "no-store");
    gateway->cors_.Decorate(origin ? &*origin : nullptr, response);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (gateway->metrics_ != nullptr) {
      gateway->metrics_->ObserveRequest(method, route, response.status, seconds);
      gateway->metrics_->AddInFlight(-1);
    }
    // The access log, as the services write theirs (common/access_log.h): refused, failed and
    // slow requests, and a sample of the rest; never headers or bodies, which carry credentials
    // and personal data.
    const bool probe = route == "/healthz" || route == "/readyz";
    const log::Level level =
        response.status >= 500
            ? log::Level::kWarn
            : log::AccessLogLevel(log::AccessLogPolicy(), probe, response.status < 400, seconds,
                                  gateway->answered_.fetch_add(1, std::memory_order_relaxed) + 1);
    if (log::Enabled(level)) {
      log::Write(level, request_id, "http request",
                 {{"method", method},
                  {"route", route},
                  {"status", std::to_string(response.status)},
                  {"duration_ms", absl::StrCat(static_cast<long long>(seconds * 1000))}});
    }
    done(std::move(response));
    gateway->in_flight_.fetch_sub(1);
  }
};

Gateway::Gateway(GatewayOptions options, std::unique_ptr<Authenticator> authenticator,
                 GatewayMetrics* metrics, std::unique_ptr<IdempotencyStore> idempotency)
    : options_(std::move(options)),
      authenticator_(std::move(authenticator)),
      metrics_(metrics),
      cors_(options_.cors_origins),
      limiter_(options_.rate_per_second, options_.rate_burst),
      auth_failures_(options_.auth_failure_rate_per_second, options_.auth_failure_burst),
      idempotency_(std::move(idempotency)) {}

Gateway::~Gateway() = default;

absl::Status Gateway::AddRoute(RouteSpec route) {
  if (!route.handler) return absl::InvalidArgumentError(absl::StrCat(route.path, ": no handler"));
  if (route.access.owner_guarded && !route.not_found) {
    return absl::InvalidArgumentError(
        absl::StrCat(route.path, ": an owner-guarded route needs its not-found answer"));
  }
  // API.md: the Idempotency-Key is accepted on every POST.
  if (route.method == "POST" && route.idempotency_key == IdempotencyKey::kNone) {
    route.idempotency_key = IdempotencyKey::kOptional;
  }
  absl::Status added = router_.Add(route.method, route.path, routes_.size());
  if (!added.ok()) return added;
  routes_.push_back(std::make_unique<RouteSpec>(std::move(route)));
  return absl::OkStatus();
}

std::vector<const RouteSpec*> Gateway::routes() const {
  std::vector<const RouteSpec*> result;
  for (const auto& route : routes_) result.push_back(route.get());
  return result;
}

Response Gateway::Refuse(const Request& request, const absl::Status& status, int http_status) {
  in_flight_.fetch_add(1);
  if (metrics_ != nullptr) metrics_->AddInFlight(1);
  const std::string* origin = FindHeader(request.headers, "Origin");
  Response out;
  Finisher finish{this,
                  request.method,
                  kUnmatchedRoute,
                  RequestIdFor(request),
                  origin ? std::optional<std::string>(*origin) : std::nullopt,
                  Clock::now(),
                  [&out](Response response) { out = std::move(response); }};
  finish(ErrorResponse(status, finish.request_id, http_status));
  return out;
}

absl::Status BodyTooLarge(std::size_t limit) {
  return WithReason(absl::StatusCode::kInvalidArgument, "BODY_TOO_LARGE",
                    limit == 0 ? std::string("this route takes no request body")
                               : absl::StrCat("request body exceeds ", limit, " bytes"));
}

std::size_t Gateway::BodyLimit(const RouteSpec& route) const {
  return route.body != nullptr ? options_.max_body_bytes : 0;
}

void Gateway::Handle(Request request, std::function<void(Response)> done) {
  auto body = std::make_shared<std::string>(std::move(request.body));
  request.body.clear();
  Handle(
      std::move(request),
      [body](std::size_t limit, std::function<void(absl::StatusOr<std::string>)> read) {
        if (body->size() > limit) {
          read(BodyTooLarge(limit));
        } else {
          read(std::move(*body));
        }
      },
      std::move(done));
}

void Gateway::Handle(Request request, BodyReader read_body, std::function<void(Response)> done) {
  in_flight_.fetch_add(1);
  if (metrics_ != nullptr) metrics_->AddInFlight(1);
  const std::string* origin_header = FindHeader(request.headers, "Origin");
  Finisher finish{this,
                  request.method,
                  kUnmatchedRoute,
                  RequestIdFor(request),
                  origin_header ? std::optional<std::string>(*origin_header) : std::nullopt,
                  Clock::now(),
                  std::move(done)};
  const std::string request_id = finish.request_id;
  auto fail = [&](const absl::Status& status, int http_status = 0) {
    finish(ErrorResponse(status, request_id, http_status));
  };

  const std::size_t question = request.target.find('?');
  const std::string path = request.target.substr(0, question);
  const std::string query_text =
      question == std::string::npos ? "" : request.target.substr(question + 1);

  const bool preflight = CorsPolicy::IsPreflight(request);
  Router::Match match = router_.Find(preflight ? "" : request.method, path);
  if (match.outcome == Router::Outcome::kNotFound) {
    fail(WithReason(absl::StatusCode::kNotFound, "ROUTE_NOT_FOUND",
                    absl::StrCat("no route for ", path)));
    return;
  }
  finish.route = match.path_template;
  if (preflight) {
    finish(cors_.Preflight(request, match.allowed));
    return;
  }
  if (match.outcome == Router::Outcome::kMethodNotAllowed) {
    Response response =
        ErrorResponse(WithReason(absl::StatusCode::kUnimplemented, "METHOD_NOT_ALLOWED",
                                 absl::StrCat(request.method, " is not allowed on ", path)),
                      request_id, 405);
    response.SetHeader("Allow", absl::StrJoin(match.allowed, ", "));
    finish(std::move(response));
    return;
  }
  const RouteSpec& route = *routes_[match.route];
  finish.route = route.path;
  finish.no_store = route.secret_answer;

  if (in_flight_.load() > options_.max_in_flight) {
    if (metrics_ != nullptr) metrics_->Overloaded();
    fail(WithReason(absl::StatusCode::kUnavailable, "OVERLOADED",
                    "too many requests in flight; retry shortly"));
    return;
  }

  if (!route.access.authenticate) {
    Proceed(route, std::move(request), std::move(read_body), std::move(match.params), query_text,
            std::move(finish), Principal{});
    return;
  }
  // Every authentication attempt takes a token from its address's failure bucket before any
  // credential is checked (or order-service asked); one that turns out not to be a failure
  // gives it back, so concurrent guesses cannot outrun the count of the failures still being
  // verified. An address whose bucket is empty is throttled: its credentials are still checked,
  // and the valid ones go on.
  const std::optional<std::string> peer = ClientAddress(request);
  bool throttled = false;
  long long retry_after_seconds = 0;
  if (peer) {
    const auto gate = auth_failures_.Take(*peer, Clock::now());
    throttled = !gate.allowed;
    retry_after_seconds = gate.retry_after_seconds;
  }
  // Authentication may ask order-service (API keys): the rest of the pipeline runs when it
  // answers, on whichever thread that is; no HTTP thread waits.
  const std::string* header = FindHeader(request.headers, "Authorization");
  const std::optional<std::string> authorization =
      header != nullptr ? std::optional<std::string>(*header) : std::nullopt;
  authenticator_->Authenticate(
      authorization ? &*authorization : nullptr, std::chrono::system_clock::now(),
      [this, &route, request = std::move(request), read_body = std::move(read_body),
       params = std::move(match.params), query_text, peer, throttled, retry_after_seconds,
       finish = std::move(finish)](absl::StatusOr<Principal> authenticated) mutable {
        const bool missing =
            !authenticated.ok() && ReasonOf(authenticated.status()) == "CREDENTIALS_MISSING";
        // Only credentials that were presented and refused count as failures: no credentials
        // guess nothing, and an unverifiable key is not the client's fault.
        const bool failed = !authenticated.ok() && !missing &&
                            authenticated.status().code() == absl::StatusCode::kUnauthenticated;
        if (peer && !throttled && !failed) auth_failures_.Refund(*peer);
        if (failed && throttled) {
          if (metrics_ != nullptr) {
            metrics_->RateLimited();
            metrics_->AuthRejected("throttled");
          }
          finish(TooManyRequests("AUTH_THROTTLED",
                                 "too many failed authentications from this address; retry later",
                                 retry_after_seconds, finish.request_id));
          return;
        }
        if (!authenticated.ok()) {
          if (authenticated.status().code() != absl::StatusCode::kUnauthenticated) {
            // The credential could not be checked (order-service unavailable), or it is valid
            // but grants what its holder may not (403): no challenge either way.
            if (metrics_ != nullptr &&
                authenticated.status().code() == absl::StatusCode::kPermissionDenied) {
              metrics_->AuthRejected("forbidden");
            }
            finish(ErrorResponse(authenticated.status(), finish.request_id));
            return;
          }
          if (metrics_ != nullptr) metrics_->AuthRejected(missing ? "missing" : "invalid");
          Response response = ErrorResponse(authenticated.status(), finish.request_id);
          response.SetHeader(
              "WWW-Authenticate",
              missing ? "Bearer realm=\"oms\"" : "Bearer realm=\"oms\", error=\"invalid_token\"");
          finish(std::move(response));
          return;
        }
        Proceed(route, std::move(request), std::move(read_body), std::move(params), query_text,
                std::move(finish), std::move(*authenticated));
      });
}

std::optional<std::string> Gateway::ClientAddress(const Request& request) const {
  const ClientAddressPolicy& policy = options_.client_addresses;
  return policy.ClientOf(request.peer, policy.header().empty()
                                           ? nullptr
                                           : FindHeader(request.headers, policy.header()));
}

void Gateway::Proceed(const RouteSpec& route, Request request, BodyReader read_body,
                      PathParams params, const std::string& query_text, Finisher finish,
                      Principal principal) {
  const std::string request_id = finish.request_id;
  auto fail = [&](const absl::Status& status, int http_status = 0) {
    finish(ErrorResponse(status, request_id, http_status));
  };
  if (route.access.authenticate) {
    if (!route.access.scope.empty() && !principal.HasScope(route.access.scope)) {
      if (metrics_ != nullptr) metrics_->AuthRejected("forbidden");
      fail(WithReason(absl::StatusCode::kPermissionDenied, "MISSING_SCOPE",
                      absl::StrCat("this route needs the scope ", route.access.scope)));
      return;
    }
    const auto decision = limiter_.Take(principal.credential_id, Clock::now());
    if (!decision.allowed) {
      if (metrics_ != nullptr) metrics_->RateLimited();
      finish(TooManyRequests("RATE_LIMITED", "rate limit of this credential exceeded; retry later",
                             decision.retry_after_seconds, request_id));
      return;
    }
  }

  auto query = ParseQuery(query_text);
  if (!query.ok()) {
    fail(WithReason(absl::StatusCode::kInvalidArgument, "MALFORMED_QUERY",
                    query.status().message()));
    return;
  }
  absl::Status query_ok = CheckQuery(route, *query);
  if (!query_ok.ok()) {
    fail(query_ok);
    return;
  }
  std::optional<std::string> idempotency_key;
  if (route.idempotency_key != IdempotencyKey::kNone) {
    const std::string* key = FindHeader(request.headers, "Idempotency-Key");
    if (key == nullptr && route.idempotency_key == IdempotencyKey::kRequired) {
      fail(WithReason(absl::StatusCode::kInvalidArgument, "IDEMPOTENCY_KEY_MISSING",
                      "Idempotency-Key: this route requires the header"));
      return;
    }
    if (key != nullptr) {
      absl::Status valid = ValidateRequestId(*key, "Idempotency-Key");
      if (!valid.ok()) {
        fail(valid);
        return;
      }
      idempotency_key = *key;
    }
  }

  // Everything the head decides has been decided: now the body, within the route's limit.
  read_body(BodyLimit(route), [this, &route, request = std::move(request),
                               params = std::move(params), query = std::move(*query),
                               principal = std::move(principal), idempotency_key,
                               finish =
                                   std::move(finish)](absl::StatusOr<std::string> body) mutable {
    const std::string id = finish.request_id;
    if (!body.ok()) {
      finish(ErrorResponse(body.status(), id,
                           ReasonOf(body.status()) == "BODY_TOO_LARGE" ? 413 : 400));
      return;
    }
    request.body = std::move(*body);
    // A route whose body is optional takes an empty one whatever its type (curl -X POST
    // says application/x-www-form-urlencoded).
    const bool no_body = route.body_optional && absl::StripAsciiWhitespace(request.body).empty();
    if (route.body != nullptr && !no_body &&
        !IsJsonContentType(FindHeader(request.headers, "Content-Type"))) {
      finish(ErrorResponse(WithReason(absl::StatusCode::kInvalidArgument, "UNSUPPORTED_MEDIA_TYPE",
                                      "Content-Type must be application/json"),
                           id, 415));
      return;
    }
    if (idempotency_key && route.idempotency_record == IdempotencyRecord::kBackend) {
      RunKeyKeptByBackend(route, std::move(request), std::move(params), std::move(query),
                          std::move(principal), std::move(finish));
      return;
    }
    if (idempotency_key && idempotency_ != nullptr) {
      ClaimThenRun(route, std::move(request), std::move(params), std::move(query),
                   std::move(principal), *idempotency_key, std::move(finish));
      return;
    }
    Run(route, std::move(request), std::move(params), std::move(query), std::move(principal), id,
        std::move(finish));
  });
}

void Gateway::ClaimThenRun(const RouteSpec& route, Request request, PathParams params,
                           QueryParams query, Principal principal, const std::string& key,
                           Finisher finish) {
  IdempotencyStore::Claim claim;
  claim.scope = IdempotencyScope(principal, route.method, route.path);
  claim.key = key;
  claim.fingerprint = RequestFingerprint(route.method, route.path, params, request.body);
  claim.lease = route.deadline + options_.idempotency_lease_margin;
  claim.request_id = finish.request_id;
  auto count = [this](const char* outcome) {
    if (metrics_ != nullptr) metrics_->Idempotency(outcome);
  };
  idempotency_->ClaimKey(
      claim,
      [this, &route, request = std::move(request), params = std::move(params),
       query = std::move(query), principal = std::move(principal), claim, count,
       finish = std::move(finish)](absl::StatusOr<IdempotencyStore::ClaimResult> claimed) mutable {
        const std::string request_id = finish.request_id;
        if (!claimed.ok()) {
          // Without its record the request cannot be run at most once: refuse, retryably.
          count("unavailable");
          log::Warn(request_id, "idempotency key claim failed",
                    {{"error", claimed.status().ToString()}});
          finish(ErrorResponse(
              WithReason(absl::StatusCode::kUnavailable, "IDEMPOTENCY_UNAVAILABLE",
                         "the Idempotency-Key cannot be checked right now; retry shortly"),
              request_id));
          return;
        }
        switch (claimed->outcome) {
          case IdempotencyStore::Outcome::kInProgress: {
            count("in_use");
            finish(ErrorResponse(
                WithReason(absl::StatusCode::kAborted, "IDEMPOTENCY_KEY_IN_USE",
                           "Idempotency-Key: the first request with this key is still running; "
                           "retry once it has been answered"),
                request_id));
            return;
          }
          case IdempotencyStore::Outcome::kMismatch:
            count("mismatch");
            finish(ErrorResponse(
                WithReason(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
                           "Idempotency-Key: this key was used for a different request"),
                request_id));
            return;
          case IdempotencyStore::Outcome::kCompleted: {
            count("replayed");
            Response replay = std::move(claimed->answer);
            replay.SetHeader(kReplayedHeader, "true");
            finish(std::move(replay));
            return;
          }
          case IdempotencyStore::Outcome::kClaimed:
            break;
        }
        count("claimed");
        // The answer is recorded (or the claim released) before the client sees it, so a
        // retry after the answer never finds the claim still running.
        Run(route, std::move(request), std::move(params), std::move(query), std::move(principal),
            request_id, [this, &route, claim, token = claimed->token, finish](Response response) {
              auto answer = [finish, response](absl::Status recorded) mutable {
                if (!recorded.ok()) {
                  // The record stays RUNNING until its lease passes; retries meanwhile get 409.
                  log::Warn(finish.request_id, "idempotency record not updated",
                            {{"error", recorded.ToString()}});
                }
                finish(std::move(response));
              };
              if (IsStoredAnswer(response)) {
                Response stored = StoredAnswer(response);
                if (route.secret_answer && response.status < 300) {
                  stored = ErrorResponse(
                      WithReason(absl::StatusCode::kFailedPrecondition, "SECRET_NOT_REPLAYED",
                                 "the first request with this Idempotency-Key succeeded; its "
                                 "answer held a secret, which is shown only once"),
                      finish.request_id, 409);
                }
                idempotency_->Complete(claim, token, stored, std::move(answer));
              } else {
                idempotency_->Release(claim, token, std::move(answer));
              }
            });
      });
}

void Gateway::RunKeyKeptByBackend(const RouteSpec& route, Request request, PathParams params,
                                  QueryParams query, Principal principal, Finisher finish) {
  const std::string request_id = finish.request_id;
  Run(route, std::move(request), std::move(params), std::move(query), std::move(principal),
      request_id, [this, finish](Response response) {
        if (metrics_ != nullptr) metrics_->Idempotency(BackendKeyOutcome(response));
        finish(std::move(response));
      });
}

void Gateway::Run(const RouteSpec& route, Request request, PathParams params, QueryParams query,
                  Principal principal, const std::string& request_id,
                  std::function<void(Response)> done) {
  auto exchange = std::make_shared<Exchange>(
      route, std::move(request), std::move(params), std::move(query), std::move(principal),
      request_id, std::chrono::system_clock::now() + route.deadline, std::move(done));
  // Owner-guarded routes check ownership themselves, asynchronously (only order-service knows
  // whose an order is); Exchange::Reply fails closed when one forgets (Access::owner_guarded).
  try {
    route.handler(exchange);
  } catch (const std::exception& e) {
    log::Error(exchange->request_id(), "route handler threw", {{"what", e.what()}});
    exchange->Fail(absl::InternalError(e.what()));
  }
}

}  // namespace oms::gateway
