#include "gateway/src/jwt_verifier.h"

#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>

#include <jwt.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace oms::gateway {
namespace {

constexpr std::size_t kMaxTokenBytes = 8192;
constexpr std::size_t kMaxKeys = 32;

const char* AlgorithmName(JwtAlgorithm algorithm) {
  return algorithm == JwtAlgorithm::kRS256 ? "RS256" : "ES256";
}

absl::Status Refuse(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid bearer token: ", why));
}

bool DecodeBase64Url(absl::string_view text, std::string* out) {
  // Base64url without padding, as JOSE writes it; anything else is refused.
  for (char c : text) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return absl::WebSafeBase64Unescape(text, out);
}

// OpenSSL objects freed on every path.
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct BnDeleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
};

absl::StatusOr<std::string> PublicKeyPem(const char* type, OSSL_PARAM_BLD* builder) {
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(builder));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> context(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) <= 0 ||
      EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("not a valid ", type, " public key"));
  }
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(raw);
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    return absl::InternalError("cannot write a public key as PEM");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

absl::StatusOr<std::string> RsaPem(const nlohmann::json& jwk) {
  std::string n, e;
  if (!jwk.contains("n") || !jwk["n"].is_string() || !jwk.contains("e") || !jwk["e"].is_string() ||
      !DecodeBase64Url(jwk["n"].get<std::string>(), &n) ||
      !DecodeBase64Url(jwk["e"].get<std::string>(), &e) || e.empty()) {
    return absl::InvalidArgumentError("RSA key needs base64url n and e");
  }
  if (n.size() < 256) return absl::InvalidArgumentError("RSA keys shorter than 2048 bits refused");
  std::unique_ptr<BIGNUM, BnDeleter> modulus(BN_bin2bn(
      reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr));
  std::unique_ptr<BIGNUM, BnDeleter> exponent(BN_bin2bn(
      reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> builder(OSSL_PARAM_BLD_new());
  if (!modulus || !exponent || !builder ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get())) {
    return absl::InternalError("cannot build an RSA key");
  }
  return PublicKeyPem("RSA", builder.get());
}

absl::StatusOr<std::string> EcPem(const nlohmann::json& jwk) {
  std::string x, y;
  if (jwk.value("crv", "") != "P-256" || !jwk.contains("x") || !jwk["x"].is_string() ||
      !jwk.contains("y") || !jwk["y"].is_string() ||
      !DecodeBase64Url(jwk["x"].get<std::string>(), &x) ||
      !DecodeBase64Url(jwk["y"].get<std::string>(), &y) || x.size() != 32 || y.size() != 32) {
    return absl::InvalidArgumentError("EC key needs crv P-256 and 32-byte x and y");
  }
  const std::string point = absl::StrCat("\x04", x, y);  // uncompressed SEC1 point
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      !OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return absl::InternalError("cannot build an EC key");
  }
  return PublicKeyPem("EC", builder.get());
}

// A NumericDate claim: absent is fine unless required; present must be a finite number.
absl::Status ReadTime(const nlohmann::json& claims, const char* name, bool required,
                      std::optional<double>* out) {
  if (!claims.contains(name)) {
    return required ? Refuse(absl::StrCat("no ", name, " claim")) : absl::OkStatus();
  }
  const auto& value = claims[name];
  if (!value.is_number() || !std::isfinite(value.get<double>())) {
    return Refuse(absl::StrCat(name, " is not a number"));
  }
  *out = value.get<double>();
  return absl::OkStatus();
}

bool AudienceMatches(const nlohmann::json& aud, const std::string& audience) {
  if (aud.is_string()) return aud.get<std::string>() == audience;
  if (!aud.is_array()) return false;
  for (const auto& item : aud) {
    if (item.is_string() && item.get<std::string>() == audience) return true;
  }
  return false;
}

bool PrintableAscii(absl::string_view text) {
  for (char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<JwtAlgorithm> ParseJwtAlgorithm(absl::string_view name) {
  if (name == "RS256") return JwtAlgorithm::kRS256;
  if (name == "ES256") return JwtAlgorithm::kES256;
  return absl::InvalidArgumentError(
      absl::StrCat("JWT algorithm must be RS256 or ES256, not ", name));
}

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::FromJwks(const std::string& jwks_json,
                                                                   JwtConfig config) {
  if (config.issuer.empty() || config.audience.empty()) {
    return absl::InvalidArgumentError("JWT verification needs an issuer and an audience");
  }
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(jwks_json);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("JWKS is not JSON: ", e.what()));
  }
  if (!document.is_object() || !document.contains("keys") || !document["keys"].is_array()) {
    return absl::InvalidArgumentError("JWKS must be an object with a \"keys\" array");
  }
  const std::string kty = config.algorithm == JwtAlgorithm::kRS256 ? "RSA" : "EC";
  std::vector<Key> keys;
  for (const auto& jwk : document["keys"]) {
    if (!jwk.is_object() || jwk.value("kty", "") != kty) continue;
    if (jwk.contains("alg") && jwk["alg"] != AlgorithmName(config.algorithm)) continue;
    if (jwk.contains("use") && jwk["use"] != "sig") continue;
    auto pem = kty == "RSA" ? RsaPem(jwk) : EcPem(jwk);
    if (!pem.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWKS key ", jwk.value("kid", "(no kid)"), ": ", pem.status().message()));
    }
    keys.push_back(
        {jwk.contains("kid") && jwk["kid"].is_string() ? jwk["kid"].get<std::string>() : "",
         std::move(*pem)});
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWKS has no ", kty, " key for ", AlgorithmName(config.algorithm)));
  }
  if (keys.size() > kMaxKeys) return absl::InvalidArgumentError("JWKS has too many keys");
  return std::unique_ptr<JwtVerifier>(new JwtVerifier(std::move(config), std::move(keys)));
}

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::FromJwksFile(const std::string& path,
                                                                       JwtConfig config) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read JWKS file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return FromJwks(text.str(), std::move(config));
}

absl::StatusOr<JwtClaims> JwtVerifier::Verify(absl::string_view token,
                                              std::chrono::system_clock::time_point now) const {
  if (token.size() > kMaxTokenBytes) return Refuse("too long");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty()) return Refuse("not a JWT");
  std::string header_text, payload_text;
  if (!DecodeBase64Url(parts[0], &header_text) || !DecodeBase64Url(parts[1], &payload_text)) {
    return Refuse("not base64url");
  }
  nlohmann::json header, claims;
  try {
    header = nlohmann::json::parse(header_text);
    claims = nlohmann::json::parse(payload_text);
  } catch (const nlohmann::json::exception&) {
    return Refuse("not JSON");
  }
  if (!header.is_object() || !claims.is_object()) return Refuse("not JSON objects");
  // The algorithm is fixed by configuration, never chosen by the token: this refuses "none"
  // and every algorithm confusion before libjwt is involved.
  if (!header.contains("alg") || header["alg"] != AlgorithmName(config_.algorithm)) {
    return Refuse("algorithm not accepted");
  }
  if (parts[2].empty()) return Refuse("not a signed JWT");
  if (header.contains("crit")) return Refuse("critical header extensions not supported");
  std::string kid;
  if (header.contains("kid")) {
    if (!header["kid"].is_string()) return Refuse("kid is not a string");
    kid = header["kid"].get<std::string>();
  }

  bool verified = false;
  for (const Key& key : keys_) {
    if (!kid.empty() && key.kid != kid) continue;
    jwt_t* jwt = nullptr;
    const std::string token_copy(token);
    const int rc =
        jwt_decode(&jwt, token_copy.c_str(), reinterpret_cast<const unsigned char*>(key.pem.data()),
                   static_cast<int>(key.pem.size()));
    const jwt_alg_t expected =
        config_.algorithm == JwtAlgorithm::kRS256 ? JWT_ALG_RS256 : JWT_ALG_ES256;
    if (rc == 0 && jwt != nullptr && jwt_get_alg(jwt) == expected) verified = true;
    if (jwt != nullptr) jwt_free(jwt);
    if (verified) break;
  }
  if (!verified) return Refuse("signature not valid for any configured key");

  // The signature holds: now the claims, all of them checked here (libjwt checks none).
  const double now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
  const double leeway = static_cast<double>(config_.leeway.count());
  std::optional<double> exp, nbf, iat;
  for (auto [name, required, out] : {std::tuple{"exp", true, &exp}, std::tuple{"nbf", false, &nbf},
                                     std::tuple{"iat", false, &iat}}) {
    absl::Status status = ReadTime(claims, name, required, out);
    if (!status.ok()) return status;
  }
  if (now_seconds >= *exp + leeway) return Refuse("expired");
  if (nbf && now_seconds + leeway < *nbf) return Refuse("not yet valid");
  if (iat && now_seconds + leeway < *iat) return Refuse("issued in the future");
  if (!claims.contains("iss") || claims["iss"] != config_.issuer) return Refuse("wrong issuer");
  if (!claims.contains("aud") || !AudienceMatches(claims["aud"], config_.audience)) {
    return Refuse("wrong audience");
  }
  JwtClaims result;
  if (claims.contains("sub")) {
    if (!claims["sub"].is_string()) return Refuse("sub is not a string");
    result.subject = claims["sub"].get<std::string>();
    if (result.subject.empty() || result.subject.size() > 128 || !PrintableAscii(result.subject)) {
      return Refuse("sub is not 1 to 128 printable characters");
    }
  }
  if (claims.contains("scope")) {
    if (!claims["scope"].is_string()) return Refuse("scope is not a string");
    const std::string scope = claims["scope"].get<std::string>();
    if (scope.size() > 1024) return Refuse("scope too long");
    for (absl::string_view item : absl::StrSplit(scope, ' ', absl::SkipEmpty())) {
      result.scopes.emplace_back(item);
    }
  }
  return result;
}

}  // namespace oms::gateway
