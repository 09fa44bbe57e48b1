#include "tests/support/standard_webhooks.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/strip.h"

namespace oms::testing {

bool StandardWebhookSignatureVerifies(const std::string& secret, const ReceivedRequest& request) {
  std::string key;
  if (!absl::Base64Unescape(absl::StripPrefix(secret, "whsec_"), &key)) return false;
  const auto header = [&request](const char* name) {
    auto found = request.headers.find(name);
    return found == request.headers.end() ? std::string() : found->second;
  };
  const std::string signed_content =
      header("webhook-id") + "." + header("webhook-timestamp") + "." + request.body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signed_content.data()), signed_content.size(), mac,
       &length);
  return header("webhook-signature") ==
         "v1," + absl::Base64Escape(std::string(reinterpret_cast<const char*>(mac), length));
}

}  // namespace oms::testing
