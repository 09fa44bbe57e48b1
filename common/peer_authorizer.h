// Enforces a PeerPolicy on every call a TLS server receives, before any handler or interceptor
// runs. gRPC 1.51's server interceptors cannot end a call with a status of their own (no
// Hijack on the server side), so the check is an AuthMetadataProcessor, which can: the call
// fails PERMISSION_DENIED naming the caller and the method, and the handler never sees it.
#pragma once

#include <memory>

#include "common/peer_policy.h"

namespace grpc {
class AuthMetadataProcessor;
}

namespace oms {

std::shared_ptr<grpc::AuthMetadataProcessor> MakePeerAuthorizer(PeerPolicy policy);

}  // namespace oms
