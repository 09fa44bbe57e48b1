#include "gateway/src/idempotency_client.h"

#include <grpcpp/client_context.h>

#include <memory>

#include "common/grpc_interceptors.h"
#include "common/grpc_status.h"

namespace oms::gateway {
namespace {

namespace ord = oms::order::v1;

template <typename Request, typename Reply>
struct Call {
  grpc::ClientContext context;
  Request request;
  Reply response;
};

// The gateway stores only what it replays (StoredAnswer), so this carries it whole.
ord::StoredResponse ToStored(const Response& answer) {
  ord::StoredResponse stored;
  stored.set_status(answer.status);
  for (const auto& [name, value] : answer.headers) {
    auto* header = stored.add_headers();
    header->set_name(name);
    header->set_value(value);
  }
  stored.set_body(answer.body);
  return stored;
}

Response FromStored(const ord::StoredResponse& stored) {
  Response answer;
  answer.status = stored.status();
  for (const auto& header : stored.headers()) {
    answer.headers.emplace_back(header.name(), header.value());
  }
  answer.body = stored.body();
  return answer;
}

}  // namespace

void GrpcIdempotencyStore::ClaimKey(const Claim& claim, ClaimDone done) {
  auto call = std::make_shared<Call<ord::ClaimIdempotencyKeyRequest,
                                    ord::ClaimIdempotencyKeyResponse>>();
  call->request.set_scope(claim.scope);
  call->request.set_key(claim.key);
  call->request.set_fingerprint(claim.fingerprint);
  call->request.set_lease_ms(claim.lease.count());
  call->context.set_deadline(std::chrono::system_clock::now() + deadline_);
  SetRequestId(call->context, claim.request_id);
  auto* raw = call.get();
  stub_->async()->ClaimIdempotencyKey(
      &raw->context, &raw->request, &raw->response,
      [call, done = std::move(done)](grpc::Status grpc_status) {
        absl::Status status = FromGrpcStatus(grpc_status);
        if (!status.ok()) {
          done(status);
          return;
        }
        ClaimResult result;
        switch (call->response.outcome()) {
          case ord::CLAIM_OUTCOME_CLAIMED:
            result.outcome = Outcome::kClaimed;
            result.token = call->response.claim_token();
            break;
          case ord::CLAIM_OUTCOME_COMPLETED:
            result.outcome = Outcome::kCompleted;
            result.answer = FromStored(call->response.response());
            break;
          case ord::CLAIM_OUTCOME_IN_PROGRESS:
            result.outcome = Outcome::kInProgress;
            break;
          case ord::CLAIM_OUTCOME_MISMATCH:
            result.outcome = Outcome::kMismatch;
            break;
          default:
            done(absl::InternalError("the idempotency claim answered no outcome"));
            return;
        }
        done(std::move(result));
      });
}

void GrpcIdempotencyStore::Complete(const Claim& claim, const std::string& token,
                                    const Response& answer, Done done) {
  auto call = std::make_shared<Call<ord::CompleteIdempotencyKeyRequest,
                                    ord::CompleteIdempotencyKeyResponse>>();
  call->request.set_scope(claim.scope);
  call->request.set_key(claim.key);
  call->request.set_claim_token(token);
  *call->request.mutable_response() = ToStored(answer);
  call->context.set_deadline(std::chrono::system_clock::now() + deadline_);
  SetRequestId(call->context, claim.request_id);
  auto* raw = call.get();
  stub_->async()->CompleteIdempotencyKey(
      &raw->context, &raw->request, &raw->response,
      [call, done = std::move(done)](grpc::Status status) { done(FromGrpcStatus(status)); });
}

void GrpcIdempotencyStore::Release(const Claim& claim, const std::string& token, Done done) {
  auto call = std::make_shared<Call<ord::ReleaseIdempotencyKeyRequest,
                                    ord::ReleaseIdempotencyKeyResponse>>();
  call->request.set_scope(claim.scope);
  call->request.set_key(claim.key);
  call->request.set_claim_token(token);
  call->context.set_deadline(std::chrono::system_clock::now() + deadline_);
  SetRequestId(call->context, claim.request_id);
  auto* raw = call.get();
  stub_->async()->ReleaseIdempotencyKey(
      &raw->context, &raw->request, &raw->response,
      [call, done = std::move(done)](grpc::Status status) { done(FromGrpcStatus(status)); });
}

}  // namespace oms::gateway
