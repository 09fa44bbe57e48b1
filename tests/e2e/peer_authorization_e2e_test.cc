// Mutual TLS between the real processes: a plaintext client is refused, each method serves only
// the callers its service's peer table names (ARCHITECTURE.md's call graph), reflection is off
// unless asked for, and a service without certificates refuses to start unless plain text is
// explicit.
#include <filesystem>
#include <map>
#include <tuple>

#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_credentials.h"
#include "common/peer_policy.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "oms/billing/v1/billing.grpc.pb.h"
#include "oms/order/v1/idempotency.grpc.pb.h"
#include "oms/order/v1/order.grpc.pb.h"
#include "tests/support/process.h"
#include "tests/support/service_under_test.h"
#include "tests/support/test_pki.h"

namespace oms {
namespace {

using testing::ServiceUnderTest;
using testing::TestPki;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

class PeerAuthorizationE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status started = order_.Start();
    ASSERT_TRUE(started.ok()) << started;
    started = billing_.Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  // A channel to `service` presenting a certificate with the one identity `name`.
  static std::shared_ptr<grpc::Channel> As(const std::string& name,
                                           const ServiceUnderTest& service) {
    auto files = TestPki::Get().For({name});
    EXPECT_TRUE(files.ok()) << files.status();
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", service.grpc_port()),
                               MakeChannelCredentials(TestPki::Security(*files)));
  }

  ServiceUnderTest order_{OMS_ORDER_BIN, "OMS_ORDER"};
  ServiceUnderTest billing_{OMS_BILLING_BIN, "OMS_BILLING"};
};

TEST_F(PeerAuthorizationE2eTest, OnlyTheGatewayMayMintApiKeysOrClaimIdempotencyKeys) {
  order::v1::CreateApiKeyRequest request;
  request.set_name("probe");
  request.add_scopes("admin");
  order::v1::CreatedApiKey created;
  for (const char* caller : {peer::kOmsctl, peer::kInventoryService, peer::kOrderService}) {
    grpc::Status status = order::v1::OrderService::NewStub(As(caller, order_))
                              ->CreateApiKey(Context().get(), request, &created);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << caller;
    EXPECT_EQ(status.error_message(), absl::StrCat("spiffe://oms/", caller,
                                                   " may not call "
                                                   "/oms.order.v1.OrderService/CreateApiKey"));
  }
  grpc::Status served = order::v1::OrderService::NewStub(As(peer::kGateway, order_))
                            ->CreateApiKey(Context().get(), request, &created);
  ASSERT_TRUE(served.ok()) << served.error_message();
  EXPECT_FALSE(created.secret().empty());

  order::v1::ClaimIdempotencyKeyRequest claim;
  order::v1::ClaimIdempotencyKeyResponse claimed;
  grpc::Status denied = order::v1::IdempotencyService::NewStub(As(peer::kShippingService, order_))
                            ->ClaimIdempotencyKey(Context().get(), claim, &claimed);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // The gateway reaches the handler, which judges the (empty) request itself.
  grpc::Status judged = order::v1::IdempotencyService::NewStub(As(peer::kGateway, order_))
                            ->ClaimIdempotencyKey(Context().get(), claim, &claimed);
  EXPECT_EQ(judged.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << judged.error_message();
}

TEST_F(PeerAuthorizationE2eTest, OnlyOrderServiceMovesMoney) {
  billing::v1::RefundPaymentRequest request;
  billing::v1::RefundPaymentResponse response;
  grpc::Status denied = billing::v1::BillingService::NewStub(As(peer::kGateway, billing_))
                            ->RefundPayment(Context().get(), request, &response);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(denied.error_message().find("spiffe://oms/gateway"), std::string::npos);
  grpc::Status judged = billing::v1::BillingService::NewStub(As(peer::kOrderService, billing_))
                            ->RefundPayment(Context().get(), request, &response);
  EXPECT_EQ(judged.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << judged.error_message();
}

TEST_F(PeerAuthorizationE2eTest, RefusesPlaintextClientsAndServesNoReflectionByDefault) {
  auto plaintext = grpc::CreateChannel(absl::StrCat("127.0.0.1:", order_.grpc_port()),
                                       MakeChannelCredentials(TransportSecurity::Plaintext()));
  order::v1::ListCustomersResponse customers;
  grpc::Status refused =
      order::v1::OrderService::NewStub(plaintext)->ListCustomers(Context().get(), {}, &customers);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();

  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(As(peer::kOmsctl, order_));
  auto context = Context();
  auto stream = reflection->ServerReflectionInfo(context.get());
  grpc::reflection::v1alpha::ServerReflectionRequest list;
  list.set_list_services("");
  stream->Write(list);
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse listed;
  EXPECT_FALSE(stream->Read(&listed));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

// Starts inventory-service with `env` against a database that cannot be reached; its exit code
// and log.
std::pair<int, std::string> StartInventory(const std::map<std::string, std::string>& env) {
  testing::ChildProcess process;
  const std::string dir = testing::MakeTempDir();
  std::map<std::string, std::string> all = {
      {"OMS_INVENTORY_PORT", "0"},
      {"OMS_INVENTORY_METRICS_PORT", "0"},
      {"OMS_INVENTORY_DATABASE_URL",
       "postgresql://nobody:wrong@127.0.0.1:1/none?connect_timeout=2"}};
  for (const auto& [key, value] : env) all[key] = value;
  EXPECT_TRUE(process.Start(OMS_INVENTORY_BIN, {}, all, dir + "/log").ok());
  auto status = process.WaitForExit(std::chrono::seconds(20));
  EXPECT_TRUE(status.ok()) << status.status();
  const std::string log = testing::ReadFile(dir + "/log");
  std::filesystem::remove_all(dir);
  return {status.ok() && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, log};
}

TEST(TransportStartupTest, RefusesToStartWithoutCertificatesUnlessPlaintextIsExplicit) {
  auto [code, log] = StartInventory(
      {{"OMS_TLS_CA_FILE", ""}, {"OMS_TLS_CERT_FILE", ""}, {"OMS_TLS_KEY_FILE", ""}});
  EXPECT_EQ(code, 2) << log;
  EXPECT_NE(log.find("no certificates"), std::string::npos) << log;
  EXPECT_NE(log.find("--insecure_plaintext"), std::string::npos) << log;

  // Explicit plain text passes that check and stops only at the unreachable database.
  std::tie(code, log) = StartInventory({{"OMS_INSECURE_PLAINTEXT", "1"}});
  EXPECT_EQ(code, 1) << log;
  EXPECT_NE(log.find("cannot start"), std::string::npos) << log;
  EXPECT_EQ(log.find("no certificates"), std::string::npos) << log;
}

}  // namespace
}  // namespace oms
