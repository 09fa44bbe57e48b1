#include "order-service/src/webhook_targets.h"

#include <memory>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace oms::order {
namespace {

using Bytes = std::array<std::uint8_t, 16>;

// `text` as 16 bytes, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d); false when it is no address.
bool ParseAddress(absl::string_view text, Bytes* out) {
  const std::string address(absl::StripSuffix(absl::StripPrefix(text, "["), "]"));
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    *out = {};
    (*out)[10] = 0xff;
    (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, &v4, 4);
    return true;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    std::memcpy(out->data(), &v6, 16);
    return true;
  }
  return false;
}

bool InNetwork(const Bytes& address, const Bytes& network, int prefix) {
  for (int bit = 0; bit < prefix; ++bit) {
    const int byte = bit / 8, mask = 0x80 >> (bit % 8);
    if ((address[byte] & mask) != (network[byte] & mask)) return false;
  }
  return true;
}

struct Reserved {
  const char* network;
  int prefix;  // of the 128 bits
};

// IANA's special-purpose ranges a webhook has no business reaching (RFC 6890 and its updates);
// IPv4 ones as IPv4-mapped IPv6, their prefixes plus 96.
constexpr Reserved kReserved[] = {
    {"::ffff:0.0.0.0", 96 + 8},
    {"::ffff:10.0.0.0", 96 + 8},
    {"::ffff:100.64.0.0", 96 + 10},
    {"::ffff:127.0.0.0", 96 + 8},
    {"::ffff:169.254.0.0", 96 + 16},
    {"::ffff:172.16.0.0", 96 + 12},
    {"::ffff:192.0.0.0", 96 + 24},
    {"::ffff:192.0.2.0", 96 + 24},
    {"::ffff:192.168.0.0", 96 + 16},
    {"::ffff:198.18.0.0", 96 + 15},
    {"::ffff:198.51.100.0", 96 + 24},
    {"::ffff:203.0.113.0", 96 + 24},
    {"::ffff:224.0.0.0", 96 + 4},
    {"::ffff:240.0.0.0", 96 + 4},
    {"::", 128},
    {"::1", 128},
    {"64:ff9b::", 96},
    {"64:ff9b:1::", 48},
    {"100::", 64},
    {"2001::", 23},
    {"2001:db8::", 32},
    {"2002::", 16},
    {"fc00::", 7},
    {"fe80::", 10},
    {"fec0::", 10},
    {"ff00::", 8},
    {"::", 96},  // IPv4-compatible (deprecated) addresses
};

}  // namespace

absl::StatusOr<NetworkAllowList> NetworkAllowList::Parse(absl::string_view list) {
  NetworkAllowList allowed;
  for (absl::string_view entry : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    const std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(entry, '/');
    Network network;
    int prefix = -1;
    const bool has_prefix = absl::StrContains(entry, '/');
    if (!ParseAddress(parts.first, &network.bytes) ||
        (has_prefix && !absl::SimpleAtoi(parts.second, &prefix))) {
      return InvalidField(entry, "not an address or a network (address/prefix)");
    }
    const bool v4 = absl::StrContains(parts.first, '.') && !absl::StrContains(parts.first, ':');
    const int width = v4 ? 32 : 128;
    if (!has_prefix) prefix = width;
    if (prefix < 0 || prefix > width) {
      return InvalidField(entry, absl::StrCat("the prefix is 0 to ", width));
    }
    network.prefix = prefix + (v4 ? 96 : 0);
    allowed.networks_.push_back(network);
  }
  return allowed;
}

bool NetworkAllowList::Contains(absl::string_view address) const {
  Bytes bytes;
  if (!ParseAddress(address, &bytes)) return false;
  for (const auto& network : networks_) {
    if (InNetwork(bytes, network.bytes, network.prefix)) return true;
  }
  return false;
}

bool IsPublicAddress(absl::string_view address) {
  Bytes bytes;
  if (!ParseAddress(address, &bytes)) return false;
  for (const auto& reserved : kReserved) {
    Bytes network;
    ParseAddress(reserved.network, &network);
    if (InNetwork(bytes, network, reserved.prefix)) return false;
  }
  return true;
}

absl::Status ValidateWebhookUrl(const std::string& url, const std::string& field,
                                const NetworkAllowList& allowed) {
  if (url.empty() || url.size() > kMaxWebhookUrlLength) {
    return InvalidField(
        field, absl::StrCat("an http(s) URL of 1 to ", kMaxWebhookUrlLength, " characters"));
  }
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  if (parsed == nullptr || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return InvalidField(field, "not a URL");
  }
  const auto part = [&parsed](CURLUPart which) {
    char* text = nullptr;
    if (curl_url_get(parsed.get(), which, &text, 0) != CURLUE_OK || text == nullptr)
      return std::string();
    std::string out(text);
    curl_free(text);
    return out;
  };
  const std::string scheme = absl::AsciiStrToLower(part(CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") return InvalidField(field, "http or https only");
  if (!part(CURLUPART_USER).empty() || !part(CURLUPART_PASSWORD).empty()) {
    return InvalidField(field, "no user or password in the URL: it would show in every log");
  }
  const std::string host = part(CURLUPART_HOST);
  if (host.empty()) return InvalidField(field, "a URL with a host");
  Bytes ignored;
  if (ParseAddress(host, &ignored) && !IsPublicAddress(host) && !allowed.Contains(host)) {
    return InvalidField(field, absl::StrCat(host,
                                            " is a private, loopback or reserved address, "
                                            "which the allow-list does not name"));
  }
  return absl::OkStatus();
}

std::string NewWebhookSecret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no entropy: nothing safe to do
  return "whsec_" +
         absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string WebhookSignature(const std::string& secret, const std::string& id, int64_t timestamp,
                             const std::string& body) {
  std::string key;
  if (!absl::Base64Unescape(absl::StripPrefix(secret, "whsec_"), &key)) key = secret;
  const std::string content = absl::StrCat(id, ".", timestamp, ".", body);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), digest, &length);
  return "v1," +
         absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace oms::order
