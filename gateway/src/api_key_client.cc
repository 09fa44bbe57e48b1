#include "gateway/src/api_key_client.h"

#include <memory>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/status.h"

namespace oms::gateway {

Principal PrincipalOf(const order::v1::ApiKey& key) {
  Principal principal;
  principal.credential_id = absl::StrCat("key:", key.id());
  principal.client_id = principal.credential_id;
  principal.customer_id = key.customer_id();
  principal.warehouse_id = key.warehouse_id();
  principal.scopes.insert(key.scopes().begin(), key.scopes().end());
  if (key.has_expire_time()) {
    principal.expire_time = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::microseconds(
            google::protobuf::util::TimeUtil::TimestampToMicroseconds(key.expire_time()))));
  }
  return principal;
}

void GrpcApiKeyVerifier::Verify(const std::string& secret, Done done) {
  struct Call {
    grpc::ClientContext context;
    order::v1::VerifyApiKeyRequest request;
    order::v1::ApiKey response;
  };
  auto call = std::make_shared<Call>();
  call->request.set_secret(secret);
  call->context.set_deadline(std::chrono::system_clock::now() + deadline_);
  Call* raw = call.get();
  stub_->async()->VerifyApiKey(
      &raw->context, &raw->request, &raw->response,
      [call = std::move(call), done = std::move(done)](grpc::Status grpc_status) {
        absl::Status status = FromGrpcStatus(grpc_status);
        switch (status.code()) {
          case absl::StatusCode::kOk:
            done(PrincipalOf(call->response));
            return;
          case absl::StatusCode::kNotFound:
          case absl::StatusCode::kPermissionDenied:
          case absl::StatusCode::kInvalidArgument:
            // Unknown, revoked, expired or malformed: the same answer, which says nothing of
            // which (order-service's reason stays here).
            done(WithReason(absl::StatusCode::kUnauthenticated, "INVALID_CREDENTIALS",
                            "unknown, revoked or expired API key"));
            return;
          default:
            done(WithReason(absl::StatusCode::kUnavailable, "CREDENTIALS_UNVERIFIABLE",
                            "API keys cannot be verified right now; retry shortly"));
        }
      });
}

}  // namespace oms::gateway
