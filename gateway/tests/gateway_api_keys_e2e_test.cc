// API keys through the gateway in front of the real services, over HTTP: a key with an expiry
// works until then and is refused from then on exactly as an unknown key, although the
// gateway's verification cache here keeps answers for a minute (the expiry caps it); a bad
// expiry is refused naming the field and creates nothing; admins list keys page by page without
// any secret, and no one else may; a customer's key or token holds no admin or write scope; the
// create answer is marked Cache-Control: no-store, its replay too.
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "gateway/tests/gateway_client.h"
#include "gateway/tests/gateway_stack.h"
#include "gateway/tests/http_client.h"
#include "gateway/tests/test_keys.h"

namespace oms::gateway {
namespace {

using google::protobuf::util::TimeUtil;
using nlohmann::json;
using testing::Admin;
using testing::Bearer;
using testing::Body;
using testing::Call;
using testing::HttpAnswer;
using testing::Reason;
using testing::Token;
using Clock = std::chrono::system_clock;

constexpr char kAdminKey[] = "api-keys-e2e-bootstrap-admin-key-0123";

struct Env {
  testing::GatewayStack stack;
  testing::TestKey key;
};
Env* env = nullptr;

// RFC 3339 with milliseconds, as a client writes it.
std::string Rfc3339(Clock::time_point time) {
  return TimeUtil::ToString(TimeUtil::MillisecondsToTimestamp(
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count()));
}

Clock::time_point ParseTime(const json& text) {
  google::protobuf::Timestamp parsed;
  EXPECT_TRUE(TimeUtil::FromString(text.get<std::string>(), &parsed)) << text;
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::microseconds(TimeUtil::TimestampToMicroseconds(parsed))));
}

// Creates a key (admin); the whole answer.
HttpAnswer CreateKey(json body, std::vector<std::string> headers = {}) {
  return Admin("POST", "/v1/apiKeys", body.dump(), std::move(headers));
}

// Every key, page after page of `page_size` (admin); the raw pages too, for what they must not
// hold.
std::vector<json> ListAll(int page_size, std::vector<std::string>* bodies = nullptr) {
  std::vector<json> keys;
  std::string token;
  for (int pages = 0; pages < 100; ++pages) {
    std::string path = "/v1/apiKeys?pageSize=" + std::to_string(page_size);
    if (!token.empty()) path += "&pageToken=" + token;
    HttpAnswer page = Admin("GET", path);
    EXPECT_EQ(page.status, 200) << page.body;
    if (page.status != 200) break;
    if (bodies != nullptr) bodies->push_back(page.body);
    const json parsed = Body(page);
    EXPECT_LE(parsed["apiKeys"].size(), static_cast<std::size_t>(page_size));
    for (const auto& key : parsed["apiKeys"]) keys.push_back(key);
    token = parsed.value("nextPageToken", "");
    if (token.empty()) break;
  }
  return keys;
}

class GatewayApiKeysE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->key = testing::MakeRsaKey("api-keys-e2e-key");
    testing::UseGateway(env->stack, env->key, kAdminKey);
    // A cache far longer than any expiry below: a key that stops on time shows the cap.
    absl::Status started =
        env->stack.Start(kAdminKey, {&env->key}, {{"OMS_GATEWAY_API_KEY_CACHE_SECONDS", "60"}});
    ASSERT_TRUE(started.ok()) << started;
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }
};

TEST_F(GatewayApiKeysE2eTest, AnExpiringKeyWorksUntilItsExpiryThenIsRefusedAsAnUnknownOne) {
  ASSERT_NE(env, nullptr);
  const Clock::time_point expiry = Clock::now() + std::chrono::seconds(2);
  HttpAnswer created = CreateKey(
      {{"name", "short-lived"}, {"scopes", {"orders:read"}}, {"expireTime", Rfc3339(expiry)}});
  ASSERT_EQ(created.status, 201) << created.body;
  const json key = Body(created)["key"];
  EXPECT_EQ(
      std::chrono::duration_cast<std::chrono::milliseconds>(ParseTime(key["expireTime"]) - expiry)
          .count(),
      0)
      << key.dump();
  const std::string secret = Body(created)["secret"];

  // Verified, and so cached, well before its expiry.
  HttpAnswer works = Call("GET", "/v1/products", {Bearer(secret)});
  ASSERT_EQ(works.status, 200) << works.body;
  ASSERT_LT(Clock::now(), expiry) << "the machine was too slow to see the key work";

  HttpAnswer refused;
  Clock::time_point refused_at;
  const Clock::time_point give_up = expiry + std::chrono::seconds(15);
  do {
    refused = Call("GET", "/v1/products", {Bearer(secret)});
    refused_at = Clock::now();
    if (refused.status != 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (refused_at < give_up);
  ASSERT_EQ(refused.status, 401) << refused.body;
  EXPECT_GE(refused_at, expiry) << "refused before its expiry";
  // The cache keeps answers for 60 s; the expiry cut that short.
  EXPECT_LT(refused_at, expiry + std::chrono::seconds(3));
  EXPECT_EQ(refused.headers["www-authenticate"].rfind("Bearer", 0), 0u);

  // Nothing tells an expired key from one nobody issued.
  HttpAnswer unknown = Call("GET", "/v1/products", {Bearer("oms_" + std::string(64, 'b'))});
  ASSERT_EQ(unknown.status, 401);
  EXPECT_EQ(Reason(refused), Reason(unknown));
  EXPECT_EQ(Body(refused)["error"]["message"], Body(unknown)["error"]["message"]);
  EXPECT_EQ(refused.headers["www-authenticate"], unknown.headers["www-authenticate"]);

  // Listed as it is: expired, not revoked.
  bool listed = false;
  for (const json& each : ListAll(500)) {
    if (each["id"] != key["id"]) continue;
    listed = true;
    EXPECT_EQ(each["expireTime"], key["expireTime"]);
    EXPECT_FALSE(each.contains("revokeTime")) << each.dump();
  }
  EXPECT_TRUE(listed);
}

TEST_F(GatewayApiKeysE2eTest, ABadExpiryIsRefusedNamingTheFieldAndCreatesNothing) {
  ASSERT_NE(env, nullptr);
  const std::size_t before = ListAll(500).size();
  const std::vector<json> bad = {
      "2020-01-01T00:00:00Z",                           // past
      Rfc3339(Clock::now() - std::chrono::seconds(1)),  // just past
      Rfc3339(Clock::now() + std::chrono::hours(24 * 731)),
      "tomorrow",
      "2030-13-45T00:00:00Z",
      12345,
  };
  for (const json& expiry : bad) {
    HttpAnswer refused =
        CreateKey({{"name", "bad expiry"}, {"scopes", {"orders:read"}}, {"expireTime", expiry}});
    EXPECT_EQ(refused.status, 400) << expiry << ": " << refused.body;
    const std::string message = Body(refused)["error"].value("message", "");
    EXPECT_TRUE(absl::StrContains(message, "expire_time") ||
                absl::StrContains(message, "expireTime"))
        << expiry << ": " << message;
  }
  EXPECT_EQ(ListAll(500).size(), before);
}

// A credential bound to a customer holds only that customer's order scopes: a key asking for
// more is refused naming `scopes` and nothing is created; a token claiming more is refused 403
// (no challenge: the issuer, not the client, is at fault), while scopes the gateway does not
// know are ignored.
TEST_F(GatewayApiKeysE2eTest, ACustomersKeyOrTokenHoldsNoAdminOrWriteScopes) {
  ASSERT_NE(env, nullptr);
  const std::string customer = testing::CreateCustomer("Tina Tenant", "tina@example.com");
  ASSERT_FALSE(customer.empty());
  const std::size_t before = ListAll(500).size();
  for (const std::string scope : {"admin", "catalog:write", "shipments:write"}) {
    HttpAnswer refused = CreateKey(
        {{"name", "overreaching"}, {"scopes", {"orders:read", scope}}, {"customerId", customer}});
    EXPECT_EQ(refused.status, 400) << scope << ": " << refused.body;
    const std::string message = Body(refused)["error"].value("message", "");
    EXPECT_EQ(message.rfind("scopes", 0), 0u) << message;
    EXPECT_TRUE(absl::StrContains(message, scope)) << message;

    HttpAnswer token = Call("GET", "/v1/orders", {Bearer(Token(customer, "orders:read " + scope))});
    EXPECT_EQ(token.status, 403) << scope << ": " << token.body;
    EXPECT_EQ(Reason(token), "SCOPE_NOT_ALLOWED_FOR_CUSTOMER");
    EXPECT_EQ(token.headers.count("www-authenticate"), 0u);
  }
  EXPECT_EQ(ListAll(500).size(), before);
  HttpAnswer bound = CreateKey({{"name", "tina's app"},
                                {"scopes", {"orders:read", "orders:write"}},
                                {"customerId", customer}});
  EXPECT_EQ(bound.status, 201) << bound.body;
  HttpAnswer unknown_scopes =
      Call("GET", "/v1/orders", {Bearer(Token(customer, "orders:read profile email"))});
  EXPECT_EQ(unknown_scopes.status, 200) << unknown_scopes.body;
}

TEST_F(GatewayApiKeysE2eTest, AdminsListKeysPageByPageWithoutSecrets) {
  ASSERT_NE(env, nullptr);
  const std::string customer = testing::CreateCustomer("Erika Mustermann", "erika@example.com");
  ASSERT_FALSE(customer.empty());
  const Clock::time_point expiry = Clock::now() + std::chrono::hours(24);
  std::map<std::string, json> made;  // by id
  std::vector<std::string> secrets;
  for (const json& body : {json{{"name", "list plain"}, {"scopes", {"orders:read"}}},
                           json{{"name", "list bound"},
                                {"scopes", {"orders:read", "orders:write"}},
                                {"customerId", customer},
                                {"expireTime", Rfc3339(expiry)}},
                           json{{"name", "list revoked"}, {"scopes", {"catalog:write"}}}}) {
    HttpAnswer created = CreateKey(body);
    ASSERT_EQ(created.status, 201) << created.body;
    made[Body(created)["key"]["id"]] = Body(created)["key"];
    secrets.push_back(Body(created)["secret"]);
  }
  std::string revoked_id;
  for (const auto& [id, key] : made) {
    if (key["name"] == "list revoked") revoked_id = id;
  }
  HttpAnswer revoked = Admin("DELETE", "/v1/apiKeys/" + revoked_id);
  ASSERT_EQ(revoked.status, 200) << revoked.body;

  std::vector<std::string> pages;
  const std::vector<json> listed = ListAll(2, &pages);
  EXPECT_GE(pages.size(), 2u);
  std::set<std::string> ids;
  std::size_t found = 0;
  for (const json& key : listed) {
    EXPECT_TRUE(ids.insert(key["id"]).second) << "listed twice: " << key.dump();
    for (const auto& [field, value] : key.items()) {
      const std::string lower = absl::AsciiStrToLower(field);
      EXPECT_FALSE(absl::StrContains(lower, "secret") || absl::StrContains(lower, "hash")) << field;
    }
    auto it = made.find(key["id"]);
    if (it == made.end()) continue;
    ++found;
    const json& want = it->second;
    EXPECT_EQ(key["name"], want["name"]);
    EXPECT_EQ(key["scopes"], want["scopes"]);
    EXPECT_EQ(key["customerId"], want["customerId"]);
    EXPECT_EQ(key["createTime"], want["createTime"]);
    EXPECT_EQ(key.contains("expireTime"), want.contains("expireTime")) << key.dump();
    EXPECT_EQ(key.contains("revokeTime"), key["id"] == revoked_id) << key.dump();
  }
  EXPECT_EQ(found, 3u);
  // Newest first: the three made last lead the list, the last made first.
  ASSERT_GE(listed.size(), 3u);
  EXPECT_EQ(listed[0]["name"], "list revoked");
  EXPECT_EQ(listed[1]["name"], "list bound");
  EXPECT_EQ(listed[1]["customerId"], customer);
  EXPECT_EQ(listed[2]["name"], "list plain");
  for (const std::string& page : pages) {
    for (const std::string& secret : secrets) {
      EXPECT_FALSE(absl::StrContains(page, secret.substr(4))) << "a secret was listed";
    }
  }

  HttpAnswer bad_size = Admin("GET", "/v1/apiKeys?pageSize=-1");
  EXPECT_EQ(bad_size.status, 400) << bad_size.body;
  EXPECT_TRUE(absl::StrContains(bad_size.body, "page_size")) << bad_size.body;
  HttpAnswer bad_token = Admin("GET", "/v1/apiKeys?pageToken=not-ours");
  EXPECT_EQ(bad_token.status, 400) << bad_token.body;
  EXPECT_TRUE(absl::StrContains(bad_token.body, "page_token")) << bad_token.body;

  // Only admins: a key or a token with every other scope is refused, no credential too.
  const std::string bound_secret = secrets[1];
  for (const std::string& credential :
       {Bearer(bound_secret),
        Bearer(Token("", "orders:read orders:write catalog:write shipments:write"))}) {
    HttpAnswer forbidden = Call("GET", "/v1/apiKeys", {credential});
    EXPECT_EQ(forbidden.status, 403) << forbidden.body;
    EXPECT_EQ(Reason(forbidden), "MISSING_SCOPE");
    EXPECT_FALSE(Body(forbidden).contains("apiKeys"));
  }
  EXPECT_EQ(Call("GET", "/v1/apiKeys").status, 401);
}

TEST_F(GatewayApiKeysE2eTest, EveryCreateAnswerIsMarkedNoStoreAndOthersAreNot) {
  ASSERT_NE(env, nullptr);
  const json body = {{"name", "no-store"}, {"scopes", {"orders:read"}}};
  HttpAnswer created = CreateKey(body, {"Idempotency-Key: no-store-1"});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers["cache-control"], "no-store");
  // The replay refuses to show the secret again, and is not to be kept either.
  HttpAnswer replay = CreateKey(body, {"Idempotency-Key: no-store-1"});
  EXPECT_EQ(replay.status, 409) << replay.body;
  EXPECT_EQ(Reason(replay), "SECRET_NOT_REPLAYED");
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  EXPECT_EQ(replay.headers["cache-control"], "no-store");
  HttpAnswer refused = CreateKey({{"name", ""}, {"scopes", {"orders:read"}}});
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.headers["cache-control"], "no-store");
  // A route without a secret keeps its usual headers.
  EXPECT_EQ(Admin("GET", "/v1/apiKeys?pageSize=1").headers.count("cache-control"), 0u);
}

}  // namespace
}  // namespace oms::gateway
