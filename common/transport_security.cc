#include "common/transport_security.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace oms {
namespace {

// OK when `path` is readable PEM holding `marker`; else an error naming the flag that gave it.
absl::Status CheckPemFile(const std::string& path, const char* flag, const char* marker) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("--", flag, ": cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  // FileWatcherCertificateProvider only logs an unreadable file and then fails every
  // handshake: catch the common mistakes (wrong file, DER instead of PEM) at start-up.
  if (!absl::StrContains(text.str(), "-----BEGIN ") || !absl::StrContains(text.str(), marker)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", path, " holds no PEM ", marker));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckTransportSecurity(const TransportSecurity& security) {
  if (security.plaintext) {
    if (!security.ca_file.empty() || !security.cert_file.empty() || !security.key_file.empty()) {
      return absl::InvalidArgumentError(
          "--insecure_plaintext and --tls_* files given together: choose one");
    }
    return absl::OkStatus();
  }
  if (security.ca_file.empty() && security.cert_file.empty() && security.key_file.empty()) {
    return absl::InvalidArgumentError(
        "no certificates: set --tls_ca_file, --tls_cert_file and --tls_key_file "
        "(OMS_TLS_CA_FILE, OMS_TLS_CERT_FILE, OMS_TLS_KEY_FILE), or choose plain text "
        "explicitly with --insecure_plaintext (OMS_INSECURE_PLAINTEXT=1)");
  }
  for (const auto& [path, flag] : {std::pair{&security.ca_file, "tls_ca_file"},
                                   std::pair{&security.cert_file, "tls_cert_file"},
                                   std::pair{&security.key_file, "tls_key_file"}}) {
    if (path->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag,
                       " is missing: mutual TLS needs --tls_ca_file, --tls_cert_file and "
                       "--tls_key_file"));
    }
  }
  if (security.refresh < std::chrono::seconds(1) || security.refresh > std::chrono::hours(24)) {
    return absl::InvalidArgumentError("--tls_refresh_seconds must be 1 to 86400");
  }
  absl::Status status = CheckPemFile(security.ca_file, "tls_ca_file", "CERTIFICATE");
  if (status.ok()) status = CheckPemFile(security.cert_file, "tls_cert_file", "CERTIFICATE");
  if (status.ok()) status = CheckPemFile(security.key_file, "tls_key_file", "PRIVATE KEY");
  return status;
}

}  // namespace oms
