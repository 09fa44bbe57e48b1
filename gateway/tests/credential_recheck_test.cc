// Verifying an open stream's credential again: what ends the stream (a refused credential, a
// lost scope) and what does not (a verification that could not be made); checks that do not
// pile up behind a slow verifier; an expired JWT; and the stream's slot held until the last
// verification has answered.
#include "gateway/src/credential_recheck.h"

#include <vector>

#include <gtest/gtest.h>

#include "common/status.h"
#include "gateway/src/stream_slots.h"
#include "gateway/tests/test_keys.h"
#include "gateway/tests/test_verifier.h"

namespace oms::gateway {
namespace {

using namespace std::chrono_literals;

constexpr char kKey[] = "Bearer oms_0123456789abcdef";

// Keeps every verification until the test answers it, as order-service answering later would.
class HeldVerifier final : public ApiKeyVerifier {
 public:
  void Verify(const std::string&, Done done) override { pending.push_back(std::move(done)); }
  // Answers the oldest verification still open.
  void Answer(absl::StatusOr<Principal> answer) {
    ASSERT_FALSE(pending.empty());
    Done done = std::move(pending.front());
    pending.erase(pending.begin());
    done(std::move(answer));
  }
  std::vector<Done> pending;
};

Principal Reader() {
  Principal principal;
  principal.credential_id = "key:k1";
  principal.scopes = {kScopeOrdersRead};
  return principal;
}

absl::Status Revoked() {
  return WithReason(absl::StatusCode::kUnauthenticated, "INVALID_CREDENTIALS",
                    "unknown or revoked API key");
}

TEST(RecheckVerdictTest, OnlyADefiniteRefusalEndsTheStream) {
  EXPECT_TRUE(RecheckVerdict(Reader(), kScopeOrdersRead).ok());
  Principal admin;
  admin.scopes = {kScopeAdmin};
  EXPECT_TRUE(RecheckVerdict(admin, kScopeOrdersRead).ok());
  EXPECT_TRUE(RecheckVerdict(Principal{}, "").ok());

  const absl::Status refused = RecheckVerdict(Revoked(), kScopeOrdersRead);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(refused), "INVALID_CREDENTIALS");
  EXPECT_NE(refused.message().find("unknown or revoked API key"), absl::string_view::npos)
      << refused;

  Principal writer = Reader();
  writer.scopes = {kScopeOrdersWrite};
  const absl::Status lost = RecheckVerdict(writer, kScopeOrdersRead);
  EXPECT_EQ(lost.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(lost), "MISSING_SCOPE");
  EXPECT_NE(lost.message().find(kScopeOrdersRead), absl::string_view::npos) << lost;
  // A customer's credential that grants more than a customer may hold ends it too.
  const absl::Status overreaching = RecheckVerdict(
      WithReason(absl::StatusCode::kPermissionDenied, "SCOPE_NOT_ALLOWED_FOR_CUSTOMER", "admin"),
      kScopeOrdersRead);
  EXPECT_EQ(ReasonOf(overreaching), "SCOPE_NOT_ALLOWED_FOR_CUSTOMER");

  // Not the client's doing: order-service could not be asked.
  EXPECT_TRUE(RecheckVerdict(WithReason(absl::StatusCode::kUnavailable, "CREDENTIALS_UNVERIFIABLE",
                                        "API keys cannot be verified right now"),
                             kScopeOrdersRead)
                  .ok());
  EXPECT_TRUE(RecheckVerdict(absl::DeadlineExceededError("slow"), kScopeOrdersRead).ok());
}

class CredentialRecheckTest : public ::testing::Test {
 protected:
  CredentialRecheckTest() {
    auto verifier = std::make_unique<HeldVerifier>();
    verifier_ = verifier.get();
    authenticator_ = std::make_unique<Authenticator>("", nullptr, std::move(verifier));
  }

  std::shared_ptr<CredentialRecheck> Recheck(std::optional<std::string> authorization,
                                             std::shared_ptr<void> slot = nullptr) {
    return std::make_shared<CredentialRecheck>(
        *authenticator_, std::move(authorization), kScopeOrdersRead, std::move(slot),
        [this](const absl::Status& why) { refusals_.push_back(why); });
  }

  HeldVerifier* verifier_ = nullptr;
  std::unique_ptr<Authenticator> authenticator_;
  std::vector<absl::Status> refusals_;
};

TEST_F(CredentialRecheckTest, ARevokedKeyEndsTheStreamOnceAndAnUnverifiableOneDoesNot) {
  auto recheck = Recheck(kKey);
  const auto now = std::chrono::system_clock::now();
  recheck->Run(now);
  ASSERT_EQ(verifier_->pending.size(), 1u);
  // Still unanswered: the next tick asks nothing more.
  recheck->Run(now + 1s);
  EXPECT_EQ(verifier_->pending.size(), 1u);
  verifier_->Answer(Reader());
  EXPECT_TRUE(refusals_.empty());

  recheck->Run(now + 2s);
  verifier_->Answer(WithReason(absl::StatusCode::kUnavailable, "CREDENTIALS_UNVERIFIABLE",
                               "API keys cannot be verified right now"));
  EXPECT_TRUE(refusals_.empty()) << "order-service down is not the client's fault";

  recheck->Run(now + 3s);
  verifier_->Answer(Revoked());
  ASSERT_EQ(refusals_.size(), 1u);
  EXPECT_EQ(refusals_[0].code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(refusals_[0]), "INVALID_CREDENTIALS");
  // Refused once is enough: no more verifications, no second refusal.
  recheck->Run(now + 4s);
  EXPECT_TRUE(verifier_->pending.empty());
  EXPECT_EQ(refusals_.size(), 1u);
}

TEST_F(CredentialRecheckTest, AKeyThatLostTheRoutesScopeEndsTheStream) {
  auto recheck = Recheck(kKey);
  recheck->Run(std::chrono::system_clock::now());
  Principal writer = Reader();
  writer.scopes = {kScopeOrdersWrite};
  verifier_->Answer(writer);
  ASSERT_EQ(refusals_.size(), 1u);
  EXPECT_EQ(refusals_[0].code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(refusals_[0]), "MISSING_SCOPE");
}

TEST_F(CredentialRecheckTest, TheSlotIsHeldUntilTheLastVerificationHasAnswered) {
  StreamSlots slots(1, 1);
  auto recheck = Recheck(kKey, slots.TryAcquire("key:k1").slot);
  ASSERT_EQ(slots.open(), 1u);
  recheck->Run(std::chrono::system_clock::now());
  // The stream ended while order-service was still being asked: shutdown must wait for it.
  recheck.reset();
  EXPECT_EQ(slots.open(), 1u);
  verifier_->Answer(Reader());
  EXPECT_EQ(slots.open(), 0u);
}

TEST(CredentialRecheckJwtTest, AnExpiredTokenEndsTheStream) {
  const testing::TestKey key = testing::MakeRsaKey("recheck-key");
  auto verifier = testing::MakeTestVerifier(key);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  Authenticator authenticator("", std::move(*verifier));
  std::vector<absl::Status> refusals;
  auto recheck = std::make_shared<CredentialRecheck>(
      authenticator,
      "Bearer " + testing::SignJwt(key, "RS256", testing::ValidClaims("", "orders:read")),
      kScopeOrdersRead, nullptr, [&refusals](const absl::Status& why) { refusals.push_back(why); });
  const auto now = std::chrono::system_clock::now();
  recheck->Run(now);
  EXPECT_TRUE(refusals.empty());
  // ValidClaims' tokens live an hour; two hours on, well past any leeway, it has expired.
  recheck->Run(now + 2h);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0].code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(refusals[0].message().find("expired"), absl::string_view::npos) << refusals[0];
}

}  // namespace
}  // namespace oms::gateway
