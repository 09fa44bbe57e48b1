// PaymentsStore on a real PostgreSQL: a payment and its transactions round-trip through the
// records, enums map to and from their column text, and absent rows read as absent.
#include "billing-service/src/payments_store.h"

#include <pqxx/pqxx>

#include "billing-service/tests/billing_test_fixture.h"

namespace oms::billing {
namespace {

class PaymentsStoreTest : public BillingDbTest {};

NewPayment Payment(const std::string& order_id, v1::PaymentStatus status, long long authorized) {
  NewPayment payment;
  payment.order_id = order_id;
  payment.status = status;
  payment.method = v1::PAYMENT_METHOD_CARD;
  payment.currency = "EUR";
  payment.authorized_minor = authorized;
  payment.provider = "sandbox";
  return payment;
}

TransactionRecord Transaction(const std::string& payment_id, v1::TransactionKind kind,
                              v1::TransactionOutcome outcome, long long amount,
                              const std::string& key) {
  TransactionRecord transaction;
  transaction.payment_id = payment_id;
  transaction.kind = kind;
  transaction.amount_minor = amount;
  transaction.currency = "EUR";
  transaction.outcome = outcome;
  transaction.idempotency_key = key;
  transaction.request_id = "r1";
  return transaction;
}

TEST_F(PaymentsStoreTest, APaymentAndItsTransactionsRoundTripWithTheirEnums) {
  PaymentAmounts amounts;
  amounts.authorized = 1000;
  amounts.captured = 400;
  std::string id;
  absl::Status status = pool_->InTransaction([&](pqxx::work& tx) {
    PaymentsStore payments(tx);
    payments.LockOrder("order-1");
    EXPECT_FALSE(payments.FindForUpdate("order-1").has_value());
    NewPayment payment = Payment("order-1", v1::PAYMENT_STATUS_AUTHORIZED, 1000);
    payment.authorization_reference = "auth-1";
    id = payments.Insert(payment);
    payments.InsertTransaction(Transaction(id, v1::TRANSACTION_KIND_AUTHORIZE,
                                           v1::TRANSACTION_OUTCOME_APPROVED, 1000, "k-auth"));
    TransactionRecord failed = Transaction(id, v1::TRANSACTION_KIND_CAPTURE,
                                           v1::TRANSACTION_OUTCOME_UNAVAILABLE, 400, "k-cap");
    failed.shipment_id = "shp-1";
    const long long failed_id = payments.InsertTransaction(failed);
    EXPECT_GT(failed_id, 0);
    payments.UpdateAmounts(id, v1::PAYMENT_STATUS_PARTIALLY_CAPTURED, amounts);

    std::optional<PaymentRecord> record = payments.FindForUpdate("order-1");
    EXPECT_TRUE(record.has_value());
    if (!record.has_value()) return absl::OkStatus();
    EXPECT_EQ(record->id, id);
    EXPECT_EQ(record->currency, "EUR");
    EXPECT_EQ(record->authorization_reference, "auth-1");
    EXPECT_EQ(record->amounts, amounts);
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(QueryText("SELECT status || '/' || method FROM payments"), "PARTIALLY_CAPTURED/CARD");
  EXPECT_EQ(QueryText("SELECT string_agg(kind || '/' || outcome, ',' ORDER BY id) "
                      "FROM payment_transactions"),
            "AUTHORIZE/APPROVED,CAPTURE/UNAVAILABLE");

  v1::Payment read;
  status = pool_->InTransaction([&](pqxx::work& tx) {
    PaymentsStore payments(tx);
    EXPECT_TRUE(payments.Read(id, &read));
    v1::ListPaymentsResponse list;
    payments.ListByOrder("order-1", &list);
    EXPECT_EQ(list.payments_size(), 1);
    v1::Payment none;
    EXPECT_FALSE(payments.Read("00000000-0000-0000-0000-000000000000", &none));
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(read.id(), id);
  EXPECT_EQ(read.order_id(), "order-1");
  EXPECT_EQ(read.status(), v1::PAYMENT_STATUS_PARTIALLY_CAPTURED);
  EXPECT_EQ(read.method(), v1::PAYMENT_METHOD_CARD);
  EXPECT_EQ(read.authorized().amount_minor(), 1000);
  EXPECT_EQ(read.captured().amount_minor(), 400);
  EXPECT_EQ(read.captured().currency(), "EUR");
  EXPECT_EQ(read.provider(), "sandbox");
  EXPECT_GT(read.create_time().seconds(), 0);
  ASSERT_EQ(read.transactions_size(), 2);
  EXPECT_EQ(read.transactions(0).kind(), v1::TRANSACTION_KIND_AUTHORIZE);
  EXPECT_EQ(read.transactions(0).outcome(), v1::TRANSACTION_OUTCOME_APPROVED);
  EXPECT_EQ(read.transactions(1).kind(), v1::TRANSACTION_KIND_CAPTURE);
  EXPECT_EQ(read.transactions(1).outcome(), v1::TRANSACTION_OUTCOME_UNAVAILABLE);
  EXPECT_EQ(read.transactions(1).amount().amount_minor(), 400);
  EXPECT_EQ(read.transactions(1).shipment_id(), "shp-1");
  EXPECT_EQ(read.transactions(1).idempotency_key(), "k-cap");
}

TEST_F(PaymentsStoreTest, ATombstoneStoresNoMethodAndADeclineReadsAsDeclined) {
  v1::Payment tombstone;
  absl::Status status = pool_->InTransaction([&](pqxx::work& tx) {
    PaymentsStore payments(tx);
    NewPayment gone = Payment("order-t", v1::PAYMENT_STATUS_VOIDED, 0);
    gone.method = v1::PAYMENT_METHOD_UNSPECIFIED;
    gone.currency = "";
    gone.tombstone = true;
    const std::string id = payments.Insert(gone);
    NewPayment declined = Payment("order-d", v1::PAYMENT_STATUS_DECLINED, 0);
    declined.decline_code = "card_declined";
    payments.Insert(declined);

    std::optional<PaymentRecord> record = payments.FindForUpdate("order-t");
    EXPECT_TRUE(record.has_value() && record->amounts.tombstone && !record->amounts.declined);
    record = payments.FindForUpdate("order-d");
    EXPECT_TRUE(record.has_value() && record->amounts.declined && !record->amounts.tombstone);
    EXPECT_TRUE(payments.Read(id, &tombstone));
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(QueryText("SELECT method FROM payments WHERE order_id = 'order-t'"), "");
  EXPECT_EQ(tombstone.method(), v1::PAYMENT_METHOD_UNSPECIFIED);
  EXPECT_EQ(tombstone.status(), v1::PAYMENT_STATUS_VOIDED);
  EXPECT_TRUE(tombstone.tombstone());
}

}  // namespace
}  // namespace oms::billing
