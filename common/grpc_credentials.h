// TransportSecurity (common/transport_security.h) as gRPC credentials: TLS from files re-read
// when they change (FileWatcherCertificateProvider), servers that require and verify a client
// certificate, channels that present theirs and accept only a server with an oms identity.
#pragma once

#include <memory>

#include "common/transport_security.h"

namespace grpc {
class AuthMetadataProcessor;
class ChannelCredentials;
class ServerCredentials;
}  // namespace grpc

namespace oms {

// `authorizer` (may be null) sees every call before any handler or interceptor does; ignored
// under plain text, where there is no peer identity to authorize.
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const TransportSecurity& security, std::shared_ptr<grpc::AuthMetadataProcessor> authorizer);

std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(const TransportSecurity& security);

// What MakeClientChannel uses when its caller names no TransportSecurity: plain text until a
// process sets it (main() from its flags, a test harness from its throw-away PKI) before opening
// channels.
void SetDefaultChannelSecurity(const TransportSecurity& security);
TransportSecurity DefaultChannelSecurity();

}  // namespace oms
