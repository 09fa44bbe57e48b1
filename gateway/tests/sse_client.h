// A server-sent events client for end-to-end tests, over a plain loopback socket: one GET, the
// status and headers, then events as they arrive (chunked transfer decoded), comments counted as
// heartbeats, and a close whenever the test wants it (a client going away).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace oms::gateway::testing {

struct ServerSentEvent {
  std::string id;
  std::string event;
  std::string data;
};

class SseClient {
 public:
  SseClient() = default;
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // Connects to 127.0.0.1:`port`, sends GET `path` with `headers` ("Name: value") and reads the
  // answer's status line and headers. For an answer that is not a stream, the body is read too.
  [[nodiscard]] absl::Status Open(int port, const std::string& path,
                                  const std::vector<std::string>& headers,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(15));

  int status() const { return status_; }
  // Names lower-cased.
  const std::map<std::string, std::string>& headers() const { return headers_; }
  // The body of an answer that is not a stream.
  const std::string& body() const { return text_; }

  // The next event (comments and retry hints skipped), or nullopt when `timeout` passes or the
  // stream ended first (see ended()).
  std::optional<ServerSentEvent> Next(std::chrono::milliseconds timeout);
  // Whether the server ended the stream: the terminating chunk, or the connection closed.
  bool ended() const { return ended_; }
  bool terminated() const { return terminated_; }
  int heartbeats() const { return heartbeats_; }

  void Close();

 private:
  // Reads once (waiting at most until `deadline`); false on timeout or end.
  bool Receive(std::chrono::steady_clock::time_point deadline);
  // Moves what the transfer coding allows from raw_ to text_.
  void Decode();

  int fd_ = -1;
  int status_ = 0;
  std::map<std::string, std::string> headers_;
  bool chunked_ = false;
  std::string raw_;   // bytes received, not yet decoded
  std::string text_;  // the decoded body, not yet parsed into events
  bool ended_ = false;
  bool terminated_ = false;
  int heartbeats_ = 0;
};

}  // namespace oms::gateway::testing
