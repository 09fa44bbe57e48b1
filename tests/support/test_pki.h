// A throw-away PKI for tests, made with the openssl CLI once per test process in a temporary
// directory removed at exit: a CA and, on demand, certificates whose URI SANs are oms identities
// (spiffe://oms/<name>), with IP SAN 127.0.0.1 and DNS SAN localhost so that loopback runs (and
// the chaos run's TCP proxies, which pass TLS through) verify.
//
// Every process a test starts gets mutual TLS through it (ChildProcess passes harness_env() to
// each child, ServiceUnderTest its service's own certificate), and every channel the test opens
// by default presents the harness's certificate, which names each caller of the call graph
// (gateway, order-service, omsctl): a test drives any RPC as the caller that makes it in
// production. Tests of the authorization itself issue certificates with one identity.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/transport_security.h"

namespace oms::testing {

struct CertFiles {
  std::string ca;    // the CA bundle
  std::string cert;  // the leaf certificate
  std::string key;   // its private key
};

class TestPki {
 public:
  // The process's PKI, made on first use; it also becomes the default channel security
  // (SetDefaultChannelSecurity) with the harness's certificate. Aborts the test process when
  // openssl fails: no test can run without it.
  static TestPki& Get();
  ~TestPki();

  // A certificate for `names` (one or more oms identities), issued once and kept.
  [[nodiscard]] absl::StatusOr<CertFiles> For(const std::vector<std::string>& names);
  // A fresh certificate for `names` written to `dir`/cert.pem and `dir`/key.pem (rotation tests
  // issue several over the same files' lifetime).
  [[nodiscard]] absl::StatusOr<CertFiles> IssueInto(const std::string& dir,
                                                    const std::vector<std::string>& names);

  // OMS_TLS_CA_FILE, OMS_TLS_CERT_FILE, OMS_TLS_KEY_FILE (and a short OMS_TLS_REFRESH_SECONDS)
  // for a process with `files`.
  static std::map<std::string, std::string> Env(const CertFiles& files);
  // TransportSecurity for a channel presenting `files`.
  static TransportSecurity Security(const CertFiles& files);

  // The harness's certificate: every caller's identity.
  const CertFiles& harness() const { return harness_; }
  std::map<std::string, std::string> harness_env() const { return Env(harness_); }

 private:
  TestPki() = default;
  [[nodiscard]] absl::Status Init();

  std::mutex mutex_;
  std::string dir_;
  std::string ca_cert_;
  std::string ca_key_;
  int serial_ = 0;
  std::map<std::string, CertFiles> issued_;  // by names joined with ","
  CertFiles harness_;
};

// The identity of a service binary from its variable prefix: OMS_INVENTORY -> inventory-service,
// OMS_GATEWAY -> gateway.
std::string IdentityOfPrefix(const std::string& env_prefix);

}  // namespace oms::testing
