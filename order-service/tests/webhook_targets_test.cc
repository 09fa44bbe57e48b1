// Where webhooks may go and how they are signed: the Standard Webhooks example signature, the
// address ranges refused, the allow-list, and the checks of a subscription's URL.
#include "order-service/src/webhook_targets.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace oms::order {
namespace {

TEST(WebhookSignatureTest, MatchesTheStandardWebhooksExample) {
  // The example of the Standard Webhooks specification.
  EXPECT_EQ(WebhookSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                             "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSecretTest, IsAFreshBase64KeyEachTime) {
  const std::string a = NewWebhookSecret(), b = NewWebhookSecret();
  EXPECT_TRUE(absl::StartsWith(a, "whsec_"));
  EXPECT_EQ(a.size(), 6u + 44u);  // 32 bytes in base64
  EXPECT_NE(a, b);
}

TEST(IsPublicAddressTest, RefusesEveryInnerRangeInBothFamilies) {
  for (const char* inner : {"127.0.0.1",
                            "10.1.2.3",
                            "172.16.0.1",
                            "172.31.255.255",
                            "192.168.1.1",
                            "169.254.169.254",
                            "100.64.0.1",
                            "0.0.0.0",
                            "224.0.0.1",
                            "255.255.255.255",
                            "198.18.0.1",
                            "::1",
                            "::",
                            "fe80::1",
                            "fd00::1",
                            "fc00::1",
                            "ff02::1",
                            "::ffff:127.0.0.1",
                            "::ffff:10.0.0.1",
                            "64:ff9b::10.0.0.1",
                            "2001:db8::1",
                            "not an address",
                            ""}) {
    EXPECT_FALSE(IsPublicAddress(inner)) << inner;
  }
  for (const char* outer : {"8.8.8.8", "172.32.0.1", "1.1.1.1", "2a00:1450:4001::1",
                            "::ffff:8.8.8.8", "[2606:4700::1111]"}) {
    EXPECT_TRUE(IsPublicAddress(outer)) << outer;
  }
}

TEST(NetworkAllowListTest, ParsesNetworksAndBareAddressesAndRefusesTheRest) {
  auto allowed = NetworkAllowList::Parse("127.0.0.0/8, 10.9.0.5 ,fd00:1::/32");
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_TRUE(allowed->Contains("127.3.4.5"));
  EXPECT_TRUE(allowed->Contains("10.9.0.5"));
  EXPECT_FALSE(allowed->Contains("10.9.0.6"));
  EXPECT_TRUE(allowed->Contains("fd00:1:ffff::1"));
  EXPECT_FALSE(allowed->Contains("fd00:2::1"));
  EXPECT_TRUE(NetworkAllowList::Parse("").ok());
  for (const char* bad : {"127.0.0.0/33", "::1/129", "localhost", "10.0.0.0/x", "1.2.3/8"}) {
    EXPECT_FALSE(NetworkAllowList::Parse(bad).ok()) << bad;
  }
}

TEST(ValidateWebhookUrlTest, TakesPublicHttpUrlsAndRefusesNamingTheField) {
  const NetworkAllowList none;
  EXPECT_TRUE(ValidateWebhookUrl("https://erp.example.com/hooks/oms", "url", none).ok());
  EXPECT_TRUE(ValidateWebhookUrl("http://203.0.114.7:8080/x", "url", none).ok());
  for (const char* bad :
       {"", "ftp://example.com/", "file:///etc/passwd", "https://user:pw@example.com/",
        "https://127.0.0.1/", "http://[::1]:80/", "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/", "not a url", "https://"}) {
    absl::Status status = ValidateWebhookUrl(bad, "url", none);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(status.message(), "url")) << status.message();
  }
  EXPECT_FALSE(
      ValidateWebhookUrl("https://example.com/" + std::string(2048, 'a'), "url", none).ok());
  auto loopback = NetworkAllowList::Parse("127.0.0.0/8");
  EXPECT_TRUE(ValidateWebhookUrl("http://127.0.0.1:9000/hook", "url", *loopback).ok());
}

}  // namespace
}  // namespace oms::order
