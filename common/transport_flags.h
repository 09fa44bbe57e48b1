// The flags of transport security, shared by every process that serves or calls gRPC (the four
// services, the gateway, omsctl): --tls_ca_file (OMS_TLS_CA_FILE), --tls_cert_file
// (OMS_TLS_CERT_FILE), --tls_key_file (OMS_TLS_KEY_FILE), --tls_refresh_seconds
// (OMS_TLS_REFRESH_SECONDS) and --insecure_plaintext (OMS_INSECURE_PLAINTEXT).
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "common/config.h"
#include "common/transport_security.h"

namespace oms {

// The flags' environment variables, for ParseFlagsWithEnv.
std::vector<EnvFallback> TransportSecurityEnv();

// The parsed flags, checked by CheckTransportSecurity: no certificates and no explicit
// --insecure_plaintext is an error.
[[nodiscard]] absl::StatusOr<TransportSecurity> TransportSecurityFromFlags();

}  // namespace oms
