// The bootstrap as a client sees it: health, request ids, interceptor metrics, draining.
#include "common/server.h"

#include <chrono>
#include <future>
#include <thread>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/executor.h"
#include "common/grpc_interceptors.h"
#include "common/metrics.h"
#include "common/reactor.h"
#include "common/testing/scrape.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "oms/testing/v1/echo.grpc.pb.h"

namespace oms {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using oms::testing::v1::EchoRequest;
using oms::testing::v1::EchoResponse;
using oms::testing::v1::EchoService;

class EchoImpl final : public EchoService::CallbackService {
 public:
  explicit EchoImpl(BoundedExecutor& executor) : executor_(executor) {}
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest* request,
                                 EchoResponse* response) override {
    const std::string request_id = RequestIdOf(*context);
    return RunBlocking(context, executor_, [request, response, request_id]() {
      if (request->delay_ms() > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(request->delay_ms()));
      }
      if (request->fail_with_code() != 0) {
        return absl::Status(static_cast<absl::StatusCode>(request->fail_with_code()), "asked to");
      }
      response->set_message(request->message());
      response->set_request_id(request_id);
      return absl::OkStatus();
    });
  }

 private:
  BoundedExecutor& executor_;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig config;
    config.drain_timeout = std::chrono::seconds(5);
    auto server = GrpcServer::Start(config, {{&echo_, EchoService::service_full_name()}}, metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  HealthCheckResponse::ServingStatus HealthOf(const std::string& service, grpc::Status* status) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    *status = Health::NewStub(channel_)->Check(&context, request, &response);
    return response.status();
  }

  BoundedExecutor executor_{4, 64};
  EchoImpl echo_{executor_};
  Metrics metrics_{"test-service", "0"};
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServerTest, ReportsServingOverallAndPerService) {
  grpc::Status status;
  EXPECT_EQ(HealthOf("", &status), HealthCheckResponse::SERVING);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(HealthOf("oms.testing.v1.EchoService", &status), HealthCheckResponse::SERVING);
  HealthOf("no.such.Service", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerTest, PassesTheClientsRequestIdOrGeneratesOne) {
  auto stub = EchoService::NewStub(channel_);
  {
    grpc::ClientContext context;
    SetRequestId(context, "req-abc");
    EchoRequest request;
    request.set_message("hi");
    EchoResponse response;
    ASSERT_TRUE(stub->Echo(&context, request, &response).ok());
    EXPECT_EQ(response.request_id(), "req-abc");
  }
  {
    grpc::ClientContext context;
    EchoResponse response;
    ASSERT_TRUE(stub->Echo(&context, EchoRequest(), &response).ok());
    EXPECT_EQ(response.request_id().size(), 32u);
    auto echoed = context.GetServerInitialMetadata().find(kRequestIdHeader);
    ASSERT_NE(echoed, context.GetServerInitialMetadata().end());
    EXPECT_EQ(std::string(echoed->second.data(), echoed->second.size()), response.request_id());
  }
}

TEST_F(ServerTest, CountsEveryCallByCodeWithSeriesPreInitialized) {
  const std::string labels =
      R"(grpc_method="Echo",grpc_service="oms.testing.v1.EchoService",grpc_type="unary")";
  std::string before = metrics_.Render();
  EXPECT_EQ(*testing::SampleValue(
                before, "grpc_server_handled_total{grpc_code=\"NotFound\"," + labels + "}"),
            0);

  auto stub = EchoService::NewStub(channel_);
  for (int code : {0, 0, 5}) {
    grpc::ClientContext context;
    EchoRequest request;
    request.set_fail_with_code(code);
    EchoResponse response;
    EXPECT_EQ(static_cast<int>(stub->Echo(&context, request, &response).error_code()), code);
  }
  std::string after = metrics_.Render();
  EXPECT_EQ(*testing::SampleValue(after, "grpc_server_started_total{" + labels + "}"), 3);
  EXPECT_EQ(
      *testing::SampleValue(after, "grpc_server_handled_total{grpc_code=\"OK\"," + labels + "}"),
      2);
  EXPECT_EQ(*testing::SampleValue(
                after, "grpc_server_handled_total{grpc_code=\"NotFound\"," + labels + "}"),
            1);
  EXPECT_EQ(*testing::SampleValue(after, "grpc_server_handling_seconds_count{" + labels + "}"), 3);
  EXPECT_TRUE(testing::PromtoolCheckMetrics(after).ok());
}

TEST_F(ServerTest, ClientInterceptorCountsTheCallsAChannelMakes) {
  Metrics client_metrics("client", "0");
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(MakeClientInterceptorFactory(MakeRpcMetrics(
      client_metrics.registry(), RpcSide::kClient, {EchoService::service_full_name()})));
  auto channel = grpc::experimental::CreateCustomChannelWithInterceptors(
      absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials(),
      grpc::ChannelArguments(), std::move(factories));
  auto stub = EchoService::NewStub(channel);
  grpc::ClientContext context;
  EchoResponse response;
  EchoRequest request;
  request.set_fail_with_code(static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
  stub->Echo(&context, request, &response);
  const std::string labels =
      R"(grpc_method="Echo",grpc_service="oms.testing.v1.EchoService",grpc_type="unary")";
  std::string text = client_metrics.Render();
  EXPECT_EQ(*testing::SampleValue(text, "grpc_client_started_total{" + labels + "}"), 1);
  EXPECT_EQ(*testing::SampleValue(
                text, "grpc_client_handled_total{grpc_code=\"AlreadyExists\"," + labels + "}"),
            1);
  EXPECT_EQ(
      *testing::SampleValue(text, "grpc_client_handled_total{grpc_code=\"OK\"," + labels + "}"), 0);
}

TEST_F(ServerTest, ShutdownLetsACallInFlightFinish) {
  auto stub = EchoService::NewStub(channel_);
  auto call = std::async(std::launch::async, [&stub] {
    grpc::ClientContext context;
    EchoRequest request;
    request.set_message("slow");
    request.set_delay_ms(500);
    EchoResponse response;
    grpc::Status status = stub->Echo(&context, request, &response);
    return status.ok() && response.message() == "slow";
  });
  // Wait until the server has really started the call before shutting down.
  const std::string started =
      R"(grpc_server_started_total{grpc_method="Echo",grpc_service="oms.testing.v1.EchoService",grpc_type="unary"})";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (*testing::SampleValue(metrics_.Render(), started) < 1) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::yield();
  }
  server_->Shutdown();
  EXPECT_TRUE(call.get());
  grpc::Status status;
  HealthOf("", &status);
  EXPECT_FALSE(status.ok());  // nothing listens any more
}

// Armed at run time with an error or a lost reply, the before_reply point answers a handler
// that succeeded with that status instead, and a failed handler with its own.
TEST(ServerFailpointTest, BeforeReplyTurnsASuccessIntoTheArmedErrorOrALostReply) {
  BoundedExecutor executor{2, 16};
  EchoImpl echo{executor};
  Metrics metrics{"test-service", "0"};
  ServerConfig config;
  config.failpoints = Failpoints::Parse("test.Echo.before_reply=reply_lost@every2");
  config.failpoint_prefix = "test";
  auto server = GrpcServer::Start(config, {{&echo, EchoService::service_full_name()}}, metrics);
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = EchoService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", (*server)->port()), grpc::InsecureChannelCredentials()));
  std::vector<grpc::StatusCode> codes;
  for (int i = 0; i < 4; ++i) {
    EchoRequest request;
    request.set_message("m");
    EchoResponse response;
    grpc::ClientContext context;
    codes.push_back(stub->Echo(&context, request, &response).error_code());
  }
  EXPECT_EQ(codes,
            (std::vector<grpc::StatusCode>{grpc::StatusCode::OK, grpc::StatusCode::UNAVAILABLE,
                                           grpc::StatusCode::OK, grpc::StatusCode::UNAVAILABLE}));
  (*server)->Shutdown();
}

// A participant's crash "after its commit, before its reply": the armed
// <prefix>.<Method>.before_reply point fires once a handler succeeded, never on a failed call.
TEST(ServerFailpointDeathTest, BeforeReplyCrashesOnlyAfterASuccessfulHandler) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto run = [] {
    BoundedExecutor executor{2, 16};
    EchoImpl echo{executor};
    Metrics metrics{"test-service", "0"};
    ServerConfig config;
    config.failpoints = Failpoints::Parse("test.Echo.before_reply=crash");
    config.failpoint_prefix = "test";
    auto server = GrpcServer::Start(config, {{&echo, EchoService::service_full_name()}}, metrics);
    if (!server.ok()) std::_Exit(2);
    auto stub = EchoService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", (*server)->port()), grpc::InsecureChannelCredentials()));
    EchoRequest failing;
    failing.set_fail_with_code(static_cast<int>(grpc::StatusCode::NOT_FOUND));
    EchoResponse response;
    grpc::ClientContext first;
    if (stub->Echo(&first, failing, &response).error_code() != grpc::StatusCode::NOT_FOUND) {
      std::_Exit(3);  // a failed call must be answered, not crash
    }
    grpc::ClientContext second;
    (void)stub->Echo(&second, EchoRequest(), &response);
    std::_Exit(4);  // not reached: the server crashed before replying
  };
  EXPECT_EXIT(run(), ::testing::ExitedWithCode(137), "");
}

}  // namespace
}  // namespace oms
