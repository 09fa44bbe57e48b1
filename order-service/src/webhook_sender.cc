#include "order-service/src/webhook_sender.h"

#include <mutex>

#include <curl/curl.h>

#include "absl/strings/str_cat.h"

namespace oms::order {

struct WebhookSender::Transfer {
  std::uint64_t tag = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  std::size_t received = 0;
  std::size_t max_received = 0;
  std::string refused_address;  // set when the connection went to an address not allowed
  const NetworkAllowList* allowed = nullptr;
  std::chrono::steady_clock::time_point started;

  ~Transfer() {
    curl_slist_free_all(headers);
    curl_easy_cleanup(easy);
  }
};

namespace {

// The answer's body is not kept; only its size counts, against the cap.
size_t CountBody(char*, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<WebhookSender::Transfer*>(user);
  transfer->received += size * count;
  if (transfer->received > transfer->max_received) return 0;  // curl fails the transfer
  return size * count;
}

// Runs once the connection is made, before the request is sent: the SSRF check on the address
// actually connected to (names are resolved by then, so a name pointing inside is caught too).
int CheckAddress(void* user, char* primary_ip, char*, int, int) {
  auto* transfer = static_cast<WebhookSender::Transfer*>(user);
  if (IsPublicAddress(primary_ip) || transfer->allowed->Contains(primary_ip)) {
    return CURL_PREREQFUNC_OK;
  }
  transfer->refused_address = primary_ip;
  return CURL_PREREQFUNC_ABORT;
}

}  // namespace

WebhookSender::WebhookSender(WebhookSenderOptions options) : options_(std::move(options)) {
  static std::once_flag curl_initialized;
  std::call_once(curl_initialized, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  multi_ = curl_multi_init();
}

WebhookSender::~WebhookSender() {
  for (auto& [easy, transfer] : transfers_) {
    curl_multi_remove_handle(static_cast<CURLM*>(multi_), easy);
  }
  transfers_.clear();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void WebhookSender::Start(std::uint64_t tag, const WebhookPost& post) {
  auto transfer = std::make_unique<Transfer>();
  transfer->tag = tag;
  transfer->easy = curl_easy_init();
  transfer->body = post.body;
  transfer->max_received = options_.max_response_bytes;
  transfer->allowed = &options_.allowed;
  transfer->started = std::chrono::steady_clock::now();
  for (const std::string& header :
       {std::string("Content-Type: application/json"), std::string("User-Agent: oms-webhooks/1"),
        absl::StrCat("webhook-id: ", post.id), absl::StrCat("webhook-timestamp: ", post.timestamp),
        absl::StrCat("webhook-signature: ",
                     WebhookSignature(post.secret, post.id, post.timestamp, post.body))}) {
    transfer->headers = curl_slist_append(transfer->headers, header.c_str());
  }
  CURL* easy = transfer->easy;
  curl_easy_setopt(easy, CURLOPT_URL, post.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect could lead anywhere
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(transfer->body.size()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, CountBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, CheckAddress);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, transfer.get());
  curl_multi_add_handle(static_cast<CURLM*>(multi_), easy);
  transfers_[easy] = std::move(transfer);
}

std::vector<std::pair<std::uint64_t, WebhookAnswer>> WebhookSender::Poll(
    std::chrono::milliseconds wait) {
  CURLM* multi = static_cast<CURLM*>(multi_);
  int running = 0;
  curl_multi_perform(multi, &running);
  if (running > 0) {
    curl_multi_poll(multi, nullptr, 0, static_cast<int>(wait.count()), nullptr);
    curl_multi_perform(multi, &running);
  }
  std::vector<std::pair<std::uint64_t, WebhookAnswer>> ended;
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    auto found = transfers_.find(message->easy_handle);
    if (found == transfers_.end()) continue;
    Transfer& transfer = *found->second;
    WebhookAnswer answer;
    answer.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - transfer.started);
    long code = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &code);
    answer.status_code = static_cast<int>(code);
    const CURLcode result = message->data.result;
    if (!transfer.refused_address.empty()) {
      answer.error = absl::StrCat("refused to connect to ", transfer.refused_address,
                                  ": not a public address, and not allowed");
    } else if (result == CURLE_WRITE_ERROR && transfer.received > transfer.max_received) {
      answer.error = absl::StrCat("the answer was longer than ", transfer.max_received, " bytes");
    } else if (result != CURLE_OK) {
      answer.error = curl_easy_strerror(result);
    } else if (code < 200 || code > 299) {
      answer.error = absl::StrCat("answered HTTP ", code);
    }
    ended.emplace_back(transfer.tag, std::move(answer));
    curl_multi_remove_handle(multi, transfer.easy);
    transfers_.erase(found);
  }
  return ended;
}

}  // namespace oms::order
