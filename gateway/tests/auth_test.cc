// JWT verification against a JWKS (keys generated here with OpenSSL, tokens signed with libjwt)
// and the Authenticator in front of it: every refusal the brief lists, and the bootstrap key.
#include "gateway/src/auth.h"

#include <set>

#include <gtest/gtest.h>

#include "common/status.h"
#include "gateway/src/jwt_verifier.h"
#include "gateway/tests/test_keys.h"

namespace oms::gateway {
namespace {

using testing::MakeEcKey;
using testing::MakeRsaKey;
using testing::SignJwt;
using testing::TestKey;
using testing::ValidClaims;

JwtConfig RsaConfig() {
  JwtConfig config;
  config.algorithm = JwtAlgorithm::kRS256;
  config.issuer = "https://issuer.test";
  config.audience = "oms";
  config.leeway = std::chrono::seconds(30);
  return config;
}

class JwtVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new TestKey(MakeRsaKey("k1"));
    other_ = new TestKey(MakeRsaKey("k1"));  // same kid, different key: a forger's
    ec_ = new TestKey(MakeEcKey("e1"));
  }
  static void TearDownTestSuite() {
    delete key_;
    delete other_;
    delete ec_;
  }

  std::unique_ptr<JwtVerifier> Verifier() {
    auto verifier = JwtVerifier::FromJwks(testing::Jwks({key_}), RsaConfig());
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    return verifier.ok() ? std::move(*verifier) : nullptr;
  }

  void ExpectRefused(const std::string& token, const std::string& why) {
    auto verifier = Verifier();
    ASSERT_NE(verifier, nullptr);
    auto claims = verifier->Verify(token, std::chrono::system_clock::now());
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated) << why;
    EXPECT_NE(claims.status().message().find(why), absl::string_view::npos) << claims.status();
  }

  static TestKey* key_;
  static TestKey* other_;
  static TestKey* ec_;
};

TestKey* JwtVerifierTest::key_ = nullptr;
TestKey* JwtVerifierTest::other_ = nullptr;
TestKey* JwtVerifierTest::ec_ = nullptr;

TEST_F(JwtVerifierTest, AcceptsAGoodToken) {
  auto verifier = Verifier();
  ASSERT_NE(verifier, nullptr);
  auto claims =
      verifier->Verify(SignJwt(*key_, "RS256", ValidClaims("cust-1", "orders:read admin")),
                       std::chrono::system_clock::now());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "cust-1");
  EXPECT_EQ(claims->scopes, (std::vector<std::string>{"orders:read", "admin"}));
}

TEST_F(JwtVerifierTest, AcceptsAnAudienceListAndAMissingKid) {
  auto claims = ValidClaims("", "");
  claims["aud"] = {"someone-else", "oms"};
  TestKey no_kid = *key_;
  no_kid.kid = "";
  auto verifier = Verifier();
  auto verified =
      verifier->Verify(SignJwt(no_kid, "RS256", claims), std::chrono::system_clock::now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "");
}

TEST_F(JwtVerifierTest, RefusesExpiredAndNotYetValidTokens) {
  auto expired = ValidClaims("c", "");
  expired["exp"] = expired["iat"].get<long long>() - 3600;
  ExpectRefused(SignJwt(*key_, "RS256", expired), "expired");
  auto early = ValidClaims("c", "");
  early["nbf"] = early["iat"].get<long long>() + 3600;
  ExpectRefused(SignJwt(*key_, "RS256", early), "not yet valid");
  auto no_exp = ValidClaims("c", "");
  no_exp.erase("exp");
  ExpectRefused(SignJwt(*key_, "RS256", no_exp), "no exp");
  auto string_exp = ValidClaims("c", "");
  string_exp["exp"] = "tomorrow";
  ExpectRefused(SignJwt(*key_, "RS256", string_exp), "exp is not a number");
}

TEST_F(JwtVerifierTest, RefusesWrongIssuerAndAudience) {
  auto issuer = ValidClaims("c", "");
  issuer["iss"] = "https://evil.test";
  ExpectRefused(SignJwt(*key_, "RS256", issuer), "wrong issuer");
  auto audience = ValidClaims("c", "");
  audience["aud"] = "another-api";
  ExpectRefused(SignJwt(*key_, "RS256", audience), "wrong audience");
  auto none = ValidClaims("c", "");
  none.erase("aud");
  ExpectRefused(SignJwt(*key_, "RS256", none), "wrong audience");
}

TEST_F(JwtVerifierTest, RefusesBadSignatures) {
  // Signed by another key under the trusted kid.
  ExpectRefused(SignJwt(*other_, "RS256", ValidClaims("c", "admin")), "signature");
  // A good token with its payload swapped for one granting more.
  const std::string good = SignJwt(*key_, "RS256", ValidClaims("c", "orders:read"));
  const std::string forged_payload = SignJwt(*other_, "RS256", ValidClaims("c", "admin"));
  auto part = [](const std::string& token, int index) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (int i = 0; i < 3; ++i) {
      std::size_t dot = token.find('.', start);
      parts.push_back(token.substr(start, dot - start));
      start = dot + 1;
    }
    return parts[index];
  };
  ExpectRefused(part(good, 0) + "." + part(forged_payload, 1) + "." + part(good, 2), "signature");
  ExpectRefused(part(good, 0) + "." + part(good, 1) + ".", "not a signed JWT");
}

TEST_F(JwtVerifierTest, RefusesAlgNoneAndEveryOtherAlgorithm) {
  ExpectRefused(testing::UnsignedJwt(ValidClaims("c", "admin")), "algorithm not accepted");
  // The classic confusion: HS256 keyed with the RSA public key, which the attacker knows.
  ExpectRefused(SignJwt(*key_, "HS256", ValidClaims("c", "admin"), key_->public_pem),
                "algorithm not accepted");
  ExpectRefused(SignJwt(*ec_, "ES256", ValidClaims("c", "admin")), "algorithm not accepted");
  ExpectRefused(SignJwt(*key_, "RS512", ValidClaims("c", "admin")), "algorithm not accepted");
}

TEST_F(JwtVerifierTest, RefusesGarbage) {
  ExpectRefused("", "not a JWT");
  ExpectRefused("a.b", "not a JWT");
  ExpectRefused("!!!.b.c", "not base64url");
  ExpectRefused(std::string(9000, 'a'), "too long");
}

TEST_F(JwtVerifierTest, VerifiesEs256WhenConfigured) {
  JwtConfig config = RsaConfig();
  config.algorithm = JwtAlgorithm::kES256;
  auto verifier = JwtVerifier::FromJwks(testing::Jwks({key_, ec_}), config);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_EQ((*verifier)->key_count(), 1u) << "the RSA key is skipped";
  auto claims = (*verifier)->Verify(SignJwt(*ec_, "ES256", ValidClaims("c", "")),
                                    std::chrono::system_clock::now());
  EXPECT_TRUE(claims.ok()) << claims.status();
  EXPECT_FALSE(
      (*verifier)
          ->Verify(SignJwt(*key_, "RS256", ValidClaims("c", "")), std::chrono::system_clock::now())
          .ok());
}

TEST_F(JwtVerifierTest, RefusesBadConfiguration) {
  EXPECT_FALSE(JwtVerifier::FromJwks("not json", RsaConfig()).ok());
  EXPECT_FALSE(JwtVerifier::FromJwks(R"({"keys":[]})", RsaConfig()).ok());
  EXPECT_FALSE(JwtVerifier::FromJwks(testing::Jwks({ec_}), RsaConfig()).ok());
  JwtConfig no_issuer = RsaConfig();
  no_issuer.issuer = "";
  EXPECT_FALSE(JwtVerifier::FromJwks(testing::Jwks({key_}), no_issuer).ok());
  EXPECT_FALSE(ParseJwtAlgorithm("none").ok());
  EXPECT_FALSE(ParseJwtAlgorithm("HS256").ok());
}

TEST_F(JwtVerifierTest, AuthenticatorMapsCredentialsToPrincipals) {
  Authenticator auth("bootstrap-admin-key-123", Verifier());
  const auto now = std::chrono::system_clock::now();

  auto missing = auth.Authenticate(nullptr, now);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(missing.status()), "CREDENTIALS_MISSING");

  const std::string admin_header = "Bearer bootstrap-admin-key-123";
  auto admin = auth.Authenticate(&admin_header, now);
  ASSERT_TRUE(admin.ok());
  EXPECT_TRUE(admin->HasScope(kScopeCatalogWrite));
  EXPECT_FALSE(admin->customer_bound());
  EXPECT_EQ(admin->client_id, "admin");

  for (const std::string bad :
       {"Bearer wrong-key", "Basic Ym9iOnNlY3JldA==", "Bearer bootstrap-admin-key-12", "Bearer ",
        "bootstrap-admin-key-123", "Bearer a b"}) {
    auto refused = auth.Authenticate(&bad, now);
    EXPECT_EQ(ReasonOf(refused.status()), "INVALID_CREDENTIALS") << bad;
  }

  const std::string customer =
      "Bearer " + SignJwt(*key_, "RS256", ValidClaims("cust-7", "orders:read"));
  auto principal = auth.Authenticate(&customer, now);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->customer_id, "cust-7");
  EXPECT_EQ(principal->credential_id, "sub:cust-7");
  EXPECT_EQ(principal->client_id, "jwt:cust-7");
  EXPECT_TRUE(principal->HasScope(kScopeOrdersRead));
  EXPECT_FALSE(principal->HasScope(kScopeCatalogWrite));

  // Client ids stay within order-service's 128 characters and stable per subject.
  const std::string long_subject(128, 's');
  const std::string long_token =
      "Bearer " + SignJwt(*key_, "RS256", ValidClaims(long_subject, "orders:write"));
  auto long_principal = auth.Authenticate(&long_token, now);
  ASSERT_TRUE(long_principal.ok()) << long_principal.status();
  EXPECT_LE(long_principal->client_id.size(), 128u);
  EXPECT_EQ(long_principal->client_id, auth.Authenticate(&long_token, now)->client_id);
  const std::string service_token = "Bearer " + SignJwt(*key_, "RS256", ValidClaims("", "admin"));
  EXPECT_EQ(auth.Authenticate(&service_token, now)->client_id, "jwt:");

  const std::string expired_token = [&] {
    auto claims = ValidClaims("c", "admin");
    claims["exp"] = 1000;
    return "Bearer " + SignJwt(*key_, "RS256", claims);
  }();
  auto expired = auth.Authenticate(&expired_token, now);
  EXPECT_EQ(ReasonOf(expired.status()), "INVALID_CREDENTIALS");
  // The message never carries the credential.
  EXPECT_EQ(expired.status().message().find(expired_token.substr(7)), absl::string_view::npos);

  Authenticator no_jwt("", nullptr);
  auto refused = no_jwt.Authenticate(&customer, now);
  EXPECT_EQ(ReasonOf(refused.status()), "INVALID_CREDENTIALS");
  auto no_admin = no_jwt.Authenticate(&admin_header, now);
  EXPECT_EQ(ReasonOf(no_admin.status()), "INVALID_CREDENTIALS");
}

TEST_F(JwtVerifierTest, AJwtGrantsOnlyKnownScopesAndACustomersTokenOnlyACustomersScopes) {
  Authenticator auth("", Verifier());
  const auto now = std::chrono::system_clock::now();
  auto bearer = [&](const std::string& subject, const std::string& scope) {
    return "Bearer " + SignJwt(*key_, "RS256", ValidClaims(subject, scope));
  };

  // Scopes this gateway does not know grant nothing, with or without a subject.
  const std::string service = bearer("", "orders:read admin:all orders:* catalog:write");
  auto service_principal = auth.Authenticate(&service, now);
  ASSERT_TRUE(service_principal.ok()) << service_principal.status();
  EXPECT_EQ(service_principal->scopes,
            (std::set<std::string>{kScopeOrdersRead, kScopeCatalogWrite}));
  const std::string admin_service = bearer("", "admin");
  EXPECT_TRUE(auth.Authenticate(&admin_service, now)->HasScope(kScopeShipmentsWrite));
  const std::string customer = bearer("cust-1", "orders:read orders:write profile email");
  auto customer_principal = auth.Authenticate(&customer, now);
  ASSERT_TRUE(customer_principal.ok()) << customer_principal.status();
  EXPECT_EQ(customer_principal->scopes,
            (std::set<std::string>{kScopeOrdersRead, kScopeOrdersWrite}));

  // A customer's token claiming what reaches every customer: refused (403), naming the scope.
  for (const std::string scope : {"admin", "catalog:write", "shipments:write"}) {
    const std::string token = bearer("cust-1", "orders:read " + scope);
    auto refused = auth.Authenticate(&token, now);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << scope;
    EXPECT_EQ(ReasonOf(refused.status()), "SCOPE_NOT_ALLOWED_FOR_CUSTOMER") << scope;
    EXPECT_NE(refused.status().message().find(scope), absl::string_view::npos) << refused.status();
  }
}

// Answers every key with the principal it was given.
class FixedVerifier final : public ApiKeyVerifier {
 public:
  explicit FixedVerifier(Principal principal) : principal_(std::move(principal)) {}
  void Verify(const std::string&, Done done) override { done(principal_); }

 private:
  Principal principal_;
};

TEST(AuthenticatorTest, ACustomersApiKeyWithMoreThanACustomersScopesIsRefused) {
  const std::string header = "Bearer oms_" + std::string(64, 'a');
  auto authenticate = [&](std::string customer_id, std::set<std::string> scopes) {
    Principal key;
    key.credential_id = key.client_id = "key:1";
    key.customer_id = std::move(customer_id);
    key.scopes = std::move(scopes);
    Authenticator auth("", nullptr, std::make_unique<FixedVerifier>(key));
    absl::StatusOr<Principal> answer = absl::UnknownError("no answer");
    auth.Authenticate(&header, std::chrono::system_clock::now(),
                      [&answer](absl::StatusOr<Principal> got) { answer = std::move(got); });
    return answer;
  };
  EXPECT_TRUE(authenticate("cust-1", {kScopeOrdersRead, kScopeOrdersWrite}).ok());
  EXPECT_TRUE(authenticate("", {kScopeAdmin}).ok());
  // A key made before order-service refused such keys is refused here.
  auto refused = authenticate("cust-1", {kScopeOrdersRead, kScopeShipmentsWrite});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(refused.status()), "SCOPE_NOT_ALLOWED_FOR_CUSTOMER");
}

}  // namespace
}  // namespace oms::gateway
