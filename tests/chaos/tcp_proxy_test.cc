#include "tests/chaos/tcp_proxy.h"

#include <chrono>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace oms::chaos {
namespace {

// A server on loopback that answers every message with "echo:" + message and counts what
// reached it.
class EchoServer {
 public:
  EchoServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bind(fd_, reinterpret_cast<sockaddr*>(&address), length);
    listen(fd_, 8);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      const int connection = accept(fd_, nullptr, nullptr);
      char buffer[256];
      ssize_t n;
      while ((n = read(connection, buffer, sizeof buffer)) > 0) {
        received_ += static_cast<int>(n);
        const std::string answer = "echo:" + std::string(buffer, n);
        send(connection, answer.data(), answer.size(), MSG_NOSIGNAL);
      }
      close(connection);
    });
  }
  ~EchoServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int received() const { return received_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> received_{0};
  std::thread thread_;
};

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  return fd;
}

// What arrives within `wait_ms` ("" if nothing; "<reset>" on ECONNRESET).
std::string Receive(int fd, int wait_ms) {
  pollfd ready{fd, POLLIN, 0};
  if (poll(&ready, 1, wait_ms) <= 0) return "";
  char buffer[256];
  const ssize_t n = read(fd, buffer, sizeof buffer);
  if (n < 0 && errno == ECONNRESET) return "<reset>";
  return n > 0 ? std::string(buffer, n) : "";
}

TEST(TcpProxyTest, PassesBothWays) {
  EchoServer server;
  TcpProxy proxy;
  ASSERT_TRUE(proxy.Start(server.port()).ok());
  const int client = Connect(proxy.port());
  send(client, "hi", 2, 0);
  EXPECT_EQ(Receive(client, 5000), "echo:hi");
  close(client);
}

TEST(TcpProxyTest, DroppedRepliesReachTheServerButNeverTheClient) {
  EchoServer server;
  TcpProxy proxy;
  ASSERT_TRUE(proxy.Start(server.port()).ok());
  const int client = Connect(proxy.port());
  proxy.Set(NetworkMode::kDropReplies);
  send(client, "order", 5, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server.received() < 5 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server.received(), 5);
  EXPECT_EQ(Receive(client, 300), "");
  close(client);
}

TEST(TcpProxyTest, ABlackholeSwallowsTheRequestAndKeepsTheSocketOpen) {
  EchoServer server;
  TcpProxy proxy;
  ASSERT_TRUE(proxy.Start(server.port()).ok());
  const int client = Connect(proxy.port());
  proxy.Set(NetworkMode::kBlackhole);
  send(client, "lost", 4, 0);
  EXPECT_EQ(Receive(client, 300), "");
  EXPECT_EQ(server.received(), 0);
  close(client);
}

TEST(TcpProxyTest, DelayHoldsBytesBackAndAResetEndsTheConnection) {
  EchoServer server;
  TcpProxy proxy;
  ASSERT_TRUE(proxy.Start(server.port()).ok());
  const int client = Connect(proxy.port());
  proxy.Set(NetworkMode::kDelay, 400);
  send(client, "slow", 4, 0);
  EXPECT_EQ(Receive(client, 200), "");  // not before its delay
  EXPECT_EQ(Receive(client, 5000), "echo:slow");
  proxy.ResetAll();
  EXPECT_EQ(Receive(client, 5000), "<reset>");
  close(client);
}

}  // namespace
}  // namespace oms::chaos
