// The HTTP exchange as routes and the gateway pipeline see it: plain structs, no Beast or Asio,
// so that only http_server.cc pays for those headers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace oms::gateway {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of the first header named `name` (case-insensitive), or nullptr.
const std::string* FindHeader(const Headers& headers, absl::string_view name);

struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // path and query, as sent
  Headers headers;
  std::string body;
  std::string peer;  // the TCP peer's address: logs, and who the client is (client_address.h)
};

// Where a streamed body goes, piece by piece (the HTTP server implements it). Any thread.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues `data` for the client. False once the stream has ended from the server's side (the
  // client went away or read too slowly, the server is shutting down): the producer stops.
  virtual bool Write(std::string data) = 0;
  // Ends the body once what is queued is written. Later calls do nothing.
  virtual void Close() = 0;
};

// A body produced after the headers are sent (server-sent events): no Content-Length, chunked
// on HTTP/1.1, the connection closed at its end.
struct StreamedBody {
  // Runs once the headers are written, on the server's thread: the producer starts and writes
  // through `sink` until it is done (Close) or the sink refuses. Never runs if the client went
  // away before.
  std::function<void(std::shared_ptr<StreamSink> sink)> start;
  // Runs at most once, when the stream ends from the server's side before the producer closed
  // it; the producer stops (it must not block here).
  std::function<void()> cancel;
  // Written whenever nothing else was written for this long (an SSE comment), so that idle
  // streams stay open through proxies and a client that went away is noticed; zero: never.
  std::chrono::milliseconds keepalive{0};
  std::string keepalive_data;
  // Runs every `recheck_every` while the stream is open, on the server's thread, and must not
  // block: the producer verifies again what the stream depends on (its credential, which may
  // be revoked meanwhile) and ends the stream through the sink when that no longer holds.
  // Zero or no function: never.
  std::chrono::milliseconds recheck_every{0};
  std::function<void()> recheck;
};

struct Response {
  int status = 200;
  Headers headers;  // besides Content-Length, which the server sets
  std::string body;
  // Set instead of `body` for a streamed answer.
  std::shared_ptr<StreamedBody> stream;

  // Replaces any header of the same name.
  void SetHeader(absl::string_view name, std::string value);
};

}  // namespace oms::gateway
