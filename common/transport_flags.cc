#include "common/transport_flags.h"

#include <string>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, tls_ca_file, "", "PEM CA bundle that verifies peers' certificates (mTLS)");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain of this process (mTLS)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of this process (mTLS)");
ABSL_FLAG(int, tls_refresh_seconds, 60,
          "How often the certificate files are re-read (rotation without a restart)");
ABSL_FLAG(bool, insecure_plaintext, false,
          "gRPC in plain text: no TLS, no peer identity, no per-method authorization");

namespace oms {

std::vector<EnvFallback> TransportSecurityEnv() {
  return {{"tls_ca_file", "OMS_TLS_CA_FILE"},
          {"tls_cert_file", "OMS_TLS_CERT_FILE"},
          {"tls_key_file", "OMS_TLS_KEY_FILE"},
          {"tls_refresh_seconds", "OMS_TLS_REFRESH_SECONDS"},
          {"insecure_plaintext", "OMS_INSECURE_PLAINTEXT"}};
}

absl::StatusOr<TransportSecurity> TransportSecurityFromFlags() {
  TransportSecurity security;
  security.plaintext = absl::GetFlag(FLAGS_insecure_plaintext);
  security.ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  security.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  security.key_file = absl::GetFlag(FLAGS_tls_key_file);
  security.refresh = std::chrono::seconds(absl::GetFlag(FLAGS_tls_refresh_seconds));
  absl::Status status = CheckTransportSecurity(security);
  if (!status.ok()) return status;
  return security;
}

}  // namespace oms
