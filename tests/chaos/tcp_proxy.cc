#include "tests/chaos/tcp_proxy.h"

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace oms::chaos {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Closes with a RST instead of a FIN: the peer sees "connection reset".
void CloseWithReset(int fd) {
  linger abort_on_close{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
  close(fd);
}

struct Chunk {
  Clock::time_point due;
  std::string bytes;
};

// Bytes read from one socket, waiting to be written to the other.
struct Direction {
  std::deque<Chunk> queue;
  size_t written = 0;  // of queue.front()
  bool source_closed = false;
  bool shut = false;  // the FIN was passed on

  bool Due(Clock::time_point now) const { return !queue.empty() && queue.front().due <= now; }
};

struct Connection {
  int client = -1;
  int upstream = -1;
  Direction up;    // client -> upstream
  Direction down;  // upstream -> client
  bool broken = false;
};

// Reads what `from` has into `direction` (or drops it); false once the socket failed.
bool ReadInto(int from, Direction& direction, bool drop, int delay_ms) {
  char buffer[65536];
  const ssize_t n = read(from, buffer, sizeof buffer);
  if (n > 0) {
    if (!drop) {
      direction.queue.push_back(
          {Clock::now() + std::chrono::milliseconds(delay_ms), std::string(buffer, n)});
    }
    return true;
  }
  if (n == 0) {
    direction.source_closed = true;
    return true;
  }
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

// Writes the due bytes of `direction` to `to`; false once the socket failed.
bool Flush(int to, Direction& direction) {
  const auto now = Clock::now();
  while (direction.Due(now)) {
    const std::string& bytes = direction.queue.front().bytes;
    const ssize_t n =
        send(to, bytes.data() + direction.written, bytes.size() - direction.written, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    direction.written += static_cast<size_t>(n);
    if (direction.written < bytes.size()) return true;
    direction.queue.pop_front();
    direction.written = 0;
  }
  if (direction.source_closed && direction.queue.empty() && !direction.shut) {
    shutdown(to, SHUT_WR);
    direction.shut = true;
  }
  return true;
}

}  // namespace

TcpProxy::~TcpProxy() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

absl::Status TcpProxy::Start(int upstream_port) {
  upstream_port_ = upstream_port;
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(listen_fd_, 128) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return absl::InternalError(absl::StrCat("proxy socket: errno ", errno));
  }
  port_ = ntohs(address.sin_port);
  SetNonBlocking(listen_fd_);
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void TcpProxy::Set(NetworkMode mode, int delay_ms) {
  delay_ms_ = delay_ms;
  mode_ = mode;
}

void TcpProxy::ResetAll() { ++resets_requested_; }

void TcpProxy::Loop() {
  std::vector<std::unique_ptr<Connection>> connections;
  int resets_done = 0;
  auto end = [](Connection& connection, bool reset) {
    if (reset) {
      CloseWithReset(connection.client);
      CloseWithReset(connection.upstream);
    } else {
      close(connection.client);
      close(connection.upstream);
    }
  };
  while (!stop_) {
    if (resets_requested_ != resets_done) {
      resets_done = resets_requested_;
      for (auto& connection : connections) end(*connection, /*reset=*/true);
      connections.clear();
    }
    std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}};
    const auto now = Clock::now();
    for (auto& connection : connections) {
      fds.push_back({connection->client,
                     static_cast<short>((connection->up.source_closed ? 0 : POLLIN) |
                                        (connection->down.Due(now) ? POLLOUT : 0)),
                     0});
      fds.push_back({connection->upstream,
                     static_cast<short>((connection->down.source_closed ? 0 : POLLIN) |
                                        (connection->up.Due(now) ? POLLOUT : 0)),
                     0});
    }
    if (poll(fds.data(), fds.size(), 5) < 0 && errno != EINTR) break;
    const size_t polled = connections.size();  // a connection accepted below waits a turn

    if (fds[0].revents & POLLIN) {
      const int client = accept(listen_fd_, nullptr, nullptr);
      if (client >= 0) {
        const int upstream = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in target = Loopback(upstream_port_);
        if (upstream >= 0 &&
            connect(upstream, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0) {
          SetNonBlocking(client);
          SetNonBlocking(upstream);
          auto connection = std::make_unique<Connection>();
          connection->client = client;
          connection->upstream = upstream;
          connections.push_back(std::move(connection));
        } else {
          // The server is down: the client sees its connection refused, as it would directly.
          CloseWithReset(client);
          if (upstream >= 0) close(upstream);
        }
      }
    }

    const NetworkMode mode = mode_;
    const int delay = mode == NetworkMode::kDelay ? delay_ms_.load() : 0;
    for (size_t i = 0; i < polled; ++i) {
      Connection& connection = *connections[i];
      const pollfd& client = fds[1 + 2 * i];
      const pollfd& upstream = fds[2 + 2 * i];
      bool ok = true;
      if (client.revents & (POLLIN | POLLHUP | POLLERR)) {
        ok &= ReadInto(connection.client, connection.up, mode == NetworkMode::kBlackhole, delay);
      }
      if (upstream.revents & (POLLIN | POLLHUP | POLLERR)) {
        ok &= ReadInto(connection.upstream, connection.down,
                       mode == NetworkMode::kBlackhole || mode == NetworkMode::kDropReplies, delay);
      }
      ok = ok && Flush(connection.upstream, connection.up) &&
           Flush(connection.client, connection.down);
      connection.broken = !ok || (connection.up.shut && connection.down.shut);
    }
    for (auto it = connections.begin(); it != connections.end();) {
      if ((*it)->broken) {
        end(**it, /*reset=*/false);
        it = connections.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& connection : connections) end(*connection, /*reset=*/false);
}

}  // namespace oms::chaos
