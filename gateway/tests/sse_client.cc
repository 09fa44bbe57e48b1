#include "gateway/tests/sse_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace oms::gateway::testing {

SseClient::~SseClient() { Close(); }

void SseClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

absl::Status SseClient::Open(int port, const std::string& path,
                             const std::vector<std::string>& headers,
                             std::chrono::milliseconds timeout) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return absl::InternalError("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return absl::UnavailableError("cannot connect");
  }
  std::string request =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n");
  for (const auto& header : headers) absl::StrAppend(&request, header, "\r\n");
  request += "\r\n";
  if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return absl::UnavailableError("send failed");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t end;
  while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
    if (!Receive(deadline)) return absl::DeadlineExceededError("no answer head: " + raw_);
  }
  const std::string head = raw_.substr(0, end);
  raw_.erase(0, end + 4);
  std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
  std::vector<std::string> status_line = absl::StrSplit(lines[0], ' ');
  if (status_line.size() < 2 || !absl::SimpleAtoi(status_line[1], &status_)) {
    return absl::InternalError("bad status line: " + lines[0]);
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    headers_[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  chunked_ = absl::EqualsIgnoreCase(headers_["transfer-encoding"], "chunked");
  Decode();
  if (status_ != 200) {
    // An error body: read it whole (Content-Length).
    std::size_t length = 0;
    (void)absl::SimpleAtoi(headers_["content-length"], &length);
    while (text_.size() < length && Receive(deadline)) {
    }
  }
  return absl::OkStatus();
}

bool SseClient::Receive(std::chrono::steady_clock::time_point deadline) {
  if (fd_ < 0 || ended_) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd poll_fd{fd_, POLLIN, 0};
  if (poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) return false;
  char buffer[8192];
  const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) {
    ended_ = true;
    return false;
  }
  raw_.append(buffer, static_cast<std::size_t>(n));
  if (status_ != 0) Decode();
  return true;
}

void SseClient::Decode() {
  if (!chunked_) {
    text_ += raw_;
    raw_.clear();
    return;
  }
  while (!terminated_) {
    const auto line_end = raw_.find("\r\n");
    if (line_end == std::string::npos) return;
    std::size_t size = 0;
    if (!absl::SimpleHexAtoi(raw_.substr(0, line_end), &size)) {
      ended_ = terminated_ = true;  // not chunked framing: nothing more can be read
      return;
    }
    if (size == 0) {
      terminated_ = true;
      ended_ = true;
      return;
    }
    if (raw_.size() < line_end + 2 + size + 2) return;
    text_.append(raw_, line_end + 2, size);
    raw_.erase(0, line_end + 2 + size + 2);
  }
}

std::optional<ServerSentEvent> SseClient::Next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::size_t end;
    while ((end = text_.find("\n\n")) != std::string::npos) {
      const std::string block = text_.substr(0, end);
      text_.erase(0, end + 2);
      ServerSentEvent event;
      bool has_data = false;
      bool comment = false;
      for (absl::string_view line : absl::StrSplit(block, '\n')) {
        if (absl::ConsumePrefix(&line, ":")) {
          comment = true;
        } else if (absl::ConsumePrefix(&line, "id: ")) {
          event.id = std::string(line);
        } else if (absl::ConsumePrefix(&line, "event: ")) {
          event.event = std::string(line);
        } else if (absl::ConsumePrefix(&line, "data: ")) {
          if (has_data) event.data += "\n";
          event.data += std::string(line);
          has_data = true;
        }
      }
      if (has_data) return event;
      if (comment) ++heartbeats_;
    }
    if (!Receive(deadline)) return std::nullopt;
  }
}

}  // namespace oms::gateway::testing
