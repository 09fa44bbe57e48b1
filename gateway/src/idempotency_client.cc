#include "gateway/src/idempotency_client.h"

#include "common/grpc_status.h"
#include "common/unary_call.h"

namespace oms::gateway {
namespace {

namespace ord = oms::order::v1;

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
  ord::ClaimIdempotencyKeyRequest request;
  request.set_scope(claim.scope);
  request.set_key(claim.key);
  request.set_fingerprint(claim.fingerprint);
  request.set_lease_ms(claim.lease.count());
  StartUnaryCall<ord::ClaimIdempotencyKeyResponse>(
      std::move(request), claim.request_id, std::chrono::system_clock::now() + deadline_,
      [this](auto* context, auto* req, auto* reply, auto callback) {
        stub_->async()->ClaimIdempotencyKey(context, req, reply, std::move(callback));
      },
      [done = std::move(done)](const grpc::Status& grpc_status,
                               const ord::ClaimIdempotencyKeyResponse& reply, auto&) {
        absl::Status status = FromGrpcStatus(grpc_status);
        if (!status.ok()) {
          done(status);
          return;
        }
        ClaimResult result;
        switch (reply.outcome()) {
          case ord::CLAIM_OUTCOME_CLAIMED:
            result.outcome = Outcome::kClaimed;
            result.token = reply.claim_token();
            break;
          case ord::CLAIM_OUTCOME_COMPLETED:
            result.outcome = Outcome::kCompleted;
            result.answer = FromStored(reply.response());
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
  ord::CompleteIdempotencyKeyRequest request;
  request.set_scope(claim.scope);
  request.set_key(claim.key);
  request.set_claim_token(token);
  *request.mutable_response() = ToStored(answer);
  StartUnaryCall<ord::CompleteIdempotencyKeyResponse>(
      std::move(request), claim.request_id, std::chrono::system_clock::now() + deadline_,
      [this](auto* context, auto* req, auto* reply, auto callback) {
        stub_->async()->CompleteIdempotencyKey(context, req, reply, std::move(callback));
      },
      [done = std::move(done)](const grpc::Status& status, const auto&, auto&) {
        done(FromGrpcStatus(status));
      });
}

void GrpcIdempotencyStore::Release(const Claim& claim, const std::string& token, Done done) {
  ord::ReleaseIdempotencyKeyRequest request;
  request.set_scope(claim.scope);
  request.set_key(claim.key);
  request.set_claim_token(token);
  StartUnaryCall<ord::ReleaseIdempotencyKeyResponse>(
      std::move(request), claim.request_id, std::chrono::system_clock::now() + deadline_,
      [this](auto* context, auto* req, auto* reply, auto callback) {
        stub_->async()->ReleaseIdempotencyKey(context, req, reply, std::move(callback));
      },
      [done = std::move(done)](const grpc::Status& status, const auto&, auto&) {
        done(FromGrpcStatus(status));
      });
}

}  // namespace oms::gateway
