// IncrementAuthorization on a real PostgreSQL with the sandbox provider: the increment raises the
// order's one authorization on billing's side and the provider's alike, repeats and crashes have
// no second effect, a decline and every refusal change nothing and are answered again, and a
// provider down changes nothing but is logged as a failed attempt, as a capture's is.
#include <future>
#include <memory>
#include <vector>

#include "billing-service/src/billing_use_cases.h"
#include "billing-service/src/payments_store.h"
#include "billing-service/src/sandbox_provider.h"
#include "billing-service/tests/billing_test_fixture.h"
#include "common/status.h"
#include "common/testing/query_plan.h"

namespace oms::billing {
namespace {

constexpr char kIncrementFailpoint[] = "billing.increment.before_commit";

// The sandbox provider, except that every increment finds it down.
class IncrementsUnavailable : public PaymentProvider {
 public:
  explicit IncrementsUnavailable(PaymentProvider& inner) : inner_(inner) {}

  std::string name() const override { return inner_.name(); }
  absl::StatusOr<ProviderResult> Authorize(const AuthorizeCall& call) override {
    return inner_.Authorize(call);
  }
  absl::StatusOr<ProviderResult> Capture(const FollowUpCall& call) override {
    return inner_.Capture(call);
  }
  absl::StatusOr<ProviderResult> Void(const FollowUpCall& call) override {
    return inner_.Void(call);
  }
  absl::StatusOr<ProviderResult> Refund(const FollowUpCall& call) override {
    return inner_.Refund(call);
  }
  absl::StatusOr<ProviderResult> IncrementAuthorization(const FollowUpCall&) override {
    return absl::UnavailableError("provider down");
  }
  absl::StatusOr<std::optional<ProviderResult>> FindAuthorization(
      const std::string& idempotency_key) override {
    return inner_.FindAuthorization(idempotency_key);
  }

 private:
  PaymentProvider& inner_;
};

class IncrementAuthorizationTest : public BillingDbTest {
 protected:
  static v1::IncrementAuthorizationRequest IncrementRequest(const std::string& request_id,
                                                            const std::string& order_id,
                                                            long long amount,
                                                            const std::string& currency = "EUR") {
    v1::IncrementAuthorizationRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order_id);
    request.mutable_amount()->set_currency(currency);
    request.mutable_amount()->set_amount_minor(amount);
    request.set_reason("the customer added a line");
    return request;
  }

  absl::StatusOr<v1::Payment> Increment(const v1::IncrementAuthorizationRequest& request,
                                        BillingUseCases* billing = nullptr) {
    v1::Payment payment;
    absl::Status status =
        (billing != nullptr ? billing : billing_.get())->IncrementAuthorization(request, &payment);
    if (!status.ok()) return status;
    return payment;
  }

  v1::Payment PaymentOf(const std::string& order_id) {
    v1::ListPaymentsResponse list;
    EXPECT_TRUE(billing_->ListPayments(order_id, &list).ok());
    EXPECT_EQ(list.payments_size(), 1);
    return list.payments_size() == 1 ? list.payments(0) : v1::Payment();
  }

  // The order's authorization as the provider holds it, as the invariant check reads it: there
  // must be exactly one.
  v1::AuditedProviderAuthorization ProviderAuthorization(const std::string& order_id) {
    v1::AuditOrderFactsResponse facts;
    EXPECT_TRUE(billing_->AuditOrderFacts({"", 100}, &facts).ok());
    v1::AuditedProviderAuthorization found;
    int count = 0;
    for (const auto& authorization : facts.provider_authorizations()) {
      if (authorization.order_id() != order_id) continue;
      found = authorization;
      ++count;
    }
    EXPECT_EQ(count, 1) << "provider authorizations of " << order_id;
    return found;
  }

  long long ProviderIncrements() {
    return Query("SELECT count(*) FROM sandbox_provider_operations WHERE operation = 'INCREMENT'");
  }

  // What a refusal must leave as it found: the payment, its transactions and the provider.
  void ExpectUnchanged(const v1::Payment& before) {
    const v1::Payment after = PaymentOf(before.order_id());
    EXPECT_EQ(after.status(), before.status());
    EXPECT_EQ(after.authorized().amount_minor(), before.authorized().amount_minor());
    EXPECT_EQ(after.transactions_size(), before.transactions_size());
    EXPECT_EQ(ProviderAuthorization(before.order_id()).amount_minor(),
              before.authorized().amount_minor());
  }
};

TEST_F(IncrementAuthorizationTest, RaisesTheOneAuthorizationOnBothSidesAndACaptureTakesTheTotal) {
  auto authorized = Authorize("saga-1:authorize", "order-1", 7137);
  ASSERT_TRUE(authorized.ok()) << authorized.status();

  auto raised = Increment(IncrementRequest("edit-1:increment", "order-1", 2380));
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(raised->status(), v1::PAYMENT_STATUS_AUTHORIZED);
  EXPECT_EQ(raised->authorized().amount_minor(), 7137 + 2380);
  EXPECT_EQ(raised->authorization_reference(), authorized->authorization_reference());
  ASSERT_EQ(raised->transactions_size(), 2);
  const v1::PaymentTransaction& increment = raised->transactions(1);
  EXPECT_EQ(increment.kind(), v1::TRANSACTION_KIND_AUTHORIZE);
  EXPECT_EQ(increment.outcome(), v1::TRANSACTION_OUTCOME_APPROVED);
  EXPECT_EQ(increment.amount().amount_minor(), 2380);
  EXPECT_EQ(increment.idempotency_key(), "oms-increment:order-1:edit-1:increment");
  EXPECT_EQ(increment.request_id(), "edit-1:increment");
  EXPECT_FALSE(increment.provider_reference().empty());

  // The provider holds one authorization, raised to what billing records.
  const v1::AuditedProviderAuthorization held = ProviderAuthorization("order-1");
  EXPECT_EQ(held.reference(), authorized->authorization_reference());
  EXPECT_EQ(held.amount_minor(), raised->authorized().amount_minor());

  // One shipment of the edited order: 3 x 19.99 and 1 x 20.00 at DE's 19 %, 71.37 + 23.80,
  // more than the first authorization alone would let a capture take.
  v1::CapturePaymentRequest capture = CaptureRequest("saga-1:capture:shp-1", "order-1", "shp-1");
  AddLine(&capture, "SKU-A", 3, 1999);
  AddLine(&capture, "SKU-B", 1, 2000);
  auto captured = Capture(capture);
  ASSERT_TRUE(captured.ok()) << captured.status();
  EXPECT_EQ(captured->payment().captured().amount_minor(), 7137 + 2380);
  EXPECT_EQ(captured->payment().status(), v1::PAYMENT_STATUS_CAPTURED);
  EXPECT_EQ(ProviderAuthorization("order-1").captured_minor(), 7137 + 2380);
}

TEST_F(IncrementAuthorizationTest, APartlyCapturedPaymentTakesAnIncrementForItsNextShipment) {
  ASSERT_TRUE(Authorize("saga-1:authorize", "order-1", 10000).ok());
  v1::CapturePaymentRequest first = CaptureRequest("saga-1:capture:shp-1", "order-1", "shp-1");
  AddLine(&first, "SKU-A", 3, 1999);
  ASSERT_TRUE(Capture(first).ok());

  auto raised = Increment(IncrementRequest("edit-1:increment", "order-1", 5000));
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(raised->status(), v1::PAYMENT_STATUS_PARTIALLY_CAPTURED);
  EXPECT_EQ(raised->authorized().amount_minor(), 15000);
  const v1::AuditedProviderAuthorization held = ProviderAuthorization("order-1");
  EXPECT_EQ(held.amount_minor(), 15000);
  EXPECT_EQ(held.captured_minor(), 7137);
  // What is open now is the old rest and the increment: a void of it all takes exactly that.
  auto voided = Void("saga-1:void", "order-1");
  ASSERT_TRUE(voided.ok()) << voided.status();
  EXPECT_EQ(voided->voided().amount_minor(), 15000 - 7137);
  EXPECT_EQ(ProviderAuthorization("order-1").voided_minor(), 15000 - 7137);
}

TEST_F(IncrementAuthorizationTest, ARepeatSequentialOrConcurrentHasNoSecondEffect) {
  ASSERT_TRUE(Authorize("saga-1:authorize", "order-1", 1000).ok());
  const v1::IncrementAuthorizationRequest request =
      IncrementRequest("edit-1:increment", "order-1", 300);
  constexpr int kCalls = 8;
  std::vector<std::future<absl::StatusOr<v1::Payment>>> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(std::async(std::launch::async, [&] { return Increment(request); }));
  }
  std::string answer;
  for (auto& call : calls) {
    auto payment = call.get();
    ASSERT_TRUE(payment.ok()) << payment.status();
    if (answer.empty()) answer = payment->SerializeAsString();
    EXPECT_EQ(payment->SerializeAsString(), answer);
  }
  auto again = Increment(request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), answer);
  EXPECT_EQ(PaymentOf("order-1").authorized().amount_minor(), 1300);
  EXPECT_EQ(PaymentOf("order-1").transactions_size(), 2);
  EXPECT_EQ(ProviderIncrements(), 1);
  EXPECT_EQ(ProviderAuthorization("order-1").amount_minor(), 1300);

  // The same request id with another body is refused; another request id is another increment.
  auto reused = Increment(IncrementRequest("edit-1:increment", "order-1", 301));
  EXPECT_EQ(ReasonOf(reused.status()), "IDEMPOTENCY_KEY_REUSED");
  auto second = Increment(IncrementRequest("edit-2:increment", "order-1", 200));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->authorized().amount_minor(), 1500);
  EXPECT_EQ(ProviderAuthorization("order-1").amount_minor(), 1500);
}

TEST_F(IncrementAuthorizationTest, ADeclineLeavesThePaymentAsItWasAndIsAnsweredAgain) {
  auto authorized = Authorize("saga-1:authorize", "order-1", 1000, "tok_increment_declined");
  ASSERT_TRUE(authorized.ok()) << authorized.status();
  EXPECT_EQ(authorized->status(), v1::PAYMENT_STATUS_AUTHORIZED);

  for (int attempt = 0; attempt < 2; ++attempt) {
    auto declined = Increment(IncrementRequest("edit-1:increment", "order-1", 500));
    EXPECT_EQ(declined.status().code(), absl::StatusCode::kFailedPrecondition) << attempt;
    EXPECT_EQ(ReasonOf(declined.status()), "PAYMENT_DECLINED") << attempt;
    ExpectUnchanged(*authorized);
  }
  // The repeat was answered from billing's record: the provider was asked once.
  EXPECT_EQ(ProviderIncrements(), 1);
  EXPECT_EQ(Query("SELECT count(*) FROM sandbox_provider_operations "
                  "WHERE operation = 'INCREMENT' AND outcome = 'DECLINED'"),
            1);
  // The authorization itself is intact: a capture of all of it still succeeds.
  v1::CapturePaymentRequest capture = CaptureRequest("saga-1:capture:shp-1", "order-1", "shp-1");
  AddLine(&capture, "SKU-A", 1, 840);  // 8.40 + 1.60 tax = 10.00
  auto captured = Capture(capture);
  ASSERT_TRUE(captured.ok()) << captured.status();
  EXPECT_EQ(captured->payment().status(), v1::PAYMENT_STATUS_CAPTURED);
}

TEST_F(IncrementAuthorizationTest, APaymentThatCannotTakeMoreRefusesAndNothingChanges) {
  auto authorized = Authorize("saga-1:authorize", "order-1", 1000);
  ASSERT_TRUE(authorized.ok()) << authorized.status();
  auto voided = Void("saga-1:void", "order-1");
  ASSERT_TRUE(voided.ok()) << voided.status();
  ASSERT_EQ(voided->status(), v1::PAYMENT_STATUS_VOIDED);
  auto refused = Increment(IncrementRequest("edit-1:increment", "order-1", 500));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(refused.status()), "PAYMENT_NOT_AUTHORIZED");
  ExpectUnchanged(*voided);

  ASSERT_FALSE(Authorize("saga-2:authorize", "order-2", 1000, "tok_chargeDeclined").ok());
  EXPECT_EQ(ReasonOf(Increment(IncrementRequest("edit-2:increment", "order-2", 500)).status()),
            "PAYMENT_NOT_AUTHORIZED");

  ASSERT_TRUE(Authorize("saga-3:authorize", "order-3", 1000).ok());
  auto other_currency = Increment(IncrementRequest("edit-3:increment", "order-3", 500, "USD"));
  EXPECT_EQ(ReasonOf(other_currency.status()), "CURRENCY_MISMATCH");

  auto missing = Increment(IncrementRequest("edit-4:increment", "order-none", 500));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(missing.status()), "PAYMENT_NOT_FOUND");
  EXPECT_EQ(ProviderIncrements(), 0);

  // A refusal is the request's answer for good, even once the payment could take more.
  ASSERT_TRUE(Authorize("saga-4:authorize", "order-none", 1000).ok());
  EXPECT_EQ(ReasonOf(Increment(IncrementRequest("edit-4:increment", "order-none", 500)).status()),
            "PAYMENT_NOT_FOUND");
}

TEST_F(IncrementAuthorizationTest, AProviderDownIsLoggedAsAFailedAttemptAndTheRetrySucceeds) {
  auto authorized = Authorize("saga-1:authorize", "order-1", 1000);
  ASSERT_TRUE(authorized.ok()) << authorized.status();
  IncrementsUnavailable down(*provider_);
  PgBillingUseCases billing_while_down(*pool_, down, {});
  const v1::IncrementAuthorizationRequest request =
      IncrementRequest("edit-1:increment", "order-1", 500);

  auto unavailable = Increment(request, &billing_while_down);
  EXPECT_EQ(unavailable.status().code(), absl::StatusCode::kUnavailable);
  const v1::Payment after = PaymentOf("order-1");
  EXPECT_EQ(after.status(), authorized->status());
  EXPECT_EQ(after.authorized().amount_minor(), 1000);
  EXPECT_EQ(ProviderAuthorization("order-1").amount_minor(), 1000);
  EXPECT_EQ(Query("SELECT count(*) FROM request_results WHERE request_id = 'edit-1:increment'"), 0);
  EXPECT_EQ(ProviderIncrements(), 0);
  // The attempt is on the payment's record, as what it was: nothing moved.
  EXPECT_EQ(Query("SELECT count(*) FROM payment_transactions WHERE kind = 'AUTHORIZE' "
                  "AND outcome = 'UNAVAILABLE' AND request_id = 'edit-1:increment'"),
            1);

  auto retried = Increment(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->authorized().amount_minor(), 1500);
  int failed_attempts = 0;
  for (const auto& transaction : retried->transactions()) {
    if (transaction.outcome() == v1::TRANSACTION_OUTCOME_UNAVAILABLE) ++failed_attempts;
  }
  EXPECT_EQ(failed_attempts, 1);
}

TEST_F(IncrementAuthorizationTest, ACrashAfterTheProviderIncrementedIsRecoveredNotRepeated) {
  auto authorized = Authorize("saga-1:authorize", "order-1", 1000);
  ASSERT_TRUE(authorized.ok()) << authorized.status();
  const v1::IncrementAuthorizationRequest request =
      IncrementRequest("edit-1:increment", "order-1", 500);
  CrashOnce(kIncrementFailpoint, "edit-1:increment");
  EXPECT_FALSE(Increment(request).ok());
  EXPECT_EQ(PaymentOf("order-1").authorized().amount_minor(), 1000);
  EXPECT_EQ(ProviderIncrements(), 1);  // the provider answered before billing's commit failed

  auto retried = Increment(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->authorized().amount_minor(), 1500);
  EXPECT_EQ(ProviderIncrements(), 1);  // replayed under the same key, not authorized again
  EXPECT_EQ(ProviderAuthorization("order-1").amount_minor(), 1500);
}

TEST_F(IncrementAuthorizationTest, TheStatementsOfAnIncrementAreServedByIndexes) {
  testing::ExpectServedByIndexes(*provider_pool_, SandboxProvider::Statements(),
                                 {{"sandbox_provider_operations_get", "'key'"},
                                  {"sandbox_provider_operations_lock_authorization", "'ref'"},
                                  {"sandbox_provider_operations_totals", "'ref'"}});
  testing::ExpectServedByIndexes(
      *pool_, PaymentsStore::Statements(),
      {{"payments_get_by_order", "'order-1'"},
       {"payments_update", "'00000000-0000-0000-0000-000000000000', 'AUTHORIZED', 1500, 0, 0, 0"}});
}

}  // namespace
}  // namespace oms::billing
