// How a process's gRPC servers and channels are secured: mutual TLS from certificate files (the
// default), or plain text when asked for explicitly. Pure configuration, no gRPC headers: flags
// fill it (common/transport_flags.h), common/grpc_credentials.h turns it into credentials.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"

namespace oms {

struct TransportSecurity {
  // Plain text, no peer identity, every method open to every caller. Only ever set by an
  // explicit --insecure_plaintext (local runs, tests that want it); never the fallback of a
  // missing certificate.
  bool plaintext = false;
  // PEM files, re-read every `refresh` so that a rotated certificate (cert-manager rewrites the
  // mounted Secret) is used by new connections without a restart.
  std::string ca_file;    // CA bundle: verifies peers' certificates
  std::string cert_file;  // this process's certificate chain (leaf first)
  std::string key_file;   // its private key
  std::chrono::seconds refresh{60};

  static TransportSecurity Plaintext() {
    TransportSecurity security;
    security.plaintext = true;
    return security;
  }
};

// OK when `security` is explicit plain text, or names three readable PEM files; otherwise
// INVALID_ARGUMENT naming the flag to set (--tls_ca_file, --tls_cert_file, --tls_key_file,
// --insecure_plaintext), so a service without certificates refuses to start.
[[nodiscard]] absl::Status CheckTransportSecurity(const TransportSecurity& security);

}  // namespace oms
