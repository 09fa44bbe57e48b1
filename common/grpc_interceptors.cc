#include "common/grpc_interceptors.h"

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <unordered_map>

#include <google/protobuf/descriptor.h>
#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/access_log.h"
#include "common/idempotency.h"
#include "common/log.h"
#include "common/metrics.h"

namespace oms {
namespace {

constexpr int kCodeCount = 17;

// The calls this process handled, for the access log's sample.
std::atomic<uint64_t> handled_calls{0};

// The names Go's codes.Code.String() gives, which go-grpc-prometheus puts in grpc_code.
const char* CodeName(int code) {
  static const std::array<const char*, kCodeCount> kNames = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  return code >= 0 && code < kCodeCount ? kNames[code] : "Unknown";
}

const char* TypeName(bool client_streaming, bool server_streaming) {
  if (client_streaming && server_streaming) return "bidi_stream";
  if (client_streaming) return "client_stream";
  if (server_streaming) return "server_stream";
  return "unary";
}

// "/pkg.Service/Method" -> {"pkg.Service", "Method"}.
std::pair<std::string, std::string> SplitMethod(const std::string& full_method) {
  auto slash = full_method.rfind('/');
  if (slash == std::string::npos || slash == 0) return {"unknown", full_method};
  return {full_method.substr(1, slash - 1), full_method.substr(slash + 1)};
}

}  // namespace

class RpcMetrics {
 public:
  struct Series {
    prometheus::Counter* started = nullptr;
    prometheus::Counter* msg_received = nullptr;
    prometheus::Counter* msg_sent = nullptr;
    prometheus::Histogram* handling = nullptr;
    std::array<prometheus::Counter*, kCodeCount> handled{};
  };

  RpcMetrics(prometheus::Registry& registry, RpcSide side, const std::vector<std::string>& services)
      : prefix_(side == RpcSide::kServer ? "grpc_server" : "grpc_client"),
        started_(prometheus::BuildCounter()
                     .Name(prefix_ + "_started_total")
                     .Help(side == RpcSide::kServer ? "Total number of RPCs started on the server."
                                                    : "Total number of RPCs started on the client.")
                     .Register(registry)),
        handled_(prometheus::BuildCounter()
                     .Name(prefix_ + "_handled_total")
                     .Help(side == RpcSide::kServer
                               ? "Total number of RPCs completed on the server, regardless of "
                                 "success or failure."
                               : "Total number of RPCs completed by the client, regardless of "
                                 "success or failure.")
                     .Register(registry)),
        msg_received_(prometheus::BuildCounter()
                          .Name(prefix_ + "_msg_received_total")
                          .Help(side == RpcSide::kServer
                                    ? "Total number of RPC stream messages received on the server."
                                    : "Total number of RPC stream messages received by the "
                                      "client.")
                          .Register(registry)),
        msg_sent_(prometheus::BuildCounter()
                      .Name(prefix_ + "_msg_sent_total")
                      .Help(side == RpcSide::kServer
                                ? "Total number of gRPC stream messages sent by the server."
                                : "Total number of gRPC stream messages sent by the client.")
                      .Register(registry)),
        handling_(prometheus::BuildHistogram()
                      .Name(prefix_ + "_handling_seconds")
                      .Help(side == RpcSide::kServer
                                ? "Histogram of response latency (seconds) of gRPC that had been "
                                  "application-level handled by the server."
                                : "Histogram of response latency (seconds) of the gRPC until it "
                                  "is finished by the application.")
                      .Register(registry)) {
    const auto* pool = google::protobuf::DescriptorPool::generated_pool();
    for (const auto& service_name : services) {
      const auto* service = pool->FindServiceByName(service_name);
      if (service == nullptr) continue;
      for (int i = 0; i < service->method_count(); ++i) {
        const auto* method = service->method(i);
        known_.emplace(
            absl::StrCat("/", service_name, "/", method->name()),
            MakeSeries(service_name, method->name(),
                       TypeName(method->client_streaming(), method->server_streaming())));
      }
    }
  }

  // Pre-initialized series are read without a lock; health's and reflection's, which the server
  // adds itself, are made once. Any other name is the caller's choice (the server answers
  // UNIMPLEMENTED): all of them share one series, so no caller can add series to every scrape.
  Series& For(const std::string& full_method, const char* type) {
    auto it = known_.find(full_method);
    if (it != known_.end()) return it->second;
    const bool builtin = absl::StartsWith(full_method, "/grpc.health.v1.Health/") ||
                         absl::StartsWith(full_method, "/grpc.reflection.");
    const std::string key = builtin ? full_method : "";
    std::lock_guard<std::mutex> lock(mu_);
    auto other = others_.find(key);
    if (other == others_.end()) {
      auto [service, method] = builtin ? SplitMethod(full_method)
                                       : std::pair<std::string, std::string>{"unknown", "unknown"};
      other = others_.emplace(key, MakeSeries(service, method, type)).first;
    }
    return other->second;
  }

 private:
  Series MakeSeries(const std::string& service, const std::string& method, const char* type) {
    prometheus::Labels labels = {
        {"grpc_type", type}, {"grpc_service", service}, {"grpc_method", method}};
    Series series;
    series.started = &started_.Add(labels);
    series.msg_received = &msg_received_.Add(labels);
    series.msg_sent = &msg_sent_.Add(labels);
    series.handling = &handling_.Add(labels, prometheus::Histogram::BucketBoundaries(
                                                 LatencyBuckets().begin(), LatencyBuckets().end()));
    for (int code = 0; code < kCodeCount; ++code) {
      auto with_code = labels;
      with_code["grpc_code"] = CodeName(code);
      series.handled[code] = &handled_.Add(with_code);
    }
    return series;
  }

  const std::string prefix_;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Counter>& msg_received_;
  prometheus::Family<prometheus::Counter>& msg_sent_;
  prometheus::Family<prometheus::Histogram>& handling_;
  std::unordered_map<std::string, Series> known_;
  std::mutex mu_;
  std::unordered_map<std::string, Series> others_;
};

namespace {

using Clock = std::chrono::steady_clock;
using grpc::experimental::InterceptionHookPoints;

// Messages of every call type, as go-grpc-prometheus counts them. A receive that ends the stream
// (or fails) reaches POST_RECV_MESSAGE without a message, and is not one.
void CountMessages(grpc::experimental::InterceptorBatchMethods* methods,
                   const RpcMetrics::Series& series) {
  if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
    series.msg_sent->Increment();
  }
  if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
      methods->GetRecvMessage() != nullptr) {
    series.msg_received->Increment();
  }
}

// Server and client info types have enums of the same shape.
template <class Type>
const char* RpcTypeName(Type type) {
  return TypeName(type == Type::CLIENT_STREAMING || type == Type::BIDI_STREAMING,
                  type == Type::SERVER_STREAMING || type == Type::BIDI_STREAMING);
}

class ServerInterceptor : public grpc::experimental::Interceptor {
 public:
  ServerInterceptor(grpc::experimental::ServerRpcInfo* info, RpcMetrics& metrics,
                    const Failpoints& failpoints, const std::string& failpoint_prefix)
      : info_(info),
        method_(info->method()),
        series_(metrics.For(method_, RpcTypeName(info->type()))),
        failpoints_(failpoints),
        failpoint_prefix_(failpoint_prefix) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = Clock::now();
      series_.started->Increment();
      TakeRequestId(methods->GetRecvInitialMetadata());
    }
    CountMessages(methods, series_);
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      // The handler's transaction has committed; the reply has not left yet.
      if (status.ok() && !failpoints_.empty()) {
        const std::string point =
            absl::StrCat(failpoint_prefix_, ".", SplitMethod(method_).second, ".before_reply");
        const absl::Status failed = failpoints_.Hit(point, request_id_).AsStatus(point);
        if (!failed.ok()) {
          status = grpc::Status(static_cast<grpc::StatusCode>(failed.code()),
                                std::string(failed.message()));
          methods->ModifySendStatus(status);
        }
      }
      Finish(status);
    }
    methods->Proceed();
  }

 private:
  void TakeRequestId(std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
    auto it = metadata->find(kRequestIdHeader);
    if (it != metadata->end()) {
      request_id_.assign(it->second.begin(), it->second.end());
      return;
    }
    // The handler reads the id from the client metadata, so the generated one goes there; the
    // strings live in this interceptor, which lives as long as the call.
    request_id_ = NewRequestId();
    metadata->emplace(grpc::string_ref(kRequestIdHeader), grpc::string_ref(request_id_));
    info_->server_context()->AddInitialMetadata(kRequestIdHeader, request_id_);
  }

  void Finish(const grpc::Status& status) {
    const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    const int code = static_cast<int>(status.error_code());
    series_.handled[code >= 0 && code < kCodeCount ? code : 2]->Increment();
    series_.handling->Observe(seconds);
    const bool health = method_.rfind("/grpc.health.", 0) == 0;
    const log::Level level =
        log::AccessLogLevel(log::AccessLogPolicy(), health, status.ok(), seconds,
                            handled_calls.fetch_add(1, std::memory_order_relaxed) + 1);
    if (!log::Enabled(level)) return;
    log::Write(level, request_id_, "rpc handled",
               {{"method", method_},
                {"code", CodeName(code)},
                {"duration_ms", absl::StrFormat("%.3f", seconds * 1000)},
                {"error", status.error_message()}});
  }

  grpc::experimental::ServerRpcInfo* info_;
  std::string method_;
  RpcMetrics::Series& series_;
  const Failpoints& failpoints_;  // owned by the factory, which outlives every call
  const std::string& failpoint_prefix_;
  Clock::time_point start_ = Clock::now();
  std::string request_id_;
};

class ServerFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  ServerFactory(std::shared_ptr<RpcMetrics> metrics, Failpoints failpoints,
                std::string failpoint_prefix)
      : metrics_(std::move(metrics)),
        failpoints_(std::move(failpoints)),
        failpoint_prefix_(std::move(failpoint_prefix)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new ServerInterceptor(info, *metrics_, failpoints_, failpoint_prefix_);
  }

 private:
  std::shared_ptr<RpcMetrics> metrics_;
  const Failpoints failpoints_;
  const std::string failpoint_prefix_;
};

class ClientInterceptor : public grpc::experimental::Interceptor {
 public:
  ClientInterceptor(grpc::experimental::ClientRpcInfo* info, RpcMetrics& metrics)
      : series_(metrics.For(info->method(), RpcTypeName(info->type()))) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      start_ = Clock::now();
      series_.started->Increment();
    }
    CountMessages(methods, series_);
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS)) {
      const int code = static_cast<int>(methods->GetRecvStatus()->error_code());
      series_.handled[code >= 0 && code < kCodeCount ? code : 2]->Increment();
      series_.handling->Observe(std::chrono::duration<double>(Clock::now() - start_).count());
    }
    methods->Proceed();
  }

 private:
  RpcMetrics::Series& series_;
  Clock::time_point start_ = Clock::now();
};

class ClientFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit ClientFactory(std::shared_ptr<RpcMetrics> metrics) : metrics_(std::move(metrics)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new ClientInterceptor(info, *metrics_);
  }

 private:
  std::shared_ptr<RpcMetrics> metrics_;
};

}  // namespace

std::string RequestIdOf(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kRequestIdHeader);
  if (it == metadata.end()) return "";
  return std::string(it->second.begin(), it->second.end());
}

void SetRequestId(grpc::ClientContext& context, absl::string_view request_id) {
  if (!request_id.empty()) context.AddMetadata(kRequestIdHeader, std::string(request_id));
}

absl::Time DeadlineOf(const grpc::ServerContextBase& context) {
  const std::chrono::system_clock::time_point deadline = context.deadline();
  // gRPC gives the largest time point for "no deadline".
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

std::function<absl::Status()> WithCallDeadline(const grpc::ServerContextBase& context,
                                               std::function<absl::Status()> work) {
  return [deadline = DeadlineOf(context), work = std::move(work)] {
    CallDeadlineScope scope(deadline);
    return work();
  };
}

std::string NewRequestId() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return absl::StrFormat("%016x%016x", engine(), engine());
}

std::shared_ptr<RpcMetrics> MakeRpcMetrics(prometheus::Registry& registry, RpcSide side,
                                           const std::vector<std::string>& services) {
  return std::make_shared<RpcMetrics>(registry, side, services);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeServerInterceptorFactory(
    std::shared_ptr<RpcMetrics> metrics, Failpoints failpoints, std::string failpoint_prefix) {
  return std::make_unique<ServerFactory>(std::move(metrics), std::move(failpoints),
                                         std::move(failpoint_prefix));
}

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> MakeClientInterceptorFactory(
    std::shared_ptr<RpcMetrics> metrics) {
  return std::make_unique<ClientFactory>(std::move(metrics));
}

}  // namespace oms
