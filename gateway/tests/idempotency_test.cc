// Idempotency-Key in the pipeline, with an in-memory record store: the first answer is stored
// and replayed, the same key with another request is 422, a repeat while the first runs is 409,
// answers that say nothing ran are not stored, keys are scoped by client and route, a route whose
// backend keeps the key is never claimed here, and a store that cannot be reached fails closed.
#include "gateway/src/idempotency.h"

#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/status.h"
#include "gateway/src/error_mapping.h"
#include "gateway/src/gateway.h"
#include "gateway/tests/test_keys.h"
#include "gateway/tests/test_verifier.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms::gateway {
namespace {

constexpr char kAdminKey[] = "Bearer admin-key-for-tests-0001";

// Keeps records in a map and answers at once, as order-service's IdempotencyService would.
class MemoryIdempotencyStore final : public IdempotencyStore {
 public:
  struct Record {
    std::string fingerprint;
    std::string token;
    bool completed = false;
    Response answer;
  };

  void ClaimKey(const Claim& claim, ClaimDone done) override {
    ++claims;
    if (unavailable) {
      done(absl::UnavailableError("order-service is down"));
      return;
    }
    last_claim = claim;
    const auto id = std::make_pair(claim.scope, claim.key);
    auto it = records.find(id);
    ClaimResult result;
    if (it == records.end()) {
      const std::string token = "token-" + std::to_string(++tokens);
      records[id] = Record{claim.fingerprint, token, false, {}};
      result.outcome = Outcome::kClaimed;
      result.token = token;
    } else if (it->second.fingerprint != claim.fingerprint) {
      result.outcome = Outcome::kMismatch;
    } else if (it->second.completed) {
      result.outcome = Outcome::kCompleted;
      result.answer = it->second.answer;
    } else {
      result.outcome = Outcome::kInProgress;
    }
    done(std::move(result));
  }

  void Complete(const Claim& claim, const std::string& token, const Response& answer,
                Done done) override {
    auto it = records.find({claim.scope, claim.key});
    if (it == records.end() || it->second.token != token) {
      done(absl::FailedPreconditionError("claim lost"));
      return;
    }
    it->second.completed = true;
    it->second.answer = answer;
    done(absl::OkStatus());
  }

  void Release(const Claim& claim, const std::string& token, Done done) override {
    ++releases;
    auto it = records.find({claim.scope, claim.key});
    if (it != records.end() && it->second.token == token) records.erase(it);
    done(absl::OkStatus());
  }

  std::map<std::pair<std::string, std::string>, Record> records;
  Claim last_claim;
  int claims = 0;
  int releases = 0;
  int tokens = 0;
  bool unavailable = false;
};

class IdempotencyPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto verifier = testing::MakeTestVerifier(Key());
    ASSERT_TRUE(verifier.ok());
    auto store = std::make_unique<MemoryIdempotencyStore>();
    store_ = store.get();
    gateway_ = std::make_unique<Gateway>(
        GatewayOptions{},
        std::make_unique<Authenticator>("admin-key-for-tests-0001", std::move(*verifier)), nullptr,
        std::move(store));

    RouteSpec create;
    create.method = "POST";
    create.path = "/v1/things/{id}";
    // A scope a customer's token may hold, so that a customer can be another client.
    create.access.scope = kScopeOrdersWrite;
    create.body = inventory::v1::Product::descriptor();
    create.success_status = 201;
    create.deadline = std::chrono::milliseconds(3000);
    create.handler = [this](std::shared_ptr<Exchange> exchange) {
      ++handled_;
      if (hold_) {
        held_ = exchange;
        return;
      }
      Answer(*exchange);
    };
    ASSERT_TRUE(gateway_->AddRoute(std::move(create)).ok());

    // A backend that keeps the key's record itself: asked every time, the gateway's store never.
    RouteSpec by_backend = RouteSpec();
    by_backend.method = "POST";
    by_backend.path = "/v1/orders-like";
    by_backend.access.scope = kScopeCatalogWrite;
    by_backend.idempotency_key = IdempotencyKey::kRequired;
    by_backend.idempotency_record = IdempotencyRecord::kBackend;
    by_backend.body = inventory::v1::Product::descriptor();
    by_backend.body_optional = true;
    by_backend.handler = [this](std::shared_ptr<Exchange> exchange) {
      ++handled_;
      if (next_status_ >= 400) {
        exchange->Fail(next_error_);
        return;
      }
      exchange->ReplyJson(handled_ == 1 ? 202 : 200, nlohmann::json{{"run", handled_}}.dump());
    };
    ASSERT_TRUE(gateway_->AddRoute(std::move(by_backend)).ok());

    RouteSpec secret;
    secret.method = "POST";
    secret.path = "/v1/secrets";
    secret.access.scope = kScopeAdmin;
    secret.secret_answer = true;
    secret.body = inventory::v1::Product::descriptor();
    secret.body_optional = true;
    secret.handler = [this](std::shared_ptr<Exchange> exchange) {
      ++handled_;
      if (exchange->request().body == "bad") {
        exchange->Fail(WithReason(absl::StatusCode::kNotFound, "CUSTOMER_NOT_FOUND", "no"));
        return;
      }
      exchange->ReplyJson(201, R"({"secret":"oms_shown_once"})");
    };
    ASSERT_TRUE(gateway_->AddRoute(std::move(secret)).ok());
  }

  // 201 with a fresh serial number, or what the test asked for.
  void Answer(Exchange& exchange) {
    if (next_status_ >= 400) {
      exchange.Fail(next_error_);
      return;
    }
    Response response;
    response.status = 201;
    response.SetHeader("Content-Type", "application/json");
    response.SetHeader("Location", "/v1/things/" + exchange.param("id"));
    response.body = nlohmann::json{{"serial", ++serial_}}.dump();
    exchange.Reply(std::move(response));
  }

  static const testing::TestKey& Key() {
    static const testing::TestKey key = testing::MakeRsaKey("k");
    return key;
  }

  Response Call(Request request) {
    Response out;
    gateway_->Handle(std::move(request), [&](Response response) { out = std::move(response); });
    return out;
  }

  static Request Post(const std::string& key, const std::string& body = R"({"sku":"A"})",
                      const std::string& id = "t1", const std::string& authorization = kAdminKey) {
    Request request;
    request.method = "POST";
    request.target = "/v1/things/" + id;
    request.headers = {{"Authorization", authorization}, {"Content-Type", "application/json"}};
    if (!key.empty()) request.headers.emplace_back("Idempotency-Key", key);
    request.body = body;
    return request;
  }

  static std::string Reason(const Response& response) {
    return nlohmann::json::parse(response.body)["error"]["reason"];
  }

  static const std::string* Replayed(const Response& response) {
    return FindHeader(response.headers, kReplayedHeader);
  }

  std::unique_ptr<Gateway> gateway_;
  MemoryIdempotencyStore* store_ = nullptr;
  int handled_ = 0;
  int serial_ = 0;
  int next_status_ = 201;
  absl::Status next_error_;
  bool hold_ = false;
  std::shared_ptr<Exchange> held_;
};

TEST_F(IdempotencyPipelineTest, TheFirstAnswerIsStoredAndReplayedWithoutRunningAgain) {
  Response first = Call(Post("key-1"));
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(Replayed(first), nullptr);
  Response again = Call(Post("key-1"));
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  ASSERT_NE(Replayed(again), nullptr);
  EXPECT_EQ(*Replayed(again), "true");
  EXPECT_EQ(*FindHeader(again.headers, "Location"), "/v1/things/t1");
  EXPECT_EQ(*FindHeader(again.headers, "Content-Type"), "application/json");
  // The replay is the new request's exchange: its own request id.
  EXPECT_NE(*FindHeader(again.headers, "X-Request-Id"), *FindHeader(first.headers, "X-Request-Id"));
  EXPECT_EQ(handled_, 1);

  // The claim named the client and route, and leased for the deadline plus the margin.
  EXPECT_EQ(store_->last_claim.scope, "admin POST /v1/things/{id}");
  EXPECT_EQ(store_->last_claim.key, "key-1");
  EXPECT_EQ(store_->last_claim.fingerprint.size(), 32u);
  EXPECT_EQ(store_->last_claim.lease, std::chrono::milliseconds(3000 + 10000));
  // What is stored carries no exchange headers.
  const Response& stored = store_->records.begin()->second.answer;
  EXPECT_EQ(FindHeader(stored.headers, "X-Request-Id"), nullptr);

  // Without a key, every request runs.
  EXPECT_EQ(Call(Post("")).status, 201);
  EXPECT_EQ(Call(Post("")).status, 201);
  EXPECT_EQ(handled_, 3);
}

TEST_F(IdempotencyPipelineTest, TheSameKeyWithAnotherRequestIs422) {
  ASSERT_EQ(Call(Post("key-2")).status, 201);
  for (const Request& other : {Post("key-2", R"({"sku":"B"})"), Post("key-2", R"({"sku": "A"})"),
                               Post("key-2", R"({"sku":"A"})", "t2")}) {
    Response refused = Call(other);
    EXPECT_EQ(refused.status, 422) << refused.body;
    EXPECT_EQ(Reason(refused), "IDEMPOTENCY_KEY_REUSED");
  }
  EXPECT_EQ(handled_, 1);
}

TEST_F(IdempotencyPipelineTest, ARepeatWhileTheFirstRunsIs409) {
  hold_ = true;
  Response first;
  gateway_->Handle(Post("key-3"), [&](Response response) { first = std::move(response); });
  ASSERT_NE(held_, nullptr);
  Response repeat = Call(Post("key-3"));
  EXPECT_EQ(repeat.status, 409);
  EXPECT_EQ(Reason(repeat), "IDEMPOTENCY_KEY_IN_USE");
  EXPECT_EQ(*FindHeader(repeat.headers, "Retry-After"), "1");
  // Another request with the key is refused as reused, running or not.
  EXPECT_EQ(Call(Post("key-3", R"({"sku":"B"})")).status, 422);
  hold_ = false;
  Answer(*held_);
  held_.reset();
  EXPECT_EQ(first.status, 201);
  Response replay = Call(Post("key-3"));
  EXPECT_EQ(replay.body, first.body);
  EXPECT_NE(Replayed(replay), nullptr);
  EXPECT_EQ(handled_, 1);
}

TEST_F(IdempotencyPipelineTest, AnswersThatSayNothingRanAreNotStored) {
  struct Case {
    absl::Status error;
    int status;
  };
  const std::vector<Case> cases = {
      {InvalidField("sku", "is bad"), 400},
      {WithReason(absl::StatusCode::kFailedPrecondition, "RETURN_SHIPMENT_PENDING", "later"), 409},
      {absl::ResourceExhaustedError("busy"), 429},
      {absl::UnavailableError("down"), 503},
      {absl::DeadlineExceededError("slow"), 504},
      {absl::InternalError("bug"), 500},
  };
  int key = 0;
  for (const Case& c : cases) {
    const std::string name = "nothing-ran-" + std::to_string(++key);
    next_status_ = 500;
    next_error_ = c.error;
    Response refused = Call(Post(name));
    EXPECT_EQ(refused.status, c.status) << refused.body;
    EXPECT_TRUE(store_->records.empty()) << c.status << " was stored";
    // A retry runs again, even with a corrected body.
    next_status_ = 201;
    Response retried = Call(Post(name, R"({"sku":"C"})"));
    EXPECT_EQ(retried.status, 201) << c.status;
    EXPECT_EQ(Replayed(retried), nullptr);
    store_->records.clear();
  }
  EXPECT_EQ(store_->releases, static_cast<int>(cases.size()));

  // A final refusal is stored and replayed.
  next_status_ = 500;
  next_error_ = WithReason(absl::StatusCode::kFailedPrecondition, "RETURN_EXCEEDS_DELIVERED", "no");
  ASSERT_EQ(Call(Post("final-1")).status, 422);
  next_status_ = 201;
  Response replay = Call(Post("final-1"));
  EXPECT_EQ(replay.status, 422);
  EXPECT_EQ(Reason(replay), "RETURN_EXCEEDS_DELIVERED");
  EXPECT_NE(Replayed(replay), nullptr);
}

TEST_F(IdempotencyPipelineTest, KeysBelongToAClientAndARoute) {
  ASSERT_EQ(Call(Post("key-4")).status, 201);
  const std::string token =
      "Bearer " + testing::SignJwt(Key(), "RS256", testing::ValidClaims("cust-9", "orders:write"));
  Response other_client = Call(Post("key-4", R"({"sku":"B"})", "t1", token));
  EXPECT_EQ(other_client.status, 201) << other_client.body;
  EXPECT_EQ(Replayed(other_client), nullptr);
  EXPECT_EQ(store_->last_claim.scope, "jwt:cust-9 POST /v1/things/{id}");
  // A fresh token of the same subject is the same client.
  const std::string again = "Bearer " + testing::SignJwt(Key(), "RS256", [] {
                              auto claims = testing::ValidClaims("cust-9", "orders:write");
                              claims["jti"] = "another-token";
                              return claims;
                            }());
  EXPECT_NE(Replayed(Call(Post("key-4", R"({"sku":"B"})", "t1", again))), nullptr);
  EXPECT_EQ(handled_, 2);
}

TEST_F(IdempotencyPipelineTest, ARouteWhoseBackendKeepsTheKeyIsNeverClaimedHere) {
  Request request = Post("key-5", "");
  request.target = "/v1/orders-like";
  EXPECT_EQ(Call(request).status, 202);
  EXPECT_EQ(Call(request).status, 200);
  EXPECT_EQ(handled_, 2) << "the backend answers every repeat";
  EXPECT_EQ(store_->claims, 0);
  EXPECT_TRUE(store_->records.empty());

  // The backend's refusal of a repeat while the first runs says when to come back.
  next_status_ = 409;
  next_error_ = WithReason(absl::StatusCode::kAborted, "IDEMPOTENCY_KEY_IN_USE", "running");
  Response in_use = Call(request);
  EXPECT_EQ(in_use.status, 409);
  EXPECT_EQ(Reason(in_use), "IDEMPOTENCY_KEY_IN_USE");
  const std::string* retry_after = FindHeader(in_use.headers, "Retry-After");
  ASSERT_NE(retry_after, nullptr);
  EXPECT_EQ(*retry_after, "1");
  next_error_ = WithReason(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED", "no");
  EXPECT_EQ(Call(request).status, 422);

  // The key is still required, and still checked.
  Request keyless = request;
  keyless.headers.pop_back();
  Response missing = Call(keyless);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(Reason(missing), "IDEMPOTENCY_KEY_MISSING");
  EXPECT_EQ(store_->claims, 0);
}

TEST(BackendKeyOutcomeTest, NamesWhatTheBackendSaidOfTheKey) {
  Response replay;
  replay.SetHeader(kReplayedHeader, "true");
  EXPECT_STREQ(BackendKeyOutcome(replay), "replayed");
  EXPECT_STREQ(BackendKeyOutcome(ErrorResponse(
                   WithReason(absl::StatusCode::kAborted, "IDEMPOTENCY_KEY_IN_USE", "m"), "r")),
               "in_use");
  EXPECT_STREQ(
      BackendKeyOutcome(ErrorResponse(
          WithReason(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED", "m"), "r")),
      "mismatch");
  EXPECT_STREQ(BackendKeyOutcome(ErrorResponse(
                   WithReason(absl::StatusCode::kAborted, "ORDER_NOT_CONFIRMED", "m"), "r")),
               "claimed");
  Response garbled;
  garbled.status = 409;
  garbled.body = "{not json";
  EXPECT_STREQ(BackendKeyOutcome(garbled), "claimed");
  Response first;
  first.status = 201;
  EXPECT_STREQ(BackendKeyOutcome(first), "claimed");
}

TEST_F(IdempotencyPipelineTest, ASecretIsShownOnceAndNeverStored) {
  Request request = Post("key-8", "");
  request.target = "/v1/secrets";
  Response first = Call(request);
  EXPECT_EQ(first.status, 201);
  EXPECT_NE(first.body.find("oms_shown_once"), std::string::npos);
  for (const auto& [id, record] : store_->records) {
    EXPECT_EQ(record.answer.body.find("oms_shown_once"), std::string::npos);
  }
  Response repeat = Call(request);
  EXPECT_EQ(repeat.status, 409);
  EXPECT_EQ(Reason(repeat), "SECRET_NOT_REPLAYED");
  EXPECT_EQ(repeat.body.find("oms_shown_once"), std::string::npos);
  EXPECT_NE(Replayed(repeat), nullptr);
  EXPECT_EQ(handled_, 1) << "no second secret";
  // Refusals hold no secret and replay as they were.
  request.headers.back().second = "key-9";
  request.body = "bad";
  EXPECT_EQ(Call(request).status, 404);
  EXPECT_EQ(Reason(Call(request)), "CUSTOMER_NOT_FOUND");
}

TEST_F(IdempotencyPipelineTest, AnUnreachableStoreFailsClosed) {
  store_->unavailable = true;
  Response refused = Call(Post("key-6"));
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(Reason(refused), "IDEMPOTENCY_UNAVAILABLE");
  EXPECT_EQ(handled_, 0);
  // Requests without a key do not need it.
  EXPECT_EQ(Call(Post("")).status, 201);
  // Nor are keys claimed before the pipeline's own checks pass.
  store_->unavailable = false;
  const int claims = store_->claims;
  Request unauthenticated = Post("key-7");
  unauthenticated.headers.erase(unauthenticated.headers.begin());
  EXPECT_EQ(Call(unauthenticated).status, 401);
  Request bad_key = Post("has spaces");
  EXPECT_EQ(Call(bad_key).status, 400);
  EXPECT_EQ(store_->claims, claims);
}

TEST(IdempotencyTest, FingerprintsTellRequestsApart) {
  const std::string base = RequestFingerprint("POST", "/v1/x/{id}", {{"id", "1"}}, "{}");
  EXPECT_EQ(base.size(), 32u);
  EXPECT_EQ(base, RequestFingerprint("POST", "/v1/x/{id}", {{"id", "1"}}, "{}"));
  EXPECT_NE(base, RequestFingerprint("POST", "/v1/x/{id}", {{"id", "2"}}, "{}"));
  EXPECT_NE(base, RequestFingerprint("POST", "/v1/x/{id}", {{"id", "1"}}, "{ }"));
  EXPECT_NE(base, RequestFingerprint("POST", "/v1/y/{id}", {{"id", "1"}}, "{}"));
  EXPECT_NE(base, RequestFingerprint("PUT", "/v1/x/{id}", {{"id", "1"}}, "{}"));
  // Length prefixes: moving bytes from one field to the next is another request.
  EXPECT_NE(RequestFingerprint("POST", "/a", {{"id", "12"}}, "3"),
            RequestFingerprint("POST", "/a", {{"id", "1"}}, "23"));
}

TEST(IdempotencyTest, WhatIsStoredAndHow) {
  auto answer = [](int status) {
    Response response;
    response.status = status;
    return response;
  };
  for (int status : {200, 201, 202, 204, 403, 404, 410, 422}) {
    EXPECT_TRUE(IsStoredAnswer(answer(status))) << status;
  }
  for (int status : {400, 408, 409, 429, 499, 500, 501, 503, 504}) {
    EXPECT_FALSE(IsStoredAnswer(answer(status))) << status;
  }
  Response big = answer(201);
  big.body = std::string(kMaxStoredAnswerBytes + 1, 'x');
  EXPECT_FALSE(IsStoredAnswer(big));
  Response streamed = answer(200);
  streamed.stream = std::make_shared<StreamedBody>();
  EXPECT_FALSE(IsStoredAnswer(streamed));

  Response full = answer(201);
  full.body = "{}";
  full.headers = {{"content-type", "application/json"},
                  {"X-Request-Id", "r"},
                  {"Access-Control-Allow-Origin", "*"},
                  {"Location", "/v1/x/1"}};
  Response stored = StoredAnswer(full);
  EXPECT_EQ(stored.status, 201);
  EXPECT_EQ(stored.body, "{}");
  EXPECT_EQ(stored.headers,
            (Headers{{"content-type", "application/json"}, {"Location", "/v1/x/1"}}));

  Principal principal;
  principal.credential_id = "sub:x";
  EXPECT_EQ(IdempotencyScope(principal, "POST", "/v1/x"), "sub:x POST /v1/x");
  principal.client_id = "jwt:x";
  EXPECT_EQ(IdempotencyScope(principal, "POST", "/v1/x"), "jwt:x POST /v1/x");
}

TEST(IdempotencyTest, AParticipantRequestIdIsTheClientsKeyOnItsRouteOnly) {
  Principal one;
  one.client_id = "client-1";
  Principal two;
  two.client_id = "client-2";
  const std::string id = ParticipantRequestId(one, "POST", "/v1/stock:adjust", "key-1");
  EXPECT_EQ(id, ParticipantRequestId(one, "POST", "/v1/stock:adjust", "key-1"));  // a retry
  EXPECT_NE(id, ParticipantRequestId(two, "POST", "/v1/stock:adjust", "key-1"));
  EXPECT_NE(id, ParticipantRequestId(one, "POST", "/v1/orders/{id}/returns", "key-1"));
  EXPECT_NE(id, ParticipantRequestId(one, "POST", "/v1/stock:adjust", "key-2"));
  // Participants take request ids of up to 128 printable characters.
  EXPECT_EQ(id.size(), 3u + 64u);
  EXPECT_EQ(id.rfind("gw:", 0), 0u);
}

}  // namespace
}  // namespace oms::gateway
