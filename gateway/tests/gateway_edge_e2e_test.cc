// Probes of the gateway's edge as an abusive client would make them, against the real gateway
// in front of the four real services: slow uploads holding connections, a body announced on a
// request refused on its head, and a guesser behind a shared proxy.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/raw_connection.h"

namespace oms::gateway {
namespace {

using std::chrono::milliseconds;
using testing::Admin;
using testing::Bearer;
using testing::Call;
using testing::HttpAnswer;
using testing::RawConnection;
using testing::Reason;

constexpr char kAdminKey[] = "edge-e2e-bootstrap-admin-key-0123456789";
constexpr int kPerAddress = 12;
constexpr int kAuthFailureBurst = 3;
// The proxy in front of the gateway; clients behind it are named in X-Forwarded-For.
constexpr char kProxy[] = "127.0.0.2";
// Far less than the 30 s the server allows a request: an answer within it waited for nothing.
constexpr milliseconds kPrompt{3000};

struct Env {
  testing::GatewayStack stack;
  testing::TestKey key;
};
Env* env = nullptr;

class GatewayEdgeE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->key = testing::MakeRsaKey("edge-e2e-key");
    testing::UseGateway(env->stack, env->key, kAdminKey);
    absl::Status started =
        env->stack.Start(kAdminKey, {&env->key},
                         {{"OMS_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", std::to_string(kPerAddress)},
                          {"OMS_GATEWAY_CLIENT_ADDRESS_HEADER", "X-Forwarded-For"},
                          {"OMS_GATEWAY_TRUSTED_PROXIES", std::string(kProxy) + "/32"},
                          {"OMS_GATEWAY_AUTH_FAILURE_BURST", std::to_string(kAuthFailureBurst)},
                          // One failure forgiven every 100 s: nothing refills within the test.
                          {"OMS_GATEWAY_AUTH_FAILURE_RPS", "0.01"}});
    ASSERT_TRUE(started.ok()) << started;
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }

  static HttpAnswer ThroughTheProxy(const std::string& client, const std::string& authorization) {
    return Call("GET", "/v1/orders", {authorization, "X-Forwarded-For: " + client}, "", kProxy);
  }
};

TEST_F(GatewayEdgeE2eTest, SlowUploadsFromOneAddressHoldAtMostItsShareOfConnections) {
  ASSERT_NE(env, nullptr);
  // Each sends a head and never finishes it, as a slow upload does.
  std::vector<std::unique_ptr<RawConnection>> uploads;
  for (int i = 0; i < kPerAddress + 5; ++i) {
    uploads.push_back(std::make_unique<RawConnection>());
    ASSERT_TRUE(uploads.back()->Connect(env->stack.http_port, "127.0.0.5"));
    uploads.back()->Send("POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n");
  }
  int closed = 0;
  for (auto& upload : uploads) {
    if (upload->ReadToEnd(milliseconds(300)) && upload->received().empty()) ++closed;
  }
  EXPECT_EQ(closed, 5) << "the address's cap is " << kPerAddress;
  // Everyone else is served meanwhile.
  HttpAnswer other = Call("GET", "/healthz", {}, "", "127.0.0.6");
  EXPECT_EQ(other.status, 200) << other.error;
  EXPECT_EQ(Admin("GET", "/v1/orders").status, 200);
}

TEST_F(GatewayEdgeE2eTest, ARequestRefusedOnItsHeadIsAnsweredWithoutItsBody) {
  ASSERT_NE(env, nullptr);
  RawConnection client;
  ASSERT_TRUE(client.Connect(env->stack.http_port, "127.0.0.7"));
  ASSERT_TRUE(
      client.Send("POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Idempotency-Key: k-1\r\nContent-Length: 900000\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntil("\r\n\r\n", kPrompt)) << client.received();
  EXPECT_EQ(client.received().rfind("HTTP/1.1 401 ", 0), 0u) << client.received();
  RawConnection health;
  ASSERT_TRUE(health.Connect(env->stack.http_port, "127.0.0.7"));
  ASSERT_TRUE(health.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"));
  ASSERT_TRUE(health.ReadUntil("\r\n\r\n", kPrompt)) << health.received();
  EXPECT_EQ(health.received().rfind("HTTP/1.1 413 ", 0), 0u) << health.received();
}

TEST_F(GatewayEdgeE2eTest, ABodyOverTheLimitIsRefusedWhileTheClientKeepsSendingIt) {
  ASSERT_NE(env, nullptr);
  // Over the gateway's 1 MiB limit and over what the sockets' buffers hold: a server that closed
  // with the body unread would reset the connection under the client's sends.
  constexpr std::size_t kAnnounced = 8 << 20;
  RawConnection client;
  ASSERT_TRUE(client.Connect(env->stack.http_port, "127.0.0.9"));
  ASSERT_TRUE(
      client.Send("POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  "application/json\r\nContent-Length: " +
                  std::to_string(kAnnounced) + "\r\n\r\n"));
  const std::string piece(64 << 10, 'x');
  for (std::size_t sent = 0; sent < kAnnounced; sent += piece.size()) {
    ASSERT_TRUE(client.Send(piece)) << "the connection broke after " << sent << " bytes";
  }
  ASSERT_TRUE(client.ReadUntil("\r\n\r\n", kPrompt)) << client.received();
  EXPECT_EQ(client.received().rfind("HTTP/1.1 413 ", 0), 0u) << client.received();
  EXPECT_TRUE(client.ReadToEnd(kPrompt));
  EXPECT_NE(client.received().find("BODY_TOO_LARGE"), std::string::npos) << client.received();
}

TEST_F(GatewayEdgeE2eTest, AGuesserBehindTheProxyLocksOutNobodyElse) {
  ASSERT_NE(env, nullptr);
  const std::string guesser = "203.0.113.9";
  for (int i = 0; i < kAuthFailureBurst; ++i) {
    EXPECT_EQ(ThroughTheProxy(guesser, Bearer("guess-" + std::to_string(i))).status, 401);
  }
  HttpAnswer throttled = ThroughTheProxy(guesser, Bearer("guess-x"));
  EXPECT_EQ(throttled.status, 429) << throttled.body;
  EXPECT_EQ(Reason(throttled), "AUTH_THROTTLED");
  // Another client behind the same proxy, and the guesser's own neighbour with a valid key.
  EXPECT_EQ(ThroughTheProxy("203.0.113.10", Bearer("guess-y")).status, 401);
  EXPECT_EQ(ThroughTheProxy(guesser, Bearer(kAdminKey)).status, 200);
  // A client that reaches the gateway itself cannot name someone else to dodge its own count,
  // nor get another client throttled.
  for (int i = 0; i < kAuthFailureBurst; ++i) {
    Call("GET", "/v1/orders", {Bearer("guess"), "X-Forwarded-For: 203.0.113.11"}, "", "127.0.0.8");
  }
  EXPECT_EQ(
      Call("GET", "/v1/orders", {Bearer("guess"), "X-Forwarded-For: 203.0.113.12"}, "", "127.0.0.8")
          .status,
      429);
  EXPECT_EQ(ThroughTheProxy("203.0.113.11", Bearer("guess")).status, 401);
}

}  // namespace
}  // namespace oms::gateway
