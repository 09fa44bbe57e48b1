// Streamed answers through the real HTTP server (Beast) on a loopback port, read with a plain
// socket: headers then chunks as the producer writes them, heartbeats while idle, the
// terminating chunk when the producer ends, the producer cancelled when the client goes away or
// the server shuts down, and HTTP/1.0 clients served without chunking.
#include <condition_variable>
#include <mutex>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/src/gateway.h"
#include "gateway/src/http_server.h"

namespace oms::gateway {
namespace {

// What the streaming route's producer saw, shared with the test thread.
struct Producer {
  std::mutex mu;
  std::condition_variable changed;
  std::shared_ptr<StreamSink> sink;
  bool cancelled = false;

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
    if (fd_ >= 0) close(fd_);
    if (server_) server_->Shutdown(std::chrono::seconds(5));
  }

  void Connect() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(server_->port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  }

  void Send(const std::string& text) {
    ASSERT_EQ(send(fd_, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
  }

  // Reads into received_ until it contains `wanted` (true) or the peer closes or 10 s pass.
  bool ReadUntil(const std::string& wanted) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (received_.find(wanted) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd poll_fd{fd_, POLLIN, 0};
      if (poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) return false;
      char buffer[4096];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        return received_.find(wanted) != std::string::npos;
      }
      received_.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads until the server closes the connection (true) or 10 s pass.
  bool ReadToEnd() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!closed_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd poll_fd{fd_, POLLIN, 0};
      if (left.count() <= 0 || poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) {
        return false;
      }
      char buffer[4096];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
      } else {
        received_.append(buffer, static_cast<std::size_t>(n));
      }
    }
    return true;
  }

  std::shared_ptr<StreamSink> StartedSink() {
    EXPECT_TRUE(producer_.WaitFor([this] { return producer_.sink != nullptr; }));
    std::lock_guard<std::mutex> lock(producer_.mu);
    return producer_.sink;
  }

  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<HttpServer> server_;
  Producer producer_;
  std::chrono::milliseconds keepalive_{0};
  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

TEST_F(HttpStreamTest, HeadersThenChunksThenTheEnd) {
  Connect();
  Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  auto sink = StartedSink();
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(ReadUntil("\r\n\r\n"));
  EXPECT_EQ(received_.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received_;
  EXPECT_NE(received_.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(received_.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(received_.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(received_.find("Content-Length"), std::string::npos);
  EXPECT_NE(received_.find("X-Request-Id: "), std::string::npos);

  EXPECT_TRUE(sink->Write("data: one\n\n"));
  ASSERT_TRUE(ReadUntil("b\r\ndata: one\n\n\r\n")) << received_;
  EXPECT_TRUE(sink->Write("data: two\n\n"));
  ASSERT_TRUE(ReadUntil("b\r\ndata: two\n\n\r\n")) << received_;
  sink->Close();
  ASSERT_TRUE(ReadToEnd());
  EXPECT_EQ(received_.substr(received_.size() - 5), "0\r\n\r\n");
  // The producer ended it: no cancel; and the sink refuses from now on.
  EXPECT_FALSE(producer_.cancelled);
  EXPECT_FALSE(sink->Write("late"));
}

TEST_F(HttpStreamTest, AnIdleStreamGetsHeartbeats) {
  keepalive_ = std::chrono::milliseconds(50);
  Connect();
  Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  auto sink = StartedSink();
  ASSERT_TRUE(ReadUntil("6\r\n: hb\n\n\r\n")) << received_;
  const std::size_t first = received_.find(": hb");
  ASSERT_TRUE(ReadUntil(std::string(": hb\n\n\r\n6\r\n: hb"))) << "and again: " << received_;
  EXPECT_NE(first, std::string::npos);
  sink->Close();
  EXPECT_TRUE(ReadToEnd());
}

TEST_F(HttpStreamTest, AClientThatGoesAwayCancelsTheProducer) {
  Connect();
  Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  auto sink = StartedSink();
  ASSERT_TRUE(ReadUntil("\r\n\r\n"));
  close(fd_);
  fd_ = -1;
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
  EXPECT_EQ(received_.substr(received_.size() - 5), "0\r\n\r\n");
}

TEST_F(HttpStreamTest, Http10ClientsGetTheBodyUnchunked) {
  Connect();
  Send("GET /stream HTTP/1.0\r\n\r\n");
  auto sink = StartedSink();
  ASSERT_TRUE(sink->Write("data: raw\n\n"));
  ASSERT_TRUE(ReadUntil("\r\n\r\ndata: raw\n\n")) << received_;
  EXPECT_EQ(received_.find("chunked"), std::string::npos);
  sink->Close();
  ASSERT_TRUE(ReadToEnd());
  EXPECT_EQ(received_.substr(received_.size() - 11), "data: raw\n\n");
}

TEST_F(HttpStreamTest, OrdinaryAnswersAreUnchanged) {
  Connect();
  for (int i = 0; i < 2; ++i) {
    received_.clear();
    Send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(ReadUntil("\r\n\r\n{}")) << received_;
    EXPECT_NE(received_.find("Content-Length: 2\r\n"), std::string::npos);
    EXPECT_EQ(received_.find("chunked"), std::string::npos);
    EXPECT_FALSE(closed_) << "kept alive";
  }
}

}  // namespace
}  // namespace oms::gateway
