// API keys: the request and secret validation (no database), and PgApiKeyStore on a real
// PostgreSQL: only the secret's hash is stored, a key verifies until revoked, unknown secrets
// and customers are refused.
#include "order-service/src/api_keys.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/pg_pool.h"
#include "common/status.h"
#include "common/testing/pg_test_database.h"
#include "order-service/src/customer_store.h"
#include "order-service/src/order_database.h"
#include "order-service/src/order_validation.h"
#include "order-service/src/schema.h"

namespace oms::order {
namespace {

v1::CreateApiKeyRequest KeyRequest(std::vector<std::string> scopes,
                                   const std::string& customer_id = "") {
  v1::CreateApiKeyRequest request;
  request.set_name("shop frontend");
  for (auto& scope : scopes) request.add_scopes(scope);
  request.set_customer_id(customer_id);
  return request;
}

TEST(ApiKeyValidationTest, RefusesBadRequestsNamingTheField) {
  EXPECT_TRUE(ValidateCreateApiKey(KeyRequest({"orders:read", "orders:write"})).ok());
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
    absl::Status status = ValidateCreateApiKey(bad.request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad.field;
    EXPECT_NE(status.message().find(bad.field), absl::string_view::npos) << status;
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

}  // namespace
}  // namespace oms::order
