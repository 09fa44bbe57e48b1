#include "gateway/tests/test_keys.h"

#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "absl/strings/escaping.h"

namespace oms::gateway::testing {
namespace {

std::string Base64Url(const std::string& bytes) {
  std::string out;
  absl::WebSafeBase64Escape(bytes, &out);  // no padding
  return out;
}

std::string Pem(EVP_PKEY* key, bool private_key) {
  BIO* bio = BIO_new(BIO_s_mem());
  const int ok = private_key
                     ? PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr)
                     : PEM_write_bio_PUBKEY(bio, key);
  if (ok != 1) throw std::runtime_error("cannot write PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string BigNumParam(EVP_PKEY* key, const char* name, int pad_to = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("no key parameter");
  std::string bytes(static_cast<std::size_t>(std::max(BN_num_bytes(bn), pad_to)), '\0');
  if (pad_to > 0) {
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(bytes.data()), pad_to);
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  }
  BN_free(bn);
  return bytes;
}

// A generated key's kid and PEM halves (the caller adds the JWK); `type` names it when the
// generation failed.
TestKey WithPems(EVP_PKEY* key, const std::string& kid, const std::string& type) {
  if (key == nullptr) throw std::runtime_error(type + " keygen failed");
  TestKey result;
  result.kid = kid;
  result.private_pem = Pem(key, true);
  result.public_pem = Pem(key, false);
  return result;
}

}  // namespace

TestKey MakeRsaKey(const std::string& kid) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  TestKey result = WithPems(key, kid, "RSA");
  result.jwk = {{"kty", "RSA"},
                {"kid", kid},
                {"use", "sig"},
                {"alg", "RS256"},
                {"n", Base64Url(BigNumParam(key, OSSL_PKEY_PARAM_RSA_N))},
                {"e", Base64Url(BigNumParam(key, OSSL_PKEY_PARAM_RSA_E))}};
  EVP_PKEY_free(key);
  return result;
}

TestKey MakeEcKey(const std::string& kid) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  TestKey result = WithPems(key, kid, "EC");
  result.jwk = {{"kty", "EC"},
                {"kid", kid},
                {"crv", "P-256"},
                {"x", Base64Url(BigNumParam(key, OSSL_PKEY_PARAM_EC_PUB_X, 32))},
                {"y", Base64Url(BigNumParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
  EVP_PKEY_free(key);
  return result;
}

std::string Jwks(const std::initializer_list<const TestKey*>& keys) {
  nlohmann::json list = nlohmann::json::array();
  for (const TestKey* key : keys) list.push_back(key->jwk);
  return nlohmann::json{{"keys", list}}.dump();
}

std::string SignJwt(const TestKey& key, const std::string& alg, const nlohmann::json& claims,
                    const std::string& hmac_secret) {
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) throw std::runtime_error("jwt_new failed");
  if (jwt_add_grants_json(jwt, claims.dump().c_str()) != 0) {
    throw std::runtime_error("jwt_add_grants_json failed");
  }
  if (!key.kid.empty()) jwt_add_header(jwt, "kid", key.kid.c_str());
  const std::string& secret = alg == "HS256" ? hmac_secret : key.private_pem;
  if (jwt_set_alg(jwt, jwt_str_alg(alg.c_str()),
                  reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0) {
    throw std::runtime_error("jwt_set_alg failed");
  }
  char* encoded = jwt_encode_str(jwt);
  jwt_free(jwt);
  if (encoded == nullptr) throw std::runtime_error("jwt_encode_str failed");
  std::string token(encoded);
  free(encoded);
  return token;
}

std::string UnsignedJwt(const nlohmann::json& claims) {
  return Base64Url(R"({"alg":"none","typ":"JWT"})") + "." + Base64Url(claims.dump()) + ".";
}

nlohmann::json ValidClaims(const std::string& subject, const std::string& scope) {
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  nlohmann::json claims = {{"iss", "https://issuer.test"},
                           {"aud", "oms"},
                           {"iat", now},
                           {"nbf", now - 10},
                           {"exp", now + 3600}};
  if (!subject.empty()) claims["sub"] = subject;
  if (!scope.empty()) claims["scope"] = scope;
  return claims;
}

}  // namespace oms::gateway::testing
