#include "gateway/src/client_address.h"

#include <cstring>

#include <arpa/inet.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace oms::gateway {

std::optional<std::array<std::uint8_t, 16>> ParseAddress(absl::string_view text) {
  // inet_pton wants a terminated string; an address is at most 45 characters.
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string terminated(text);
  std::array<std::uint8_t, 16> bytes{};
  in_addr v4{};
  if (inet_pton(AF_INET, terminated.c_str(), &v4) == 1) {
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    std::memcpy(&bytes[12], &v4, 4);
    return bytes;
  }
  if (inet_pton(AF_INET6, terminated.c_str(), bytes.data()) == 1) return bytes;
  return std::nullopt;
}

absl::StatusOr<AddressRange> AddressRange::Parse(absl::string_view text, absl::string_view field) {
  auto invalid = [&](absl::string_view why) {
    return InvalidField(field, absl::StrCat("\"", text.substr(0, 64), "\" ", why));
  };
  text = absl::StripAsciiWhitespace(text);
  const std::size_t slash = text.find('/');
  auto network = ParseAddress(text.substr(0, slash));
  if (!network) return invalid("is not an IPv4 or IPv6 address or network");
  const bool v4 = text.substr(0, slash).find(':') == absl::string_view::npos;
  int bits = v4 ? 32 : 128;
  if (slash != absl::string_view::npos &&
      (!absl::SimpleAtoi(text.substr(slash + 1), &bits) || bits < 0 || bits > (v4 ? 32 : 128))) {
    return invalid(v4 ? "has a prefix length outside 0 to 32"
                      : "has a prefix length outside 0 to 128");
  }
  AddressRange range;
  range.network_ = *network;
  range.prefix_bits_ = v4 ? bits + 96 : bits;
  return range;
}

bool AddressRange::Contains(absl::string_view address) const {
  auto bytes = ParseAddress(address);
  if (!bytes) return false;
  for (int bit = 0; bit < prefix_bits_; ++bit) {
    const std::uint8_t mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    if (((*bytes)[bit / 8] & mask) != (network_[bit / 8] & mask)) return false;
  }
  return true;
}

absl::StatusOr<ClientAddressPolicy> ClientAddressPolicy::Make(const ClientAddressOptions& options) {
  if (options.header.empty() != options.trusted_proxies.empty()) {
    return InvalidField("trusted_proxies",
                        "and client_address_header go together: the header is believed only from "
                        "the proxies named");
  }
  if (options.hops < 1 || options.hops > 10) {
    return InvalidField("trusted_proxy_hops", "must be 1 to 10");
  }
  ClientAddressPolicy policy;
  policy.header_ = options.header;
  policy.hops_ = options.hops;
  for (const std::string& cidr : options.trusted_proxies) {
    auto range = AddressRange::Parse(cidr, "trusted_proxies");
    if (!range.ok()) return range.status();
    policy.trusted_.push_back(*range);
  }
  return policy;
}

bool ClientAddressPolicy::IsTrustedProxy(absl::string_view peer) const {
  for (const AddressRange& range : trusted_) {
    if (range.Contains(peer)) return true;
  }
  return false;
}

std::optional<std::string> ClientAddressPolicy::ClientOf(absl::string_view peer,
                                                         const std::string* forwarded) const {
  if (!IsTrustedProxy(peer)) return std::string(peer);
  if (forwarded == nullptr) return std::nullopt;
  // Entries left of those the proxies appended are whatever the client wrote.
  std::vector<absl::string_view> entries = absl::StrSplit(*forwarded, ',');
  if (entries.size() < static_cast<std::size_t>(hops_)) return std::nullopt;
  absl::string_view entry = absl::StripAsciiWhitespace(entries[entries.size() - hops_]);
  if (!ParseAddress(entry)) return std::nullopt;
  return std::string(entry);
}

}  // namespace oms::gateway
