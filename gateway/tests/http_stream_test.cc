// Streamed answers through the real HTTP server (Beast) on a loopback port, read with a plain
// socket: headers then chunks as the producer writes them, heartbeats while idle, periodic
// rechecks the producer may end the stream from, the terminating chunk when the producer ends,
// the producer cancelled when the client goes away or the server shuts down, and HTTP/1.0
// clients served without chunking.
#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "gateway/src/gateway.h"
#include "gateway/src/http_server.h"
#include "gateway/tests/raw_connection.h"

namespace oms::gateway {
namespace {

// What the streaming route's producer saw, shared with the test thread.
struct Producer {
  std::mutex mu;
  std::condition_variable changed;
  std::shared_ptr<StreamSink> sink;
  bool cancelled = false;
  int rechecks = 0;

  // Waits up to 10 s for `condition` (under the lock).
  template <typename Condition>
  bool WaitFor(Condition condition) {
    std::unique_lock<std::mutex> lock(mu);
    return changed.wait_for(lock, std::chrono::seconds(10), condition);
  }
};

class HttpStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = std::make_unique<Gateway>(GatewayOptions{},
                                         std::make_unique<Authenticator>("", nullptr), nullptr);
    RouteSpec stream;
    stream.method = "GET";
    stream.path = "/stream";
    stream.access.authenticate = false;
    stream.handler = [this](std::shared_ptr<Exchange> exchange) {
      Response response;
      response.SetHeader("Content-Type", "text/event-stream");
      response.stream = std::make_shared<StreamedBody>();
      response.stream->start = [this](std::shared_ptr<StreamSink> sink) {
        std::lock_guard<std::mutex> lock(producer_.mu);
        producer_.sink = std::move(sink);
        producer_.changed.notify_all();
      };
      response.stream->cancel = [this] {
        std::lock_guard<std::mutex> lock(producer_.mu);
        producer_.cancelled = true;
        producer_.changed.notify_all();
      };
      response.stream->keepalive = keepalive_;
      response.stream->keepalive_data = ": hb\n\n";
      response.stream->recheck_every = recheck_every_;
      response.stream->recheck = [this] {
        std::lock_guard<std::mutex> lock(producer_.mu);
        ++producer_.rechecks;
        // The third check finds what the stream depends on gone: the producer ends it.
        if (producer_.rechecks == 3 && producer_.sink != nullptr) {
          producer_.sink->Write("data: gone\n\n");
          producer_.sink->Close();
        }
        producer_.changed.notify_all();
      };
      exchange->Reply(std::move(response));
    };
    ASSERT_TRUE(gateway_->AddRoute(std::move(stream)).ok());
    RouteSpec plain;
    plain.method = "GET";
    plain.path = "/plain";
    plain.access.authenticate = false;
    plain.handler = [](std::shared_ptr<Exchange> exchange) { exchange->ReplyJson(200, "{}"); };
    ASSERT_TRUE(gateway_->AddRoute(std::move(plain)).ok());
    auto server = HttpServer::Start({}, *gateway_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  void TearDown() override {
    client_.Close();
    if (server_) server_->Shutdown(std::chrono::seconds(5));
  }

  void Connect() { ASSERT_TRUE(client_.Connect(server_->port())); }
  void Send(const std::string& text) { ASSERT_TRUE(client_.Send(text)); }
  bool ReadUntil(const std::string& wanted) { return client_.ReadUntil(wanted); }
  bool ReadToEnd() { return client_.ReadToEnd(); }
  const std::string& received() const { return client_.received(); }

  std::shared_ptr<StreamSink> StartedSink() {
    EXPECT_TRUE(producer_.WaitFor([this] { return producer_.sink != nullptr; }));
    std::lock_guard<std::mutex> lock(producer_.mu);
    return producer_.sink;
  }

  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<HttpServer> server_;
  Producer producer_;
  std::chrono::milliseconds keepalive_{0};
  std::chrono::milliseconds recheck_every_{0};
  testing::RawConnection client_;
};

TEST_F(HttpStreamTest, HeadersThenChunksThenTheEnd) {
  Connect();
  Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  auto sink = StartedSink();
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(ReadUntil("\r\n\r\n"));
  EXPECT_EQ(received().rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received();
  EXPECT_NE(received().find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(received().find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(received().find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(received().find("Content-Length"), std::string::npos);
  EXPECT_NE(received().find("X-Request-Id: "), std::string::npos);

  EXPECT_TRUE(sink->Write("data: one\n\n"));
  ASSERT_TRUE(ReadUntil("b\r\ndata: one\n\n\r\n")) << received();
  EXPECT_TRUE(sink->Write("data: two\n\n"));
  ASSERT_TRUE(ReadUntil("b\r\ndata: two\n\n\r\n")) << received();
  sink->Close();
  ASSERT_TRUE(ReadToEnd());
  EXPECT_EQ(received().substr(received().size() - 5), "0\r\n\r\n");
  // The producer ended it: no cancel; and the sink refuses from now on.
  EXPECT_FALSE(producer_.cancelled);
  EXPECT_FALSE(sink->Write("late"));
}

TEST_F(HttpStreamTest, AnIdleStreamGetsHeartbeats) {
  keepalive_ = std::chrono::milliseconds(50);
  Connect();
  Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  auto sink = StartedSink();
  ASSERT_TRUE(ReadUntil("6\r\n: hb\n\n\r\n")) << received();
  const std::size_t first = received().find(": hb");
  ASSERT_TRUE(ReadUntil(std::string(": hb\n\n\r\n6\r\n: hb"))) << "and again: " << received();
  EXPECT_NE(first, std::string::npos);
  sink->Close();
  EXPECT_TRUE(ReadToEnd());
}

TEST_F(HttpStreamTest, AnOpenStreamIsRecheckedPeriodicallyUntilItEnds) {
  recheck_every_ = std::chrono::milliseconds(20);
  Connect();
  Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  auto sink = StartedSink();
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(ReadUntil("data: gone\n\n")) << received();
  ASSERT_TRUE(ReadToEnd());
  EXPECT_EQ(received().substr(received().size() - 5), "0\r\n\r\n");
  EXPECT_TRUE(producer_.WaitFor([this] { return producer_.rechecks >= 3; }));
  EXPECT_FALSE(producer_.cancelled) << "the producer ended it";
}

TEST_F(HttpStreamTest, AClientThatGoesAwayCancelsTheProducer) {
  Connect();
  Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  auto sink = StartedSink();
  ASSERT_TRUE(ReadUntil("\r\n\r\n"));
  client_.Close();
  EXPECT_TRUE(producer_.WaitFor([this] { return producer_.cancelled; }));
  EXPECT_FALSE(sink->Write("nobody reads this"));
}

TEST_F(HttpStreamTest, ShuttingDownEndsOpenStreamsCleanly) {
  Connect();
  Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  auto sink = StartedSink();
  ASSERT_TRUE(sink->Write("data: before\n\n"));
  ASSERT_TRUE(ReadUntil("data: before"));
  server_->Shutdown(std::chrono::seconds(30));
  server_.reset();
  // Shutdown returned once the stream was over: cancelled, terminated, closed.
  EXPECT_TRUE(producer_.cancelled);
  ASSERT_TRUE(ReadToEnd());
  EXPECT_EQ(received().substr(received().size() - 5), "0\r\n\r\n");
}

TEST_F(HttpStreamTest, Http10ClientsGetTheBodyUnchunked) {
  Connect();
  Send("GET /stream HTTP/1.0\r\n\r\n");
  auto sink = StartedSink();
  ASSERT_TRUE(sink->Write("data: raw\n\n"));
  ASSERT_TRUE(ReadUntil("\r\n\r\ndata: raw\n\n")) << received();
  EXPECT_EQ(received().find("chunked"), std::string::npos);
  sink->Close();
  ASSERT_TRUE(ReadToEnd());
  EXPECT_EQ(received().substr(received().size() - 11), "data: raw\n\n");
}

TEST_F(HttpStreamTest, OrdinaryAnswersAreUnchanged) {
  Connect();
  for (int i = 0; i < 2; ++i) {
    client_.ClearReceived();
    Send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(ReadUntil("\r\n\r\n{}")) << received();
    EXPECT_NE(received().find("Content-Length: 2\r\n"), std::string::npos);
    EXPECT_EQ(received().find("chunked"), std::string::npos);
    EXPECT_FALSE(client_.closed()) << "kept alive";
  }
}

}  // namespace
}  // namespace oms::gateway
