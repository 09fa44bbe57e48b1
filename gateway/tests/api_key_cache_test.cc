// The API key cache: one verification per key per TTL, refusals cached too (so a revoked key
// stops within the TTL and guessing costs order-service nothing), failures to verify not cached;
// and the Authenticator sending only "oms_" tokens to the verifier, answering asynchronously.
#include "gateway/src/api_key_cache.h"

#include <vector>

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::gateway {
namespace {

using namespace std::chrono_literals;

// Answers what `next` says, counting calls; holds the answer when `hold` is set.
class FakeVerifier final : public ApiKeyVerifier {
 public:
  void Verify(const std::string& secret, Done done) override {
    secrets.push_back(secret);
    if (hold) {
      held.push_back(std::move(done));
      return;
    }
    done(next);
  }
  absl::StatusOr<Principal> next = absl::UnauthenticatedError("unknown");
  bool hold = false;
  std::vector<std::string> secrets;
  std::vector<Done> held;
};

Principal KeyPrincipal(const std::string& id) {
  Principal principal;
  principal.credential_id = "key:" + id;
  principal.client_id = principal.credential_id;
  principal.customer_id = "cust-1";
  principal.scopes = {"orders:read"};
  return principal;
}

class ApiKeyCacheTest : public ::testing::Test {
 protected:
  ApiKeyCacheTest() {
    auto fake = std::make_unique<FakeVerifier>();
    fake_ = fake.get();
    cache_ = std::make_unique<CachingApiKeyVerifier>(
        std::move(fake), 5s, 3, [this] { return now_; }, [this] { return wall_; });
  }

  // Both clocks move together, as they do outside tests.
  void Advance(std::chrono::milliseconds by) {
    now_ += by;
    wall_ += by;
  }

  absl::StatusOr<Principal> Verify(const std::string& secret) {
    absl::StatusOr<Principal> out = absl::InternalError("no answer");
    cache_->Verify(secret, [&](absl::StatusOr<Principal> answer) { out = std::move(answer); });
    return out;
  }

  std::chrono::steady_clock::time_point now_{};
  std::chrono::system_clock::time_point wall_ =
      std::chrono::system_clock::time_point(std::chrono::hours(24 * 365 * 50));
  FakeVerifier* fake_ = nullptr;
  std::unique_ptr<CachingApiKeyVerifier> cache_;
};

TEST_F(ApiKeyCacheTest, AValidKeyIsVerifiedOncePerTtl) {
  fake_->next = KeyPrincipal("k1");
  ASSERT_TRUE(Verify("oms_a").ok());
  // Revoked meanwhile: the cache still answers the principal until the TTL is over.
  fake_->next = absl::UnauthenticatedError("revoked");
  now_ += 4s;
  auto cached = Verify("oms_a");
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->credential_id, "key:k1");
  EXPECT_EQ(cached->customer_id, "cust-1");
  EXPECT_EQ(fake_->secrets.size(), 1u);
  now_ += 1s;
  EXPECT_EQ(Verify("oms_a").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(fake_->secrets.size(), 2u);
}

TEST_F(ApiKeyCacheTest, AnExpiringKeyIsKeptNoLongerThanItsExpiry) {
  Principal expiring = KeyPrincipal("k1");
  expiring.expire_time = wall_ + 2s;  // well within the 5 s TTL
  fake_->next = expiring;
  ASSERT_TRUE(Verify("oms_a").ok());
  fake_->next = absl::UnauthenticatedError("expired");
  Advance(1999ms);
  ASSERT_TRUE(Verify("oms_a").ok()) << "cached until its expiry";
  EXPECT_EQ(fake_->secrets.size(), 1u);
  Advance(1ms);
  EXPECT_EQ(Verify("oms_a").status().code(), absl::StatusCode::kUnauthenticated)
      << "asked again at its expiry, not at the TTL's end";
  EXPECT_EQ(fake_->secrets.size(), 2u);

  // One whose expiry is further off than the TTL is kept for the TTL, as any other.
  Principal later = KeyPrincipal("k2");
  later.expire_time = wall_ + 60s;
  fake_->next = later;
  ASSERT_TRUE(Verify("oms_b").ok());
  Advance(4s);
  ASSERT_TRUE(Verify("oms_b").ok());
  EXPECT_EQ(fake_->secrets.size(), 3u);
  Advance(1s);
  ASSERT_TRUE(Verify("oms_b").ok());
  EXPECT_EQ(fake_->secrets.size(), 4u);
}

TEST_F(ApiKeyCacheTest, AKeyAlreadyExpiredByThisClockIsNotKept) {
  // order-service's clock said valid, this one says expired (skew): answered, not remembered.
  Principal expired = KeyPrincipal("k1");
  expired.expire_time = wall_ - 1ms;
  fake_->next = expired;
  ASSERT_TRUE(Verify("oms_a").ok());
  ASSERT_TRUE(Verify("oms_a").ok());
  EXPECT_EQ(fake_->secrets.size(), 2u);
}

TEST_F(ApiKeyCacheTest, RefusalsAreCachedAndFailuresAreNot) {
  EXPECT_EQ(Verify("oms_unknown").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Verify("oms_unknown").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(fake_->secrets.size(), 1u);

  fake_->next = absl::UnavailableError("order-service down");
  EXPECT_EQ(Verify("oms_b").status().code(), absl::StatusCode::kUnavailable);
  fake_->next = KeyPrincipal("k2");
  EXPECT_TRUE(Verify("oms_b").ok()) << "asked again once order-service is back";
  EXPECT_EQ(fake_->secrets.size(), 3u);
}

TEST_F(ApiKeyCacheTest, StaysBoundedWhenFull) {
  fake_->next = KeyPrincipal("k");
  for (const char* secret : {"oms_1", "oms_2", "oms_3", "oms_4"}) ASSERT_TRUE(Verify(secret).ok());
  EXPECT_EQ(fake_->secrets.size(), 4u);
  // The fourth cleared the full cache: the first is asked again, the fourth is remembered.
  ASSERT_TRUE(Verify("oms_4").ok());
  EXPECT_EQ(fake_->secrets.size(), 4u);
  ASSERT_TRUE(Verify("oms_1").ok());
  EXPECT_EQ(fake_->secrets.size(), 5u);
}

TEST(AuthenticatorApiKeyTest, OnlyApiKeysGoToTheVerifierAndAnswerAsynchronously) {
  auto fake = std::make_unique<FakeVerifier>();
  FakeVerifier* verifier = fake.get();
  verifier->hold = true;
  Authenticator auth("bootstrap-admin-key-123", nullptr, std::move(fake));
  const auto now = std::chrono::system_clock::now();

  std::vector<absl::StatusOr<Principal>> answers;
  auto collect = [&](absl::StatusOr<Principal> answer) { answers.push_back(std::move(answer)); };
  const std::string admin = "Bearer bootstrap-admin-key-123";
  auth.Authenticate(&admin, now, collect);
  ASSERT_EQ(answers.size(), 1u);  // at once, without the verifier
  EXPECT_EQ(answers[0]->client_id, "admin");
  const std::string other = "Bearer not-a-key";
  auth.Authenticate(&other, now, collect);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(ReasonOf(answers[1].status()), "INVALID_CREDENTIALS");
  auth.Authenticate(nullptr, now, collect);
  EXPECT_EQ(ReasonOf(answers[2].status()), "CREDENTIALS_MISSING");
  EXPECT_TRUE(verifier->secrets.empty());

  const std::string key = "Bearer  oms_0123abcd ";
  auth.Authenticate(&key, now, collect);
  EXPECT_EQ(answers.size(), 3u) << "waits for the verifier";
  ASSERT_EQ(verifier->secrets.size(), 1u);
  EXPECT_EQ(verifier->secrets[0], "oms_0123abcd");
  verifier->held[0](KeyPrincipal("k9"));
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[3]->credential_id, "key:k9");

  // The synchronous path knows no API keys.
  EXPECT_EQ(ReasonOf(auth.Authenticate(&key, now).status()), "INVALID_CREDENTIALS");
  // Without a verifier, API keys are refused as any unknown token.
  Authenticator without("", nullptr);
  without.Authenticate(&key, now, collect);
  ASSERT_EQ(answers.size(), 5u);
  EXPECT_EQ(ReasonOf(answers[4].status()), "INVALID_CREDENTIALS");
}

}  // namespace
}  // namespace oms::gateway
