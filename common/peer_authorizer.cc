#include "common/peer_authorizer.h"

#include <string>
#include <vector>

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>
#include <grpcpp/security/auth_metadata_processor.h>

#include "common/grpc_status.h"
#include "common/log.h"

namespace oms {
namespace {

class PeerAuthorizer : public grpc::AuthMetadataProcessor {
 public:
  explicit PeerAuthorizer(PeerPolicy policy) : policy_(std::move(policy)) {}

  // A table lookup: runs on gRPC's own thread rather than a separate pool.
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& metadata, grpc::AuthContext* context,
                       OutputMetadata* /*consumed*/, OutputMetadata* /*response*/) override {
    auto path = metadata.find(":path");
    const std::string method =
        path == metadata.end() ? "" : std::string(path->second.data(), path->second.size());
    std::vector<std::string> uris;
    for (const grpc::string_ref& uri : context->FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
      uris.emplace_back(uri.data(), uri.size());
    }
    absl::Status allowed = policy_.Authorize(method, OmsIdentities(uris));
    if (!allowed.ok()) log::Warn("", "call refused", {{"reason", std::string(allowed.message())}});
    return ToGrpcStatus(allowed);
  }

 private:
  const PeerPolicy policy_;
};

}  // namespace

std::shared_ptr<grpc::AuthMetadataProcessor> MakePeerAuthorizer(PeerPolicy policy) {
  return std::make_shared<PeerAuthorizer>(std::move(policy));
}

}  // namespace oms
