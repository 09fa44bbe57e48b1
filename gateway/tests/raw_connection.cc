#include "gateway/tests/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace oms::gateway::testing {

RawConnection::~RawConnection() { Close(); }

bool RawConnection::Connect(int port, const std::string& source) {
  Close();
  received_.clear();
  closed_ = false;
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return false;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  if (inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
      bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    return false;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
}

bool RawConnection::Send(const std::string& bytes) {
  return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

bool RawConnection::ReadSome(std::chrono::milliseconds left) {
  if (left.count() <= 0) return false;
  pollfd poll_fd{fd_, POLLIN, 0};
  if (poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) return false;
  char buffer[4096];
  const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) {
    closed_ = true;  // EOF, or reset
  } else {
    received_.append(buffer, static_cast<std::size_t>(n));
  }
  return true;
}

bool RawConnection::ReadUntil(const std::string& wanted, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (received_.find(wanted) == std::string::npos) {
    if (closed_) return false;
    if (!ReadSome(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()))) {
      return false;
    }
  }
  return true;
}

bool RawConnection::ReadToEnd(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    if (!ReadSome(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()))) {
      return false;
    }
  }
  return true;
}

void RawConnection::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

}  // namespace oms::gateway::testing
