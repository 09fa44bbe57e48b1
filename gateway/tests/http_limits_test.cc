// What the HTTP server reads before the gateway has decided on a request, through the real
// server (Beast) on loopback: the head first, the body only for a request accepted on its head
// and within its route's limit, and connections capped in all and per client address.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/src/gateway.h"
#include "gateway/src/http_server.h"
#include "gateway/tests/raw_connection.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms::gateway {
namespace {

using std::chrono::milliseconds;
using testing::RawConnection;

constexpr char kKey[] = "key-for-http-limit-tests";
// Far shorter than the server's 30 s to read a request: an answer within it was not waiting for
// a body nobody sent.
constexpr milliseconds kPrompt{3000};

class HttpLimitsTest : public ::testing::Test {
 protected:
  void Start(GatewayOptions options = {}, HttpServerOptions server_options = {}) {
    options.max_body_bytes = 1000;
    gateway_ =
        std::make_unique<Gateway>(options, std::make_unique<Authenticator>(kKey, nullptr), nullptr);
    RouteSpec echo;
    echo.method = "POST";
    echo.path = "/echo";
    echo.body = inventory::v1::Product::descriptor();
    echo.handler = [this](std::shared_ptr<Exchange> exchange) {
      ++handled_;
      exchange->ReplyJson(200, exchange->request().body);
    };
    ASSERT_TRUE(gateway_->AddRoute(std::move(echo)).ok());
    RouteSpec open;
    open.method = "GET";
    open.path = "/open";
    open.access.authenticate = false;
    open.handler = [](std::shared_ptr<Exchange> exchange) { exchange->ReplyJson(200, "{}"); };
    ASSERT_TRUE(gateway_->AddRoute(std::move(open)).ok());
    server_options.on_connection_refused = [this] { ++refused_; };
    auto server = HttpServer::Start(server_options, *gateway_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::seconds(5));
  }

  static std::string Post(const std::string& extra_headers, std::size_t content_length) {
    return "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + extra_headers +
           "Content-Length: " + std::to_string(content_length) + "\r\n\r\n";
  }
  static std::string Authorized() { return std::string("Authorization: Bearer ") + kKey + "\r\n"; }

  // Whether the server closed `connection` within `within` without a byte.
  static bool ClosedAtOnce(RawConnection& connection, milliseconds within = kPrompt) {
    return connection.ReadToEnd(within) && connection.received().empty();
  }

  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> handled_{0};
  std::atomic<int> refused_{0};
};

TEST_F(HttpLimitsTest, ARequestRefusedOnItsHeadIsAnsweredWithoutWaitingForItsBody) {
  Start();
  RawConnection client;
  ASSERT_TRUE(client.Connect(server_->port()));
  // No credentials, and a body announced that never comes: 401 now, not after the read timeout.
  ASSERT_TRUE(client.Send(Post("", 900)));
  ASSERT_TRUE(client.ReadUntil("\r\n\r\n", kPrompt)) << client.received();
  EXPECT_EQ(client.received().rfind("HTTP/1.1 401 ", 0), 0u) << client.received();
  EXPECT_NE(client.received().find("Connection: close\r\n"), std::string::npos)
      << "the unread body is no request boundary";
  // The client sends its body anyway: the answer it already has is not reset away.
  client.Send(std::string(900, 'x'));
  EXPECT_TRUE(client.ReadToEnd(kPrompt));
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpLimitsTest, ARouteWithoutABodyRefusesOne) {
  Start();
  RawConnection client;
  ASSERT_TRUE(client.Connect(server_->port()));
  ASSERT_TRUE(client.Send("GET /open HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"));
  ASSERT_TRUE(client.ReadUntil("}", kPrompt)) << client.received();
  EXPECT_EQ(client.received().rfind("HTTP/1.1 413 ", 0), 0u) << client.received();
  EXPECT_NE(client.received().find("BODY_TOO_LARGE"), std::string::npos);
  EXPECT_NE(client.received().find("takes no request body"), std::string::npos);
}

TEST_F(HttpLimitsTest, ABodyOverItsRoutesLimitIsRefusedAnnouncedOrChunked) {
  Start();
  RawConnection announced;
  ASSERT_TRUE(announced.Connect(server_->port()));
  ASSERT_TRUE(announced.Send(Post(Authorized(), 5000) + std::string(5000, 'x')));
  ASSERT_TRUE(announced.ReadUntil("}", kPrompt)) << announced.received();
  EXPECT_EQ(announced.received().rfind("HTTP/1.1 413 ", 0), 0u) << announced.received();
  EXPECT_TRUE(announced.ReadToEnd(kPrompt));

  RawConnection chunked;
  ASSERT_TRUE(chunked.Connect(server_->port()));
  const std::string chunk = std::string(600, 'y');
  ASSERT_TRUE(chunked.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                           Authorized() + "Transfer-Encoding: chunked\r\n\r\n258\r\n" + chunk +
                           "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n"));
  ASSERT_TRUE(chunked.ReadUntil("}", kPrompt)) << chunked.received();
  EXPECT_EQ(chunked.received().rfind("HTTP/1.1 413 ", 0), 0u) << chunked.received();
  EXPECT_EQ(handled_, 0);

  // Within the limit, on a kept-alive connection: read and handled.
  RawConnection within;
  ASSERT_TRUE(within.Connect(server_->port()));
  const std::string body = R"({"sku":"A"})";
  for (int i = 0; i < 2; ++i) {
    within.ClearReceived();
    ASSERT_TRUE(within.Send(Post(Authorized(), body.size()) + body));
    ASSERT_TRUE(within.ReadUntil("\r\n\r\n" + body, kPrompt)) << within.received();
    EXPECT_EQ(within.received().rfind("HTTP/1.1 200 ", 0), 0u) << within.received();
  }
  EXPECT_EQ(handled_, 2);
}

TEST_F(HttpLimitsTest, AClientExpectingContinueIsToldOnlyOnceItsHeadIsAccepted) {
  Start();
  RawConnection refused;
  ASSERT_TRUE(refused.Connect(server_->port()));
  ASSERT_TRUE(refused.Send(Post("Expect: 100-continue\r\n", 11)));
  ASSERT_TRUE(refused.ReadUntil("}", kPrompt)) << refused.received();
  EXPECT_EQ(refused.received().rfind("HTTP/1.1 401 ", 0), 0u) << refused.received();

  RawConnection accepted;
  ASSERT_TRUE(accepted.Connect(server_->port()));
  ASSERT_TRUE(accepted.Send(Post(Authorized() + "Expect: 100-continue\r\n", 11)));
  ASSERT_TRUE(accepted.ReadUntil("HTTP/1.1 100 Continue\r\n\r\n", kPrompt)) << accepted.received();
  ASSERT_TRUE(accepted.Send(R"({"sku":"A"})"));
  ASSERT_TRUE(accepted.ReadUntil("\r\n\r\n{\"sku\":\"A\"}", kPrompt)) << accepted.received();
  EXPECT_NE(accepted.received().find("HTTP/1.1 200 "), std::string::npos) << accepted.received();
  EXPECT_EQ(handled_, 1);
}

TEST_F(HttpLimitsTest, ConnectionsAreCappedPerAddressAndInAllButATrustedProxyOnlyInAll) {
  GatewayOptions options;
  auto policy = ClientAddressPolicy::Make({"X-Forwarded-For", {"127.0.0.4/32"}, 1});
  ASSERT_TRUE(policy.ok()) << policy.status();
  options.client_addresses = *policy;
  HttpServerOptions server_options;
  server_options.max_connections = 5;
  server_options.max_connections_per_address = 2;
  Start(options, server_options);

  // Slow uploads: connections that never finish a request, each held open by the server.
  std::vector<std::unique_ptr<RawConnection>> held;
  auto open = [&](const std::string& source) {
    held.push_back(std::make_unique<RawConnection>());
    EXPECT_TRUE(held.back()->Connect(server_->port(), source));
    EXPECT_TRUE(held.back()->Send("POST /echo HTTP/1.1\r\nHost: x\r\n"));
    return held.back().get();
  };
  open("127.0.0.1");
  open("127.0.0.1");
  RawConnection* third = open("127.0.0.1");
  EXPECT_TRUE(ClosedAtOnce(*third)) << "the address's cap is 2";
  held.pop_back();
  // A trusted proxy carries many clients: capped only in all.
  for (int i = 0; i < 3; ++i) open("127.0.0.4");
  RawConnection* over_all = open("127.0.0.2");
  EXPECT_TRUE(ClosedAtOnce(*over_all)) << "five connections are open";
  held.pop_back();
  EXPECT_EQ(refused_, 2);
  // The held ones were not closed.
  for (auto& connection : held) EXPECT_FALSE(connection->ReadToEnd(milliseconds(200)));

  // Once one goes, another client gets in and is served.
  held.front()->Close();
  RawConnection next;
  bool served = false;
  // The server notices the close on its own time: retry briefly.
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    ASSERT_TRUE(next.Connect(server_->port(), "127.0.0.3"));
    next.Send("GET /open HTTP/1.1\r\nHost: x\r\n\r\n");
    served = next.ReadUntil("{}", milliseconds(500));
    if (!served) std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(served) << next.received();
}

}  // namespace
}  // namespace oms::gateway
