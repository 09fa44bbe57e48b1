#include "common/peer_policy.h"

#include <gtest/gtest.h>

#include "oms/testing/v1/echo.pb.h"

namespace oms {
namespace {

constexpr char kEcho[] = "/oms.testing.v1.EchoService/Echo";

PeerPolicy EchoForOrderService() {
  PeerPolicy policy;
  policy.AddService("oms.testing.v1.EchoService", {{"Echo", {peer::kOrderService}}});
  policy.AllowAnyPeer("grpc.health.v1.Health", {"Check"});
  return policy;
}

TEST(OmsIdentitiesTest, KeepsOnlyOneSegmentNamesUnderTheOmsTrustDomain) {
  EXPECT_EQ(OmsIdentities({"spiffe://oms/gateway", "spiffe://other/gateway", "https://oms/x",
                           "spiffe://oms/", "spiffe://oms/a/b", "spiffe://oms/omsctl"}),
            (std::vector<std::string>{"gateway", "omsctl"}));
  EXPECT_TRUE(OmsIdentities({}).empty());
}

TEST(PeerPolicyTest, ServesTheListedCallerAndRefusesAnotherNamingBoth) {
  const PeerPolicy policy = EchoForOrderService();
  EXPECT_TRUE(policy.Authorize(kEcho, {"order-service"}).ok());
  EXPECT_TRUE(policy.Authorize(kEcho, {"gateway", "order-service"}).ok());  // any of its names
  absl::Status denied = policy.Authorize(kEcho, {"shipping-service"});
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), "spiffe://oms/shipping-service may not call " + std::string(kEcho));
}

TEST(PeerPolicyTest, FailsClosedOnUnknownMethodsAndCallersWithoutAnIdentity) {
  const PeerPolicy policy = EchoForOrderService();
  absl::Status unknown = policy.Authorize("/oms.testing.v1.EchoService/Other", {"order-service"});
  EXPECT_EQ(unknown.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(unknown.message().find("no peer table lists it"), absl::string_view::npos);
  absl::Status nobody = policy.Authorize(kEcho, {});
  EXPECT_EQ(nobody.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(nobody.message().find("without a spiffe://oms/ identity"), absl::string_view::npos);
  EXPECT_EQ(policy.Authorize("", {"order-service"}).code(), absl::StatusCode::kPermissionDenied);
}

TEST(PeerPolicyTest, OpenMethodsServeEveryPeer) {
  const PeerPolicy policy = EchoForOrderService();
  EXPECT_TRUE(policy.Authorize("/grpc.health.v1.Health/Check", {}).ok());
  EXPECT_FALSE(policy.Authorize("/grpc.health.v1.Health/Watch", {"gateway"}).ok());
}

TEST(CheckPeerTableTest, RequiresExactlyTheServiceMethodsAndKnownNames) {
  // Linked so that the descriptor pool knows the service.
  oms::testing::v1::EchoRequest linked;
  (void)linked;
  EXPECT_TRUE(CheckPeerTable("oms.testing.v1.EchoService", {{"Echo", {peer::kGateway}}}).ok());
  EXPECT_TRUE(CheckPeerTable("oms.testing.v1.EchoService", {{"Echo", {}}}).ok());  // nobody
  absl::Status missing = CheckPeerTable("oms.testing.v1.EchoService", {});
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.message().find("does not list Echo"), absl::string_view::npos);
  absl::Status extra = CheckPeerTable("oms.testing.v1.EchoService",
                                      {{"Echo", {peer::kGateway}}, {"Other", {peer::kGateway}}});
  EXPECT_NE(extra.message().find("has no method Other"), absl::string_view::npos);
  absl::Status stranger = CheckPeerTable("oms.testing.v1.EchoService", {{"Echo", {"mallory"}}});
  EXPECT_NE(stranger.message().find("unknown peer mallory"), absl::string_view::npos);
  EXPECT_FALSE(CheckPeerTable("no.Such", {}).ok());
}

}  // namespace
}  // namespace oms
