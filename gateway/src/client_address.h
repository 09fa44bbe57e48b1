// Who a client is, by address, for the failed-authentication throttle and the per-address
// connection cap. Behind a proxy every client shares the proxy's address, so a forwarded
// address header is believed only when the TCP peer is one of the proxies the operator named
// (CIDRs), and only the entry those proxies appended (`hops` from the right). Anything else
// (a header from a direct client, a proxy that sent none) names no one address: such requests
// are not throttled by address, rather than all throttled together.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oms::gateway {

// An IPv4 or IPv6 network ("10.0.0.0/8", "fd00::/8", or one address). IPv4 is kept as its
// IPv4-mapped IPv6 form, so "::ffff:10.1.2.3" (a dual-stack socket's peer) matches 10.0.0.0/8.
class AddressRange {
 public:
  // INVALID_ARGUMENT naming `field` for anything but an address with an optional prefix length.
  static absl::StatusOr<AddressRange> Parse(absl::string_view text, absl::string_view field);
  bool Contains(absl::string_view address) const;

 private:
  std::array<std::uint8_t, 16> network_{};
  int prefix_bits_ = 128;
};

// An address in text as the 16 bytes of its IPv6 (or IPv4-mapped) form; nullopt if it is none.
std::optional<std::array<std::uint8_t, 16>> ParseAddress(absl::string_view text);

struct ClientAddressOptions {
  std::string header;                        // e.g. X-Forwarded-For; "" never reads one
  std::vector<std::string> trusted_proxies;  // CIDRs of the proxies allowed to set it
  int hops = 1;  // proxies in front of the gateway that each append an entry
};

class ClientAddressPolicy {
 public:
  ClientAddressPolicy() = default;  // the TCP peer, always
  // INVALID_ARGUMENT naming the flag: a header without trusted proxies (it would be believed
  // from anyone), a malformed CIDR, hops outside 1 to 10.
  static absl::StatusOr<ClientAddressPolicy> Make(const ClientAddressOptions& options);

  const std::string& header() const { return header_; }
  bool IsTrustedProxy(absl::string_view peer) const;
  // The client's address: the peer itself unless the peer is a trusted proxy; then the entry of
  // `forwarded` (the header's value, null when absent) the proxies appended, or nullopt when it
  // is missing or not an address.
  std::optional<std::string> ClientOf(absl::string_view peer, const std::string* forwarded) const;

 private:
  std::string header_;
  std::vector<AddressRange> trusted_;
  int hops_ = 1;
};

}  // namespace oms::gateway
