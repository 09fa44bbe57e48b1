// AuditOrderFacts on a real PostgreSQL: pages merge payments and the provider's authorizations
// by order id in byte order whatever the database's collation, each order whole in one page;
// every statement is served by an index.
#include "billing-service/src/audit_store.h"

#include <set>

#include <pqxx/pqxx>

#include "billing-service/src/payments_store.h"
#include "billing-service/tests/billing_test_fixture.h"
#include "common/pagination.h"
#include "common/testing/query_plan.h"

namespace oms::billing {
namespace {

class BillingAuditTest : public BillingDbTest {
 protected:
  void AddPayment(const std::string& order_id) {
    ASSERT_TRUE(pool_
                    ->InTransaction([&](pqxx::work& tx) {
                      NewPayment payment;
                      payment.order_id = order_id;
                      payment.status = v1::PAYMENT_STATUS_AUTHORIZED;
                      payment.method = v1::PAYMENT_METHOD_CARD;
                      payment.currency = "EUR";
                      payment.authorized_minor = 100;
                      payment.provider = "sandbox";
                      payment.authorization_reference = "ref-" + order_id;
                      PaymentsStore(tx).Insert(payment);
                      return absl::OkStatus();
                    })
                    .ok());
  }

  // An approved authorization in the provider's ledger, under the key billing would send.
  void AddAuthorization(const std::string& order_id) {
    ASSERT_TRUE(
        pool_
            ->InTransaction([&](pqxx::work& tx) {
              tx.exec_params(
                  "INSERT INTO sandbox_provider_operations (idempotency_key, operation, "
                  "reference, authorization_reference, amount_minor, currency, outcome, "
                  "fingerprint) VALUES ($1, 'AUTHORIZE', $2, $2, 100, 'EUR', 'APPROVED', 'f')",
                  "oms-auth:" + order_id, "ref-" + order_id);
              return absl::OkStatus();
            })
            .ok());
  }
};

TEST_F(BillingAuditTest, PagesMergeTheSourcesByOrderIdInByteOrder) {
  // Ids whose byte order differs from a linguistic collation's (case, punctuation).
  for (const char* order_id : {"B-1", "a-1"}) AddPayment(order_id);
  for (const char* order_id : {"A-0", "a-1", "b-2"}) AddAuthorization(order_id);
  std::vector<std::string> payments, authorizations;
  std::vector<std::string> lasts;
  AuditPage page{"", 2};
  for (;;) {
    v1::AuditOrderFactsResponse response;
    ASSERT_TRUE(billing_->AuditOrderFacts(page, &response).ok());
    for (const auto& payment : response.payments()) payments.push_back(payment.order_id());
    for (const auto& authorization : response.provider_authorizations()) {
      authorizations.push_back(authorization.order_id());
      EXPECT_EQ(authorization.amount_minor(), 100);
      EXPECT_EQ(authorization.reference(), "ref-" + authorization.order_id());
    }
    lasts.push_back(response.page().last_order_id());
    if (response.page().next_page_token().empty()) break;
    page.after = *DecodePageToken(response.page().next_page_token());
  }
  // The first page ends where both full sources end (a-1): every fact of a-1 is in it.
  EXPECT_EQ(lasts, (std::vector<std::string>{"a-1", "b-2"}));
  EXPECT_EQ(payments, (std::vector<std::string>{"B-1", "a-1"}));
  EXPECT_EQ(authorizations, (std::vector<std::string>{"A-0", "a-1", "b-2"}));
}

TEST_F(BillingAuditTest, EveryAuditStatementIsServedByAnIndex) {
  testing::ExpectServedByIndexes(*pool_, AuditStatements(),
                                 {{"payments_audit_bound", "'', 100"},
                                  {"invoices_audit_bound", "'', 100"},
                                  {"sandbox_provider_operations_audit_bound", "'', 100"},
                                  {"payments_audit_facts", "'', 'zzz'"},
                                  {"invoices_audit_facts", "'', 'zzz'"},
                                  {"sandbox_provider_operations_audit_facts", "'', 'zzz'"}});
}

}  // namespace
}  // namespace oms::billing
