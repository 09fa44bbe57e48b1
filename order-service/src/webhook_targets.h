// Where webhooks may go, and how they are signed. A subscription's URL is http or https; the
// address a delivery connects to must be public (not private, loopback, link-local, multicast or
// otherwise reserved) unless the allow-list names its network, so that a subscription cannot aim
// oms at its own neighbours (SSRF). The check runs on the address actually connected to, after
// name resolution, so a name that resolves to an inner address is refused too.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oms::order {

inline constexpr std::size_t kMaxWebhookUrlLength = 2048;

// IPv4 and IPv6 networks ("127.0.0.0/8,::1/128"; a bare address is one host).
class NetworkAllowList {
 public:
  // INVALID_ARGUMENT naming the entry that is not an address or a network.
  [[nodiscard]] static absl::StatusOr<NetworkAllowList> Parse(absl::string_view list);
  bool Contains(absl::string_view address) const;

 private:
  struct Network {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    int prefix = 0;                        // of the 128 bits
  };
  std::vector<Network> networks_;
};

// Whether `address` (numeric, as connected to) is one a webhook may reach without the
// allow-list: false for private, loopback, link-local, unspecified, multicast, shared and other
// reserved ranges, and for text that is no address.
bool IsPublicAddress(absl::string_view address);

// INVALID_ARGUMENT naming `field` unless `url` is an http(s) URL with a host, without user
// information, of at most kMaxWebhookUrlLength characters, whose host (when it is an address)
// is public or allowed.
[[nodiscard]] absl::Status ValidateWebhookUrl(const std::string& url, const std::string& field,
                                              const NetworkAllowList& allowed);

// "whsec_" and the base64 of 32 random bytes.
std::string NewWebhookSecret();

// The webhook-signature header of a delivery (Standard Webhooks): "v1," and the base64 of the
// HMAC-SHA256, keyed by the secret's bytes, of "<id>.<timestamp>.<body>".
std::string WebhookSignature(const std::string& secret, const std::string& id, int64_t timestamp,
                             const std::string& body);

}  // namespace oms::order
