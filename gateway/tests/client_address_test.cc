// Which address a request is counted by: the TCP peer, or what trusted proxies forwarded.
#include "gateway/src/client_address.h"

#include <gtest/gtest.h>

namespace oms::gateway {
namespace {

TEST(AddressRangeTest, MatchesIpv4AndIpv6NetworksAndMappedPeers) {
  auto v4 = AddressRange::Parse("10.1.0.0/16", "trusted_proxies");
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_TRUE(v4->Contains("10.1.200.3"));
  EXPECT_TRUE(v4->Contains("::ffff:10.1.0.1")) << "a dual-stack socket's IPv4 peer";
  EXPECT_FALSE(v4->Contains("10.2.0.1"));
  EXPECT_FALSE(v4->Contains("not an address"));
  auto odd = AddressRange::Parse("192.168.7.0/23", "trusted_proxies");
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->Contains("192.168.6.255"));
  EXPECT_FALSE(odd->Contains("192.168.8.0"));
  auto one = AddressRange::Parse("127.0.0.1", "trusted_proxies");
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->Contains("127.0.0.1"));
  EXPECT_FALSE(one->Contains("127.0.0.2"));
  auto v6 = AddressRange::Parse("fd00::/8", "trusted_proxies");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->Contains("fd12:3456::1"));
  EXPECT_FALSE(v6->Contains("fe80::1"));
  EXPECT_FALSE(v6->Contains("10.0.0.1"));
  auto all = AddressRange::Parse("0.0.0.0/0", "trusted_proxies");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Contains("203.0.113.9"));
  EXPECT_FALSE(all->Contains("2001:db8::1")) << "an IPv4 network holds no IPv6 address";
}

TEST(AddressRangeTest, RefusesWhatIsNoNetworkNamingTheField) {
  for (const char* bad : {"", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8", "fd00::/129", "host",
                          "10.0.0.0/8/8", "10.0.0.0/"}) {
    auto range = AddressRange::Parse(bad, "trusted_proxies");
    ASSERT_FALSE(range.ok()) << bad;
    EXPECT_EQ(range.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(range.status().message().find("trusted_proxies"), absl::string_view::npos)
        << range.status();
  }
}

TEST(ClientAddressPolicyTest, WithoutProxiesThePeerIsTheClient) {
  ClientAddressPolicy policy;
  const std::string forwarded = "203.0.113.1";
  EXPECT_EQ(policy.ClientOf("198.51.100.2", &forwarded), "198.51.100.2");
  EXPECT_FALSE(policy.IsTrustedProxy("198.51.100.2"));
}

TEST(ClientAddressPolicyTest, BelievesTheHeaderOnlyFromTrustedProxiesAndOnlyTheirEntries) {
  auto policy = ClientAddressPolicy::Make({"X-Forwarded-For", {"10.0.0.0/8", "fd00::/8"}, 2});
  ASSERT_TRUE(policy.ok()) << policy.status();
  // Two proxies appended "client, first proxy"; what the client sent itself is further left.
  const std::string forwarded = "6.6.6.6, 203.0.113.7, 10.0.0.5";
  EXPECT_EQ(policy->ClientOf("10.0.0.9", &forwarded), "203.0.113.7");
  EXPECT_EQ(policy->ClientOf("fd00::9", &forwarded), "203.0.113.7");
  // A direct client's header is not believed.
  EXPECT_EQ(policy->ClientOf("198.51.100.2", &forwarded), "198.51.100.2");
  // A proxy that sent no header, too few entries or no address there names nobody.
  EXPECT_EQ(policy->ClientOf("10.0.0.9", nullptr), std::nullopt);
  const std::string short_list = "203.0.113.7";
  EXPECT_EQ(policy->ClientOf("10.0.0.9", &short_list), std::nullopt);
  const std::string garbage = "unknown, 10.0.0.5";
  EXPECT_EQ(policy->ClientOf("10.0.0.9", &garbage), std::nullopt);
}

TEST(ClientAddressPolicyTest, RefusesAHeaderWithoutProxiesAndBadHops) {
  auto header_only = ClientAddressPolicy::Make({"X-Forwarded-For", {}, 1});
  ASSERT_FALSE(header_only.ok());
  EXPECT_NE(header_only.status().message().find("trusted_proxies"), absl::string_view::npos);
  EXPECT_FALSE(ClientAddressPolicy::Make({"", {"10.0.0.0/8"}, 1}).ok());
  auto hops = ClientAddressPolicy::Make({"X-Forwarded-For", {"10.0.0.0/8"}, 0});
  ASSERT_FALSE(hops.ok());
  EXPECT_NE(hops.status().message().find("trusted_proxy_hops"), absl::string_view::npos);
  auto bad_cidr = ClientAddressPolicy::Make({"X-Forwarded-For", {"10.0.0.0/8", "nope"}, 1});
  ASSERT_FALSE(bad_cidr.ok());
  EXPECT_NE(bad_cidr.status().message().find("nope"), absl::string_view::npos);
}

}  // namespace
}  // namespace oms::gateway
