// Webhook deliveries over HTTP with libcurl's multi interface: many at once, driven by one thread
// that waits on all their sockets together, so no thread is held per delivery. Only the thread
// that owns the sender may call it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "order-service/src/webhook_targets.h"

namespace oms::order {

struct WebhookSenderOptions {
  NetworkAllowList allowed;  // inner networks deliveries may reach (tests: loopback)
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{10000};    // the whole exchange
  std::size_t max_response_bytes = 64 * 1024;  // read beyond this: the delivery fails
};

struct WebhookPost {
  std::string url;
  std::string secret;
  std::string id;         // webhook-id
  int64_t timestamp = 0;  // webhook-timestamp, seconds since the epoch
  std::string body;
};

struct WebhookAnswer {
  int status_code = 0;  // 0: no answer
  std::string error;    // empty when the endpoint answered 2xx
  std::chrono::milliseconds took{0};
  bool ok() const { return error.empty(); }
};

class WebhookSender {
 public:
  explicit WebhookSender(WebhookSenderOptions options);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Starts POSTing `post`; its answer comes from Poll with `tag`.
  void Start(std::uint64_t tag, const WebhookPost& post);
  // Moves the deliveries on for up to `wait` (less when one ends), and answers those that ended.
  std::vector<std::pair<std::uint64_t, WebhookAnswer>> Poll(std::chrono::milliseconds wait);
  std::size_t in_flight() const { return transfers_.size(); }

  struct Transfer;  // one delivery's curl handle and buffers (public for curl's callbacks)

 private:
  WebhookSenderOptions options_;
  void* multi_;                                           // CURLM*, kept out of this header
  std::map<void*, std::unique_ptr<Transfer>> transfers_;  // by CURL* easy handle
};

}  // namespace oms::order
