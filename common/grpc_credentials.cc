#include "common/grpc_credentials.h"

#include <mutex>
#include <string>

#include <grpcpp/security/auth_metadata_processor.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/peer_policy.h"

namespace oms {
namespace {

using grpc::experimental::FileWatcherCertificateProvider;

std::shared_ptr<FileWatcherCertificateProvider> WatchFiles(const TransportSecurity& security) {
  return std::make_shared<FileWatcherCertificateProvider>(
      security.key_file, security.cert_file, security.ca_file,
      static_cast<unsigned int>(security.refresh.count()));
}

// Accepts a server whose chain the CA verified (gRPC did that before calling us) when it
// presents an oms identity. Host names are not checked: a headless Service resolves to pod IPs
// and a test to a list of loopback ports, neither of which a certificate can name; the SPIFFE
// identity is what oms trusts instead.
class OmsServerVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/, grpc::Status* sync_status) override {
    std::vector<std::string> uris;
    for (const grpc::string_ref& uri : request->uri_names())
      uris.emplace_back(uri.data(), uri.size());
    if (OmsIdentities(uris).empty()) {
      *sync_status = grpc::Status(
          grpc::StatusCode::UNAUTHENTICATED,
          absl::StrCat("the server's certificate has no ", kSpiffePrefix, " identity"));
    } else {
      *sync_status = grpc::Status::OK;
    }
    return true;  // decided synchronously
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest* /*request*/) override {}
};

std::mutex default_mutex;
TransportSecurity& DefaultSecurity() {
  static auto* security = new TransportSecurity(TransportSecurity::Plaintext());
  return *security;
}

}  // namespace

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const TransportSecurity& security, std::shared_ptr<grpc::AuthMetadataProcessor> authorizer) {
  if (security.plaintext) return grpc::InsecureServerCredentials();
  grpc::experimental::TlsServerCredentialsOptions options(WatchFiles(security));
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  // No certificate, or one the CA did not sign: the handshake fails, no call gets through.
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  auto credentials = grpc::experimental::TlsServerCredentials(options);
  if (authorizer) credentials->SetAuthMetadataProcessor(std::move(authorizer));
  return credentials;
}

std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(
    const TransportSecurity& security) {
  if (security.plaintext) return grpc::InsecureChannelCredentials();
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(WatchFiles(security));
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<OmsServerVerifier>());
  options.set_check_call_host(false);
  return grpc::experimental::TlsCredentials(options);
}

void SetDefaultChannelSecurity(const TransportSecurity& security) {
  std::lock_guard<std::mutex> lock(default_mutex);
  DefaultSecurity() = security;
}

TransportSecurity DefaultChannelSecurity() {
  std::lock_guard<std::mutex> lock(default_mutex);
  return DefaultSecurity();
}

}  // namespace oms
