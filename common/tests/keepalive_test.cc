// Keepalive between our clients and servers, seen through a TCP proxy that counts HTTP/2 frames
// and can go silent without closing anything (a half-open connection, as after a partition or
// with a paused peer): a call on a connection that stops answering fails UNAVAILABLE on both
// sides instead of hanging, and our servers accept our clients' pings on a quiet call instead of
// ending the connection with GOAWAY too_many_pings.
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_channel.h"
#include "common/metrics.h"
#include "common/server.h"
#include "oms/testing/v1/echo.grpc.pb.h"

namespace oms {
namespace {

using oms::testing::v1::EchoRequest;
using oms::testing::v1::EchoResponse;
using oms::testing::v1::EchoService;

// Echo that never answers: the call stays open, carrying no data, until the client cancels it
// or its connection dies.
class SilentEcho final : public EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext*, const EchoRequest*,
                                 EchoResponse*) override {
    class Reactor final : public grpc::ServerUnaryReactor {
     public:
      explicit Reactor(std::atomic<int>& cancelled) : cancelled_(cancelled) {}
      void OnCancel() override {
        ++cancelled_;
        Finish(grpc::Status::CANCELLED);
      }
      void OnDone() override { delete this; }

     private:
      std::atomic<int>& cancelled_;
    };
    ++started;
    return new Reactor(cancelled);
  }
  std::atomic<int> started{0};
  std::atomic<int> cancelled{0};
};

// HTTP/2 frames of one direction: PINGs, their ACKs and GOAWAYs.
class FrameCounter {
 public:
  explicit FrameCounter(bool from_client) : skip_(from_client ? 24 : 0) {}  // client preface
  void Feed(const char* data, std::size_t size) {
    buffer_.append(data, size);
    std::size_t at = std::min(skip_, buffer_.size());
    skip_ -= at;
    while (buffer_.size() - at >= 9) {
      const auto* header = reinterpret_cast<const unsigned char*>(buffer_.data() + at);
      const std::size_t length = (header[0] << 16) | (header[1] << 8) | header[2];
      if (buffer_.size() - at < 9 + length) break;
      if (header[3] == 0x6) ((header[4] & 0x1) ? ping_acks : pings)++;
      if (header[3] == 0x7) goaways++;
      at += 9 + length;
    }
    buffer_.erase(0, at);
  }
  std::atomic<int> pings{0};
  std::atomic<int> ping_acks{0};
  std::atomic<int> goaways{0};

 private:
  std::size_t skip_;
  std::string buffer_;
};

// One-connection TCP proxy on loopback in front of `target_port`.
class CountingProxy {
 public:
  explicit CountingProxy(int target_port) : target_port_(target_port) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(listener_, 4);
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~CountingProxy() {
    stop_ = true;
    thread_.join();
    for (int fd : {listener_, client_, server_}) {
      if (fd >= 0) close(fd);
    }
  }

  int port() const { return port_; }
  // Stops forwarding in both directions and keeps both sockets open: neither end hears a thing.
  void GoSilent() { silent_ = true; }

  FrameCounter from_client{true};
  FrameCounter from_server{false};

 private:
  void Run() {
    pollfd accept_poll{listener_, POLLIN, 0};
    while (!stop_ && poll(&accept_poll, 1, 50) <= 0) {
    }
    if (stop_) return;
    client_ = accept(listener_, nullptr, nullptr);
    server_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    target.sin_port = htons(static_cast<uint16_t>(target_port_));
    if (connect(server_, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) return;
    char buffer[16384];
    while (!stop_) {
      if (silent_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      pollfd fds[2] = {{client_, POLLIN, 0}, {server_, POLLIN, 0}};
      if (poll(fds, 2, 50) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
        if (got <= 0) return;  // an end closed: the proxy's job is over
        (i == 0 ? from_client : from_server).Feed(buffer, static_cast<std::size_t>(got));
        if (write(i == 0 ? server_ : client_, buffer, static_cast<std::size_t>(got)) != got) {
          return;
        }
      }
    }
  }

  const int target_port_;
  int listener_ = -1;
  int client_ = -1;
  int server_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> silent_{false};
  std::thread thread_;
};

bool WaitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class KeepaliveTest : public ::testing::Test {
 protected:
  void StartServer(const GrpcKeepalive& keepalive) {
    ServerConfig config;
    config.drain_timeout = std::chrono::seconds(1);
    config.keepalive = keepalive;
    auto server = GrpcServer::Start(config, {{&echo_, EchoService::service_full_name()}}, metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    proxy_ = std::make_unique<CountingProxy>(server_->port());
  }

  // Starts a call that stays open through the proxy; its status once it ends.
  std::future<grpc::Status> OpenCall(const GrpcKeepalive& keepalive) {
    auto channel =
        MakeClientChannel(absl::StrCat("127.0.0.1:", proxy_->port()), nullptr, keepalive);
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return std::async(std::launch::async, [this, channel] {
      EchoResponse response;
      return EchoService::NewStub(channel)->Echo(&context_, EchoRequest(), &response);
    });
  }

  Metrics metrics_{"keepalive-test", "0"};
  SilentEcho echo_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<CountingProxy> proxy_;
  grpc::ClientContext context_;
};

TEST_F(KeepaliveTest, ACallOnAConnectionThatGoesSilentFailsUnavailableOnBothSides) {
  const GrpcKeepalive fast{std::chrono::milliseconds(1000), std::chrono::milliseconds(1000),
                           std::chrono::milliseconds(500)};
  StartServer(fast);
  auto call = OpenCall(fast);
  ASSERT_TRUE(WaitFor([&] { return echo_.started == 1; }));

  proxy_->GoSilent();
  // Without keepalive the call would hang until its 60 s deadline (DEADLINE_EXCEEDED).
  ASSERT_EQ(call.wait_for(std::chrono::seconds(45)), std::future_status::ready);
  const grpc::Status status = call.get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  // The server's own pings went unanswered too: it ended the call and freed what it held.
  EXPECT_TRUE(WaitFor([&] { return echo_.cancelled == 1; }));
}

TEST_F(KeepaliveTest, TheServerAcceptsOurClientsPingsOnAQuietCall) {
  // The server pings rarely: the pings seen come from the client.
  StartServer({std::chrono::milliseconds(600000), std::chrono::milliseconds(20000),
               std::chrono::milliseconds(500)});
  auto call = OpenCall(
      {std::chrono::milliseconds(1000), std::chrono::milliseconds(5000), std::chrono::seconds(1)});
  ASSERT_TRUE(WaitFor([&] { return echo_.started == 1; }));

  // gRPC's default policy strikes a ping that comes sooner than 5 minutes after the last one on
  // a connection sending no data, and after two strikes answers GOAWAY (too_many_pings).
  ASSERT_TRUE(WaitFor(
      [&] { return proxy_->from_server.ping_acks >= 6 || proxy_->from_server.goaways > 0; }));
  EXPECT_EQ(proxy_->from_server.goaways, 0);
  EXPECT_GE(proxy_->from_client.pings, 6);
  EXPECT_EQ(call.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  context_.TryCancel();
  EXPECT_EQ(call.get().error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace oms
