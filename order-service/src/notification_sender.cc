#include "order-service/src/notification_sender.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include <curl/curl.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "order-service/src/notifications.h"

namespace oms::order {
namespace {

struct Upload {
  std::string text;
  std::size_t sent = 0;
};

size_t ReadMessage(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->text.size() - upload->sent);
  std::memcpy(buffer, upload->text.data() + upload->sent, n);
  upload->sent += n;
  return n;
}

// The envelope's address from a From header: what is between < and >, or the whole of it.
std::string EnvelopeAddress(const std::string& from) {
  const std::size_t open = from.find('<'), close = from.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return from.substr(open, close - open + 1);
  }
  return "<" + from + ">";
}

}  // namespace

absl::Status SmtpSender::Send(const v1::Notification& notification) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (curl == nullptr) return absl::ResourceExhaustedError("smtp: no curl handle");
  Upload upload{MailMessage(notification, options_.from, absl::Now())};
  curl_slist* recipients =
      curl_slist_append(nullptr, ("<" + notification.recipient() + ">").c_str());
  const std::string from = EnvelopeAddress(options_.from);
  CURL* easy = curl.get();
  curl_easy_setopt(easy, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(easy, CURLOPT_READFUNCTION, ReadMessage);
  curl_easy_setopt(easy, CURLOPT_READDATA, &upload);
  curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  const CURLcode result = curl_easy_perform(easy);
  curl_slist_free_all(recipients);
  if (result != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat("smtp: ", curl_easy_strerror(result)));
  }
  return absl::OkStatus();
}

}  // namespace oms::order
