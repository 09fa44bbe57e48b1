// Mutual TLS and per-method authorization of GrpcServer: certificates from the test PKI
// (tests/support/test_pki.h), an echo service that only order-service may call.
#include <atomic>
#include <filesystem>
#include <thread>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/auth_context.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_credentials.h"
#include "common/metrics.h"
#include "common/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "oms/testing/v1/echo.grpc.pb.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"

namespace oms {
namespace {

using oms::testing::CertFiles;
using oms::testing::TestPki;
using oms::testing::v1::EchoRequest;
using oms::testing::v1::EchoResponse;
using oms::testing::v1::EchoService;

class EchoImpl final : public EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest* request,
                                 EchoResponse* response) override {
    response->set_message(request->message());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

class MtlsTest : public ::testing::Test {
 protected:
  // Serves with `server_files` (the inventory-service identity unless given).
  void StartServer(const CertFiles& server_files) {
    ServerConfig config;
    config.security = TestPki::Security(server_files);
    auto server = GrpcServer::Start(
        config, {{&echo_, EchoService::service_full_name(), {{"Echo", {peer::kOrderService}}}}},
        metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  // A channel of its own (no connection shared with earlier channels) presenting `names`.
  std::shared_ptr<grpc::Channel> ChannelAs(const std::vector<std::string>& names) {
    auto files = TestPki::Get().For(names);
    EXPECT_TRUE(files.ok()) << files.status();
    return Channel(MakeChannelCredentials(TestPki::Security(*files)));
  }
  std::shared_ptr<grpc::Channel> Channel(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_->port()), credentials,
                                     args);
  }

  static grpc::Status Echo(const std::shared_ptr<grpc::Channel>& channel,
                           std::string* server_cert = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    EchoRequest request;
    request.set_message("hi");
    EchoResponse response;
    grpc::Status status = EchoService::NewStub(channel)->Echo(&context, request, &response);
    if (status.ok() && server_cert != nullptr) {
      auto pem = context.auth_context()->FindPropertyValues("x509_pem_cert");
      *server_cert = pem.empty() ? "" : std::string(pem[0].data(), pem[0].size());
    }
    return status;
  }

  Metrics metrics_{"mtls-test", "test"};
  EchoImpl echo_;
  std::unique_ptr<GrpcServer> server_;
};

TEST_F(MtlsTest, RefusesAPlaintextClient) {
  auto files = TestPki::Get().For({peer::kInventoryService});
  ASSERT_TRUE(files.ok()) << files.status();
  StartServer(*files);
  grpc::Status status = Echo(Channel(MakeChannelCredentials(TransportSecurity::Plaintext())));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_TRUE(Echo(ChannelAs({peer::kOrderService})).ok());
}

TEST_F(MtlsTest, RefusesAWrongIdentityPerMethodAndServesTheRightOne) {
  auto files = TestPki::Get().For({peer::kInventoryService});
  ASSERT_TRUE(files.ok()) << files.status();
  StartServer(*files);
  auto shipping = ChannelAs({peer::kShippingService});
  grpc::Status denied = Echo(shipping);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(denied.error_message(),
            "spiffe://oms/shipping-service may not call /oms.testing.v1.EchoService/Echo");
  // The same connection may still ask for health: that is open to every verified peer.
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse health;
  EXPECT_TRUE(grpc::health::v1::Health::NewStub(shipping)->Check(&context, {}, &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  EXPECT_TRUE(Echo(ChannelAs({peer::kOrderService})).ok());
}

TEST_F(MtlsTest, AServerWithoutAnOmsIdentityIsRefusedByClients) {
  // A certificate the CA signed, but whose URI (spiffe://oms/a/b) is no oms identity.
  auto stranger = TestPki::Get().For({"a/b"});
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  StartServer(*stranger);
  grpc::Status status = Echo(ChannelAs({peer::kOrderService}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(MtlsTest, FailsToStartWhenAPeerTableMissesAMethod) {
  auto files = TestPki::Get().For({peer::kInventoryService});
  ASSERT_TRUE(files.ok());
  ServerConfig config;
  config.security = TestPki::Security(*files);
  auto server = GrpcServer::Start(config, {{&echo_, EchoService::service_full_name()}}, metrics_);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("does not list Echo"), absl::string_view::npos);
}

// kubelet's way: the files live in a directory reached through a symlink that is swapped
// atomically, so a reader never sees a new certificate with an old key.
TEST_F(MtlsTest, RotatedCertificatesServeNewConnectionsWithoutAFailedCall) {
  const std::string dir = oms::testing::MakeTempDir();
  const std::vector<std::string> names = {peer::kInventoryService};
  auto first = TestPki::Get().IssueInto(dir + "/v1", names);
  ASSERT_TRUE(first.ok()) << first.status();
  std::filesystem::create_directory_symlink(dir + "/v1", dir + "/current");
  const CertFiles mounted{first->ca, dir + "/current/cert.pem", dir + "/current/key.pem"};
  StartServer(mounted);
  const std::string old_pem = oms::testing::ReadFile(first->cert);
  std::string seen;
  ASSERT_TRUE(Echo(ChannelAs({peer::kOrderService}), &seen).ok());
  EXPECT_EQ(seen, old_pem);

  // Calls keep going during the rotation, on a long-lived connection and on new ones.
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, failures{0};
  std::string first_failure;
  std::thread load([&] {
    auto steady = ChannelAs({peer::kOrderService});
    while (!stop) {
      auto channel = calls % 5 == 0 ? ChannelAs({peer::kOrderService}) : steady;
      grpc::Status status = Echo(channel);
      if (!status.ok() && failures++ == 0) first_failure = status.error_message();
      ++calls;
    }
  });

  auto second = TestPki::Get().IssueInto(dir + "/v2", names);
  ASSERT_TRUE(second.ok()) << second.status();
  const std::string new_pem = oms::testing::ReadFile(second->cert);
  ASSERT_NE(new_pem, old_pem);
  std::filesystem::create_directory_symlink(dir + "/v2", dir + "/next");
  std::filesystem::rename(dir + "/next", dir + "/current");

  // The provider re-reads every second (TestPki::Security): a new connection soon gets it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (seen != new_pem && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(Echo(ChannelAs({peer::kOrderService}), &seen).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  load.join();
  EXPECT_EQ(seen, new_pem) << "new connections still get the old certificate";
  EXPECT_GT(calls.load(), 0);
  EXPECT_EQ(failures.load(), 0) << first_failure;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace oms
