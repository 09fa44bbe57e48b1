// The gateway's idempotency records: request validation (no database), then the store and the
// IdempotencyService on a real PostgreSQL, through a real server on an in-process channel:
// claim, replay, mismatch, in progress, release, lease takeover, expiry and the sweep.
#include "order-service/src/idempotency_records.h"

#include <thread>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/grpc_status.h"
#include "common/metrics.h"
#include "common/pg_pool.h"
#include "common/server.h"
#include "common/status.h"
#include "common/testing/pg_test_database.h"
#include "order-service/src/order_database.h"
#include "order-service/src/schema.h"

namespace oms::order {
namespace {

std::string Fingerprint(char fill) { return std::string(32, fill); }

v1::ClaimIdempotencyKeyRequest ClaimRequest(const std::string& key, char fill,
                                            int64_t lease_ms = 60000) {
  v1::ClaimIdempotencyKeyRequest request;
  request.set_scope("admin POST /v1/customers");
  request.set_key(key);
  request.set_fingerprint(Fingerprint(fill));
  request.set_lease_ms(lease_ms);
  return request;
}

v1::StoredResponse Answer(int status, const std::string& body) {
  v1::StoredResponse response;
  response.set_status(status);
  auto* header = response.add_headers();
  header->set_name("Content-Type");
  header->set_value("application/json");
  response.set_body(body);
  return response;
}

TEST(IdempotencyValidationTest, RefusesBadRequestsNamingTheField) {
  EXPECT_TRUE(ValidateClaim(ClaimRequest("key-1", 'a')).ok());
  struct Case {
    v1::ClaimIdempotencyKeyRequest request;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({ClaimRequest("", 'a'), "key"});
  cases.push_back({ClaimRequest("has spaces", 'a'), "key"});
  cases.push_back({ClaimRequest(std::string(129, 'k'), 'a'), "key"});
  cases.push_back({ClaimRequest("key-1", 'a', 0), "lease_ms"});
  cases.push_back({ClaimRequest("key-1", 'a', 3600 * 1000 + 1), "lease_ms"});
  auto short_print = ClaimRequest("key-1", 'a');
  short_print.set_fingerprint("abc");
  cases.push_back({short_print, "fingerprint"});
  auto no_scope = ClaimRequest("key-1", 'a');
  no_scope.set_scope("");
  cases.push_back({no_scope, "scope"});
  auto long_scope = ClaimRequest("key-1", 'a');
  long_scope.set_scope(std::string(513, 's'));
  cases.push_back({long_scope, "scope"});
  for (const Case& bad : cases) {
    absl::Status status = ValidateClaim(bad.request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad.field;
    EXPECT_NE(status.message().find(bad.field), absl::string_view::npos) << status;
  }

  v1::CompleteIdempotencyKeyRequest complete;
  complete.set_scope("s");
  complete.set_key("k");
  complete.set_claim_token("00000000-0000-4000-8000-000000000001");
  *complete.mutable_response() = Answer(201, "{}");
  EXPECT_TRUE(ValidateComplete(complete).ok());
  auto bad_token = complete;
  bad_token.set_claim_token("not-a-token");
  EXPECT_NE(ValidateComplete(bad_token).message().find("claim_token"), absl::string_view::npos);
  auto bad_status = complete;
  bad_status.mutable_response()->set_status(99);
  EXPECT_NE(ValidateComplete(bad_status).message().find("response.status"),
            absl::string_view::npos);
  auto big = complete;
  big.mutable_response()->set_body(std::string(kMaxStoredBodyBytes + 1, 'x'));
  EXPECT_NE(ValidateComplete(big).message().find("response.body"), absl::string_view::npos);
  auto many = complete;
  for (int i = 0; i < kMaxStoredHeaders; ++i) many.mutable_response()->add_headers();
  EXPECT_NE(ValidateComplete(many).message().find("response.headers"), absl::string_view::npos);

  v1::ReleaseIdempotencyKeyRequest release;
  release.set_scope("s");
  release.set_key("k");
  release.set_claim_token("00000000-0000-4000-8000-000000000001");
  EXPECT_TRUE(ValidateRelease(release).ok());
  release.set_claim_token("");
  EXPECT_EQ(ValidateRelease(release).code(), absl::StatusCode::kInvalidArgument);
}

class IdempotencyRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    ASSERT_TRUE(ApplyMigrations(db_.url(), Migrations()).ok());
    auto pool =
        PgPool::Create({db_.url(), 4, std::chrono::seconds(5), OrderDatabaseStatements()}, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    store_ = std::make_unique<PgIdempotencyStore>(*pool_, std::chrono::hours(24));
    executor_ = std::make_unique<BoundedExecutor>(4, 64);
    service_ = std::make_unique<IdempotencyServiceImpl>(*pool_, *executor_);
    auto server = GrpcServer::Start(
        {}, {{service_.get(), v1::IdempotencyService::service_full_name()}}, metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::IdempotencyService::NewStub(server_->InProcessChannel());
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
    if (executor_) executor_->Stop();
  }

  absl::StatusOr<v1::ClaimIdempotencyKeyResponse> Claim(
      const v1::ClaimIdempotencyKeyRequest& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ClaimIdempotencyKeyResponse response;
    absl::Status status = FromGrpcStatus(stub_->ClaimIdempotencyKey(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  absl::Status Complete(const std::string& key, const std::string& token,
                        const v1::StoredResponse& answer) {
    v1::CompleteIdempotencyKeyRequest request;
    request.set_scope("admin POST /v1/customers");
    request.set_key(key);
    request.set_claim_token(token);
    *request.mutable_response() = answer;
    grpc::ClientContext context;
    v1::CompleteIdempotencyKeyResponse response;
    return FromGrpcStatus(stub_->CompleteIdempotencyKey(&context, request, &response));
  }

  absl::Status Release(const std::string& key, const std::string& token) {
    v1::ReleaseIdempotencyKeyRequest request;
    request.set_scope("admin POST /v1/customers");
    request.set_key(key);
    request.set_claim_token(token);
    grpc::ClientContext context;
    v1::ReleaseIdempotencyKeyResponse response;
    return FromGrpcStatus(stub_->ReleaseIdempotencyKey(&context, request, &response));
  }

  int64_t Rows(const std::string& where = "true") {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    return tx.exec1("SELECT count(*) FROM idempotency_records WHERE " + where)[0].as<int64_t>();
  }

  testing::PgTestDatabase db_{"idempotency"};
  Metrics metrics_{"order-service", "test"};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgIdempotencyStore> store_;
  std::unique_ptr<BoundedExecutor> executor_;
  std::unique_ptr<IdempotencyServiceImpl> service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::IdempotencyService::Stub> stub_;
};

TEST_F(IdempotencyRecordsTest, AKeyIsClaimedOnceThenReplaysItsAnswer) {
  auto first = Claim(ClaimRequest("key-1", 'a'));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->outcome(), v1::CLAIM_OUTCOME_CLAIMED);
  EXPECT_FALSE(first->taken_over());
  ASSERT_FALSE(first->claim_token().empty());

  // While it runs: the same request is in progress, another one a mismatch.
  auto running = Claim(ClaimRequest("key-1", 'a'));
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(running->outcome(), v1::CLAIM_OUTCOME_IN_PROGRESS);
  EXPECT_TRUE(running->claim_token().empty());
  auto other = Claim(ClaimRequest("key-1", 'b'));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->outcome(), v1::CLAIM_OUTCOME_MISMATCH);

  // Another scope is another key.
  auto elsewhere_request = ClaimRequest("key-1", 'b');
  elsewhere_request.set_scope("jwt: POST /v1/customers");
  auto elsewhere = Claim(elsewhere_request);
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_EQ(elsewhere->outcome(), v1::CLAIM_OUTCOME_CLAIMED);

  const v1::StoredResponse answer = Answer(201, R"({"id":"c-1"})");
  ASSERT_TRUE(Complete("key-1", first->claim_token(), answer).ok());
  auto replay = Claim(ClaimRequest("key-1", 'a'));
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->outcome(), v1::CLAIM_OUTCOME_COMPLETED);
  EXPECT_EQ(replay->response().SerializeAsString(), answer.SerializeAsString());
  auto changed = Claim(ClaimRequest("key-1", 'b'));
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->outcome(), v1::CLAIM_OUTCOME_MISMATCH);

  // A completed record is neither completed again nor released.
  EXPECT_EQ(ReasonOf(Complete("key-1", first->claim_token(), Answer(500, ""))),
            "IDEMPOTENCY_CLAIM_LOST");
  EXPECT_EQ(ReasonOf(Release("key-1", first->claim_token())), "IDEMPOTENCY_CLAIM_LOST");
  EXPECT_EQ(Claim(ClaimRequest("key-1", 'a'))->response().body(), R"({"id":"c-1"})");
}

TEST_F(IdempotencyRecordsTest, AReleasedClaimLetsTheRequestRunAgain) {
  auto first = Claim(ClaimRequest("key-2", 'a'));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->outcome(), v1::CLAIM_OUTCOME_CLAIMED);
  // Only the claim's own token releases it.
  EXPECT_EQ(ReasonOf(Release("key-2", "00000000-0000-4000-8000-000000000001")),
            "IDEMPOTENCY_CLAIM_LOST");
  ASSERT_TRUE(Release("key-2", first->claim_token()).ok());
  EXPECT_EQ(Rows(), 0);
  // Forgotten: even another body may use the key now.
  auto again = Claim(ClaimRequest("key-2", 'b'));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome(), v1::CLAIM_OUTCOME_CLAIMED);
  EXPECT_NE(again->claim_token(), first->claim_token());
}

TEST_F(IdempotencyRecordsTest, AClaimPastItsLeaseIsTakenOverAndTheOldClaimLosesIt) {
  auto first = Claim(ClaimRequest("key-3", 'a', 1));
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->outcome(), v1::CLAIM_OUTCOME_CLAIMED);
  // Its lease (1 ms, on the database clock) passes: the next claim of the same request takes
  // it over.
  absl::StatusOr<v1::ClaimIdempotencyKeyResponse> second;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    second = Claim(ClaimRequest("key-3", 'a'));
    ASSERT_TRUE(second.ok()) << second.status();
  } while (second->outcome() == v1::CLAIM_OUTCOME_IN_PROGRESS &&
           std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(second->outcome(), v1::CLAIM_OUTCOME_CLAIMED);
  EXPECT_TRUE(second->taken_over());
  EXPECT_NE(second->claim_token(), first->claim_token());
  // The new claim holds it for its own lease; the old one can neither complete nor release.
  EXPECT_EQ(Claim(ClaimRequest("key-3", 'a'))->outcome(), v1::CLAIM_OUTCOME_IN_PROGRESS);
  EXPECT_EQ(ReasonOf(Complete("key-3", first->claim_token(), Answer(201, "old"))),
            "IDEMPOTENCY_CLAIM_LOST");
  EXPECT_EQ(ReasonOf(Release("key-3", first->claim_token())), "IDEMPOTENCY_CLAIM_LOST");
  ASSERT_TRUE(Complete("key-3", second->claim_token(), Answer(201, "new")).ok());
  EXPECT_EQ(Claim(ClaimRequest("key-3", 'a'))->response().body(), "new");
  EXPECT_EQ(Rows("takeovers = 1"), 1);
  // A different request is still a mismatch while the record lives, lease or not.
  EXPECT_EQ(Claim(ClaimRequest("key-3", 'b'))->outcome(), v1::CLAIM_OUTCOME_MISMATCH);
}

TEST_F(IdempotencyRecordsTest, ConcurrentClaimsOfOneKeyHaveExactlyOneWinner) {
  constexpr int kClaims = 8;
  std::vector<absl::StatusOr<v1::ClaimIdempotencyKeyResponse>> results(kClaims);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClaims; ++i) {
    threads.emplace_back([&, i] { results[i] = Claim(ClaimRequest("key-4", 'a')); });
  }
  for (auto& thread : threads) thread.join();
  int claimed = 0;
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    if (result->outcome() == v1::CLAIM_OUTCOME_CLAIMED) {
      ++claimed;
    } else {
      EXPECT_EQ(result->outcome(), v1::CLAIM_OUTCOME_IN_PROGRESS);
    }
  }
  EXPECT_EQ(claimed, 1);
}

TEST_F(IdempotencyRecordsTest, ExpiredRecordsCountAsNoneAndAreSwept) {
  // Records that live 1 ms.
  PgIdempotencyStore short_lived(*pool_, std::chrono::milliseconds(1));
  v1::ClaimIdempotencyKeyResponse claimed;
  ASSERT_TRUE(short_lived.Claim(ClaimRequest("key-5", 'a'), &claimed).ok());
  ASSERT_EQ(claimed.outcome(), v1::CLAIM_OUTCOME_CLAIMED);
  v1::CompleteIdempotencyKeyRequest complete;
  complete.set_scope("admin POST /v1/customers");
  complete.set_key("key-5");
  complete.set_claim_token(claimed.claim_token());
  *complete.mutable_response() = Answer(201, "first");
  // Completed before it expired, or refused because it expired: either way, once expired,
  // another request may use the key as a fresh one.
  absl::Status completed = short_lived.Complete(complete);
  EXPECT_TRUE(completed.ok() || ReasonOf(completed) == "IDEMPOTENCY_CLAIM_LOST") << completed;
  v1::ClaimIdempotencyKeyResponse renewed;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    ASSERT_TRUE(short_lived.Claim(ClaimRequest("key-5", 'b'), &renewed).ok());
  } while (renewed.outcome() != v1::CLAIM_OUTCOME_CLAIMED &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(renewed.outcome(), v1::CLAIM_OUTCOME_CLAIMED);
  EXPECT_FALSE(renewed.taken_over());

  // The sweep deletes what expired and keeps what lives.
  for (const char* key : {"old-1", "old-2", "old-3"}) {
    ASSERT_TRUE(short_lived.Claim(ClaimRequest(key, 'a'), &claimed).ok());
  }
  ASSERT_TRUE(store_->Claim(ClaimRequest("young", 'a'), &claimed).ok());
  int64_t swept = 0;
  while (Rows("expires_at <= now()") < 4 && std::chrono::steady_clock::now() < deadline) {
  }
  auto first = store_->SweepExpired(2);
  ASSERT_TRUE(first.ok()) << first.status();
  swept += *first;
  EXPECT_EQ(*first, 2) << "bounded by the batch";
  auto rest = store_->SweepExpired(100);
  ASSERT_TRUE(rest.ok());
  swept += *rest;
  EXPECT_EQ(swept, 4);
  EXPECT_EQ(Rows(), 1);
  EXPECT_EQ(Rows("key = 'young'"), 1);
}

}  // namespace
}  // namespace oms::order
