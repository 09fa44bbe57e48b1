// API keys: the request and secret validation (no database), and PgApiKeyStore on a real
// PostgreSQL: only the secret's hash is stored, a key verifies until revoked or expired, unknown
// secrets and customers are refused, and the list pages newest first without secrets.
#include "order-service/src/api_keys.h"

#include <set>

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/time/clock.h"
#include "common/pg_pool.h"
#include "common/status.h"
#include "common/testing/pg_test_database.h"
#include "order-service/src/customer_store.h"
#include "order-service/src/order_database.h"
#include "order-service/src/order_validation.h"
#include "order-service/src/schema.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

// A fixed "now" for validation: 2030-01-01T00:00:00Z.
const absl::Time kNow = absl::FromUnixSeconds(1893456000);

google::protobuf::Timestamp At(absl::Time time) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(time));
}

v1::CreateApiKeyRequest KeyRequest(std::vector<std::string> scopes,
                                   const std::string& customer_id = "") {
  v1::CreateApiKeyRequest request;
  request.set_name("shop frontend");
  for (auto& scope : scopes) request.add_scopes(scope);
  request.set_customer_id(customer_id);
  return request;
}

TEST(ApiKeyValidationTest, RefusesBadRequestsNamingTheField) {
  EXPECT_TRUE(ValidateCreateApiKey(KeyRequest({"orders:read", "orders:write"}), kNow).ok());
  struct Case {
    v1::CreateApiKeyRequest request;
    std::string field;
  };
  v1::CreateApiKeyRequest nameless = KeyRequest({"orders:read"});
  nameless.set_name("");
  const std::vector<Case> cases = {
      {nameless, "name"},
      {KeyRequest({}), "scopes"},
      {KeyRequest({"orders:read", "orders:delete"}), "scopes[1]"},
      {KeyRequest({"orders:read", "orders:read"}), "scopes[1]"},
      {KeyRequest({"orders:read orders:write"}), "scopes[0]"},
      {KeyRequest({"orders:read"}, "not-a-uuid"), "customer_id"},
  };
  for (const Case& bad : cases) {
    absl::Status status = ValidateCreateApiKey(bad.request, kNow);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad.field;
    EXPECT_NE(status.message().find(bad.field), absl::string_view::npos) << status;
  }
}

// A customer's key acts for that customer alone: the scopes that reach the catalog, shipments
// or every customer's data are refused together with a customer, whichever their position.
TEST(ApiKeyValidationTest, AKeyBoundToACustomerHoldsOnlyOrderScopes) {
  const std::string customer = "7d4a4c6e-2b1f-4f3a-9a52-0c1e5b7d9f10";
  EXPECT_TRUE(
      ValidateCreateApiKey(KeyRequest({"orders:read", "orders:write"}, customer), kNow).ok());
  for (const std::string scope : {"admin", "catalog:write", "shipments:write"}) {
    EXPECT_TRUE(ValidateCreateApiKey(KeyRequest({scope}), kNow).ok()) << scope;
    absl::Status status = ValidateCreateApiKey(KeyRequest({"orders:read", scope}, customer), kNow);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << scope;
    EXPECT_EQ(status.message().rfind("scopes", 0), 0u) << status;
    EXPECT_NE(status.message().find(scope), absl::string_view::npos) << status;
  }
}

// A warehouse binding narrows shipments:write; it means nothing on a key without that scope
// and would be undone by admin.
TEST(ApiKeyValidationTest, AWarehouseBindsOnlyAShipmentsWriteKeyWithoutAdmin) {
  const std::string warehouse = "11111111-1111-4111-8111-111111111111";
  v1::CreateApiKeyRequest request = KeyRequest({"shipments:write", "orders:read"});
  request.set_warehouse_id(warehouse);
  EXPECT_TRUE(ValidateCreateApiKey(request, kNow).ok());
  for (const std::vector<std::string>& scopes :
       std::vector<std::vector<std::string>>{{"orders:read"}, {"shipments:write", "admin"}}) {
    v1::CreateApiKeyRequest bad = KeyRequest(scopes);
    bad.set_warehouse_id(warehouse);
    absl::Status status = ValidateCreateApiKey(bad, kNow);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << scopes.size();
    EXPECT_EQ(status.message().rfind("warehouse_id", 0), 0u) << status;
  }
  request.set_warehouse_id("warehouse-1");
  EXPECT_EQ(ValidateCreateApiKey(request, kNow).message().rfind("warehouse_id", 0), 0u);
}

TEST(ApiKeyValidationTest, AnExpiryIsInTheFutureAndAtMost730DaysAhead) {
  v1::CreateApiKeyRequest request = KeyRequest({"orders:read"});
  for (absl::Time fine : {kNow + absl::Seconds(1), kNow + absl::Hours(24 * 730)}) {
    *request.mutable_expire_time() = At(fine);
    EXPECT_TRUE(ValidateCreateApiKey(request, kNow).ok()) << fine;
  }
  struct Case {
    google::protobuf::Timestamp expiry;
    std::string says;
  };
  google::protobuf::Timestamp malformed = At(kNow + absl::Hours(1));
  malformed.set_nanos(-1);
  const std::vector<Case> cases = {
      {At(kNow), "in the future"},
      {At(kNow - absl::Seconds(1)), "in the future"},
      {At(kNow + absl::Hours(24 * 730) + absl::Seconds(1)), "730 days"},
      {malformed, "valid timestamp"},
  };
  for (const Case& bad : cases) {
    *request.mutable_expire_time() = bad.expiry;
    absl::Status status = ValidateCreateApiKey(request, kNow);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad.expiry.DebugString();
    EXPECT_NE(status.message().find("expire_time"), absl::string_view::npos) << status;
    EXPECT_NE(status.message().find(bad.says), absl::string_view::npos) << status;
  }
}

TEST(ApiKeyValidationTest, SecretsAreRandomAndWellFormed) {
  auto first = NewApiKeySecret();
  auto second = NewApiKeySecret();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->size(), 4u + 64u);
  EXPECT_EQ(first->rfind("oms_", 0), 0u);
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(ValidateApiKeySecret(*first).ok());
  for (const std::string& bad : {std::string("oms_abc"), std::string("key_") + first->substr(4),
                                 first->substr(0, 67) + "G", std::string("")}) {
    EXPECT_EQ(ValidateApiKeySecret(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

class ApiKeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.ok());
    ASSERT_TRUE(ApplyMigrations(db_.url(), Migrations()).ok());
    auto pool =
        PgPool::Create({db_.url(), 2, std::chrono::seconds(5), OrderDatabaseStatements()}, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    customers_ = std::make_unique<PgCustomerStore>(*pool_);
    keys_ = std::make_unique<PgApiKeyStore>(*pool_);
  }

  std::string Customer() {
    v1::Customer customer;
    customer.set_name("Erika");
    customer.set_email("erika@example.com");
    auto normalized = NormalizeNewCustomer(customer);
    EXPECT_TRUE(normalized.ok());
    v1::Customer created;
    EXPECT_TRUE(customers_->CreateCustomer(*normalized, &created).ok());
    return created.id();
  }

  // Writes behind the store's back: rows it would not make, times it would not set.
  void Sql(const std::string& statement) {
    pqxx::connection connection(db_.url());
    pqxx::work tx(connection);
    tx.exec0(statement);
    tx.commit();
  }

  testing::PgTestDatabase db_{"apikeys"};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgCustomerStore> customers_;
  std::unique_ptr<PgApiKeyStore> keys_;
};

TEST_F(ApiKeyStoreTest, AKeyVerifiesUntilRevokedAndOnlyItsHashIsStored) {
  const std::string customer = Customer();
  auto secret = NewApiKeySecret();
  ASSERT_TRUE(secret.ok());
  v1::ApiKey created;
  ASSERT_TRUE(keys_->Create(KeyRequest({"orders:read"}, customer), *secret, &created).ok());
  EXPECT_FALSE(created.id().empty());
  EXPECT_EQ(created.customer_id(), customer);
  ASSERT_EQ(created.scopes_size(), 1);
  EXPECT_EQ(created.scopes(0), "orders:read");
  EXPECT_FALSE(created.has_revoke_time());

  v1::ApiKey verified;
  ASSERT_TRUE(keys_->Verify(*secret, &verified).ok());
  EXPECT_EQ(verified.id(), created.id());
  EXPECT_EQ(verified.customer_id(), customer);
  EXPECT_EQ(verified.name(), "shop frontend");

  // The table holds the SHA-256 of the secret, never the secret.
  pqxx::connection connection(db_.url());
  pqxx::work tx(connection);
  pqxx::row stored = tx.exec1("SELECT secret_hash FROM api_keys");
  EXPECT_EQ(stored[0].as<std::string>().size(), 64u);
  EXPECT_EQ(stored[0].as<std::string>().find(secret->substr(4)), std::string::npos);
  pqxx::row expected =
      tx.exec1("SELECT encode(sha256(convert_to(" + tx.quote(*secret) + ", 'UTF8')), 'hex')");
  EXPECT_EQ(stored[0].as<std::string>(), expected[0].as<std::string>());
  tx.commit();

  v1::ApiKey revoked;
  ASSERT_TRUE(keys_->Revoke(created.id(), &revoked).ok());
  EXPECT_TRUE(revoked.has_revoke_time());
  absl::Status refused = keys_->Verify(*secret, &verified);
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(refused), "API_KEY_REVOKED");
  // Revoking again keeps the first revocation.
  v1::ApiKey again;
  ASSERT_TRUE(keys_->Revoke(created.id(), &again).ok());
  EXPECT_EQ(again.revoke_time().seconds(), revoked.revoke_time().seconds());
  EXPECT_EQ(again.revoke_time().nanos(), revoked.revoke_time().nanos());
}

TEST_F(ApiKeyStoreTest, AKeysWarehouseIsStoredAndVerified) {
  const std::string warehouse = "11111111-1111-4111-8111-111111111111";
  auto secret = NewApiKeySecret();
  ASSERT_TRUE(secret.ok());
  v1::CreateApiKeyRequest request = KeyRequest({"shipments:write"});
  request.set_warehouse_id(warehouse);
  v1::ApiKey created;
  ASSERT_TRUE(keys_->Create(request, *secret, &created).ok());
  EXPECT_EQ(created.warehouse_id(), warehouse);
  v1::ApiKey verified;
  ASSERT_TRUE(keys_->Verify(*secret, &verified).ok());
  EXPECT_EQ(verified.warehouse_id(), warehouse);
  auto unbound = NewApiKeySecret();
  ASSERT_TRUE(unbound.ok());
  ASSERT_TRUE(keys_->Create(KeyRequest({"shipments:write"}), *unbound, &created).ok());
  EXPECT_EQ(created.warehouse_id(), "");
}

TEST_F(ApiKeyStoreTest, UnknownSecretsKeysAndCustomersAreRefused) {
  auto secret = NewApiKeySecret();
  ASSERT_TRUE(secret.ok());
  v1::ApiKey key;
  absl::Status unknown = keys_->Verify(*secret, &key);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(unknown), "API_KEY_NOT_FOUND");
  EXPECT_EQ(unknown.message().find(secret->substr(4)), absl::string_view::npos);
  EXPECT_EQ(keys_->Revoke("00000000-0000-4000-8000-000000000000", &key).code(),
            absl::StatusCode::kNotFound);

  absl::Status no_customer = keys_->Create(
      KeyRequest({"orders:read"}, "00000000-0000-4000-8000-000000000000"), *secret, &key);
  EXPECT_EQ(no_customer.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(no_customer), "CUSTOMER_NOT_FOUND");
  EXPECT_EQ(keys_->Verify(*secret, &key).code(), absl::StatusCode::kNotFound) << "nothing stored";

  // A key bound to no customer, with several scopes.
  ASSERT_TRUE(keys_->Create(KeyRequest({"admin", "catalog:write"}), *secret, &key).ok());
  v1::ApiKey verified;
  ASSERT_TRUE(keys_->Verify(*secret, &verified).ok());
  EXPECT_EQ(verified.customer_id(), "");
  ASSERT_EQ(verified.scopes_size(), 2);
  EXPECT_EQ(verified.scopes(0), "admin");
  EXPECT_EQ(verified.scopes(1), "catalog:write");
  // The same secret twice would make one hash name two keys: refused.
  EXPECT_FALSE(keys_->Create(KeyRequest({"orders:read"}), *secret, &key).ok());
}

TEST_F(ApiKeyStoreTest, AKeyVerifiesUntilItsExpiryByTheDatabasesClock) {
  auto lasting = NewApiKeySecret();
  auto expired = NewApiKeySecret();
  ASSERT_TRUE(lasting.ok() && expired.ok());
  // The store takes what the handler validated; an expiry already past stands for one reached.
  v1::CreateApiKeyRequest later = KeyRequest({"orders:read"});
  *later.mutable_expire_time() = At(absl::Now() + absl::Hours(1));
  v1::CreateApiKeyRequest past = KeyRequest({"orders:read"});
  *past.mutable_expire_time() = At(absl::Now() - absl::Milliseconds(1));
  v1::ApiKey created, verified;
  ASSERT_TRUE(keys_->Create(later, *lasting, &created).ok());
  // Stored to the microsecond, as every time of the table.
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(created.expire_time()),
            TimeUtil::TimestampToMicroseconds(later.expire_time()));
  ASSERT_TRUE(keys_->Verify(*lasting, &verified).ok());
  EXPECT_EQ(verified.id(), created.id());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(verified.expire_time()),
            TimeUtil::TimestampToMicroseconds(later.expire_time()))
      << "the answer carries the expiry, for the gateway's cache";

  ASSERT_TRUE(keys_->Create(past, *expired, &created).ok());
  absl::Status refused = keys_->Verify(*expired, &verified);
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied) << "as a revoked key";
  EXPECT_EQ(ReasonOf(refused), "API_KEY_EXPIRED");
  EXPECT_EQ(refused.message().find(expired->substr(4)), absl::string_view::npos);

  // The database's clock decides: moving the expiry to its now() ends the key at once.
  Sql("UPDATE api_keys SET expires_at = now() WHERE expires_at > now()");
  EXPECT_EQ(ReasonOf(keys_->Verify(*lasting, &verified)), "API_KEY_EXPIRED");

  // A key without an expiry has none in its answer.
  auto forever = NewApiKeySecret();
  ASSERT_TRUE(forever.ok());
  ASSERT_TRUE(keys_->Create(KeyRequest({"orders:read"}), *forever, &created).ok());
  ASSERT_TRUE(keys_->Verify(*forever, &verified).ok());
  EXPECT_FALSE(verified.has_expire_time());
}

TEST_F(ApiKeyStoreTest, TheListPagesNewestFirstWithEveryKeyOnce) {
  ApiKeyPage empty;
  ASSERT_TRUE(keys_->List("", 10, &empty).ok());
  EXPECT_TRUE(empty.keys.empty());
  EXPECT_EQ(empty.next_after, "");

  std::vector<std::string> created_ids;
  for (int i = 0; i < 4; ++i) {
    auto secret = NewApiKeySecret();
    ASSERT_TRUE(secret.ok());
    v1::CreateApiKeyRequest request = KeyRequest({"orders:read"});
    request.set_name("key " + std::to_string(i));
    if (i == 1) *request.mutable_expire_time() = At(absl::Now() + absl::Hours(2));
    v1::ApiKey key;
    ASSERT_TRUE(keys_->Create(request, *secret, &key).ok());
    created_ids.push_back(key.id());
  }
  v1::ApiKey revoked;
  ASSERT_TRUE(keys_->Revoke(created_ids[2], &revoked).ok());
  // Three more created in one transaction: one created_at, told apart by their ids.
  Sql("INSERT INTO api_keys (name, scopes, secret_hash) SELECT 'same instant', "
      "'{orders:read}', md5(n::text) FROM generate_series(1, 3) AS n");

  std::vector<v1::ApiKey> listed;
  std::string after;
  int pages = 0;
  do {
    ApiKeyPage page;
    ASSERT_TRUE(keys_->List(after, 2, &page).ok());
    EXPECT_LE(page.keys.size(), 2u);
    for (auto& key : page.keys) listed.push_back(key);
    after = page.next_after;
    ASSERT_LT(++pages, 10);
  } while (!after.empty());
  EXPECT_EQ(pages, 4);  // 7 keys, 2 a page
  ASSERT_EQ(listed.size(), 7u);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < listed.size(); ++i) {
    EXPECT_TRUE(ids.insert(listed[i].id()).second) << "listed twice: " << listed[i].id();
    if (i == 0) continue;
    const int64_t previous = TimeUtil::TimestampToMicroseconds(listed[i - 1].create_time());
    const int64_t current = TimeUtil::TimestampToMicroseconds(listed[i].create_time());
    EXPECT_TRUE(current < previous || (current == previous && listed[i].id() < listed[i - 1].id()))
        << i;
  }
  // The four made through the store come last, oldest last, with what they were made with.
  EXPECT_EQ(listed[6].id(), created_ids[0]);
  EXPECT_EQ(listed[3].id(), created_ids[3]);
  EXPECT_EQ(listed[6].name(), "key 0");
  EXPECT_EQ(listed[6].scopes(0), "orders:read");
  EXPECT_TRUE(listed[5].has_expire_time());
  EXPECT_FALSE(listed[6].has_expire_time());
  EXPECT_TRUE(listed[4].has_revoke_time());
  EXPECT_FALSE(listed[5].has_revoke_time());

  // A page boundary inside the three of one instant still lists each once (checked above);
  // a position this store did not make is refused naming the token.
  ApiKeyPage refused;
  for (const std::string& bad :
       {std::string("12"), std::string("x:") + created_ids[0], std::string("12:not-a-uuid"),
        std::string("-5:") + created_ids[0]}) {
    absl::Status status = keys_->List(bad, 2, &refused);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("page_token"), absl::string_view::npos) << status;
  }
}

}  // namespace
}  // namespace oms::order
