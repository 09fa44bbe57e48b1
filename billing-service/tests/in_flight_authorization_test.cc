// An authorization whose provider call is in flight while the order is voided, and the
// reconciler that settles what a caller dead mid-call left, on a real PostgreSQL with the sandbox
// provider, behind a gate where a test must act during the call (RELIABILITY.md I5: at most one
// authorization per order, none left open at the provider on a rejected order).
#include <future>

#include "absl/strings/str_cat.h"
#include "billing-service/src/billing_metrics.h"
#include "billing-service/src/reconciler.h"
#include "billing-service/tests/billing_test_fixture.h"
#include "billing-service/tests/gated_provider.h"
#include "common/metrics.h"
#include "common/status.h"
#include "common/testing/scrape.h"

namespace oms::billing {
namespace {

class BillingInFlightAuthorizationTest : public BillingDbTest {
 protected:
  // What the provider holds open on the order's authorization: approved, neither captured nor
  // voided (the I5 check of tests/support/invariants.cc, for one order).
  long long OpenAtProvider(const std::string& order_id) {
    return Query(absl::StrCat(
        "SELECT COALESCE(sum(a.amount_minor - (SELECT COALESCE(sum(f.amount_minor), 0) "
        "  FROM sandbox_provider_operations f WHERE f.authorization_reference = a.reference "
        "  AND f.operation IN ('CAPTURE', 'VOID') AND f.outcome = 'APPROVED')), 0)::bigint "
        "FROM sandbox_provider_operations a WHERE a.operation = 'AUTHORIZE' "
        "AND a.outcome = 'APPROVED' AND a.idempotency_key = 'oms-auth:",
        order_id, "'"));
  }

  // Ends every session of the billing database that sits inside a transaction, as an
  // idle-in-transaction timeout or a database restart would; returns how many it ended.
  long long EndSessionsInTransaction() {
    return Query(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND state LIKE 'idle in transaction%'");
  }

  v1::VoidPaymentRequest VoidRequest(const std::string& request_id, const std::string& order_id) {
    v1::VoidPaymentRequest request;
    request.set_request_id(request_id);
    request.set_order_id(order_id);
    return request;
  }

  // An authorization of 100.00 by `billing` on a thread of its own.
  static std::future<absl::Status> AuthorizeInBackground(PgBillingUseCases& billing,
                                                         const std::string& request_id,
                                                         const std::string& order_id) {
    return std::async(std::launch::async, [&billing, request_id, order_id] {
      v1::Payment payment;
      return billing.Authorize(AuthorizeRequest(request_id, order_id, 10000), &payment);
    });
  }

  std::string IntentState(const std::string& order_id) {
    return QueryText(
        absl::StrCat("SELECT state FROM authorization_intents WHERE order_id = '", order_id, "'"));
  }

  // A reconciler that takes every intent not settled for due, whatever its age.
  AuthorizationReconciler Reconciler(std::chrono::seconds settle_after = std::chrono::seconds(0)) {
    return AuthorizationReconciler(*pool_, *provider_,
                                   {settle_after, std::chrono::seconds(1), 100, &metrics_});
  }

  double Sample(const std::string& series) {
    auto value = testing::SampleValue(registry_.Render(), series);
    EXPECT_TRUE(value.ok()) << series << ": " << value.status();
    return value.ok() ? *value : -1;
  }

  Metrics registry_{"billing-service", "test"};
  BillingMetrics metrics_{registry_.registry()};
};

// Opens the gate when the test leaves, so that a failed assertion cannot leave the authorization
// waiting for ever.
struct OpenOnExit {
  GatedProvider& gate;
  ~OpenOnExit() { gate.Open(); }
};

TEST_F(BillingInFlightAuthorizationTest, AVoidWhileTheProviderIsAuthorizingLeavesNothingOpen) {
  GatedProvider gated(*provider_);
  PgBillingUseCases billing(*pool_, gated, {});
  auto authorize = AuthorizeInBackground(billing, "saga-1:authorize", "order-1");
  OpenOnExit open_on_exit{gated};  // destroyed first: the call finishes, so `authorize` can end
  ASSERT_TRUE(gated.AwaitCallAtGate());

  // Whatever serialized the order's calls across the provider call is lost, then the saga,
  // having given up on the authorization, compensates.
  const long long ended = EndSessionsInTransaction();
  v1::Payment voided;
  absl::Status void_status = billing.Void(VoidRequest("saga-1:void", "order-1"), &voided);
  ASSERT_TRUE(void_status.ok()) << void_status;
  EXPECT_TRUE(voided.tombstone());

  gated.Open();  // the provider approves now
  absl::Status authorized = authorize.get();
  EXPECT_EQ(ReasonOf(authorized), "AUTHORIZATION_VOIDED") << authorized;
  EXPECT_EQ(OpenAtProvider("order-1"), 0);
  EXPECT_EQ(Query("SELECT COALESCE(sum(authorized_minor - captured_minor - voided_minor), 0) "
                  "FROM payments"),
            0);
  EXPECT_EQ(ended, 0) << "a billing session stayed in a transaction across the provider call";
}

// The caller dies after the provider approved, the order having been voided while the call was in
// flight: nobody is left to release the approval but the reconciler.
TEST_F(BillingInFlightAuthorizationTest, TheReconcilerVoidsAnApprovalLeftOnAnOrderVoidedInFlight) {
  GatedProvider gated(*provider_);
  PgBillingUseCases::Options options;
  options.failpoint = [](const std::string& name, const std::string&) {
    return name == "billing.authorize.after_provider"
               ? absl::UnavailableError("simulated crash after the provider answered")
               : absl::OkStatus();
  };
  PgBillingUseCases billing(*pool_, gated, options);
  auto authorize = AuthorizeInBackground(billing, "saga-1:authorize", "order-1");
  OpenOnExit open_on_exit{gated};  // destroyed first: the call finishes, so `authorize` can end
  ASSERT_TRUE(gated.AwaitCallAtGate());
  v1::Payment voided;
  ASSERT_TRUE(billing.Void(VoidRequest("saga-1:void", "order-1"), &voided).ok());
  EXPECT_EQ(IntentState("order-1"), "VOIDED");
  gated.Open();
  EXPECT_EQ(authorize.get().code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(OpenAtProvider("order-1"), 10000);  // the crash left it open

  auto reconciler = Reconciler();
  auto pass = reconciler.ReconcileNow();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->released, 1);
  EXPECT_EQ(pass->in_flight, 0);
  EXPECT_EQ(OpenAtProvider("order-1"), 0);
  EXPECT_EQ(IntentState("order-1"), "CLOSED");
  // Recorded on the tombstone, whose amounts stay zero: the approval, then its release.
  v1::Payment tombstone;
  ASSERT_TRUE(billing_->GetPayment(voided.id(), &tombstone).ok());
  EXPECT_TRUE(tombstone.tombstone());
  EXPECT_EQ(tombstone.authorized().amount_minor(), 0);
  ASSERT_EQ(tombstone.transactions_size(), 2);
  EXPECT_EQ(tombstone.transactions(0).kind(), v1::TRANSACTION_KIND_AUTHORIZE);
  EXPECT_EQ(tombstone.transactions(1).kind(), v1::TRANSACTION_KIND_VOID);
  EXPECT_EQ(tombstone.transactions(1).idempotency_key(), "oms-release:order-1");
  EXPECT_EQ(tombstone.transactions(1).request_id(), "billing-reconciler");
  EXPECT_EQ(Sample("oms_billing_reconciler_voided_total"), 1);
  EXPECT_EQ(Sample("oms_billing_authorizations_in_flight"), 0);

  // Settled: the next pass finds nothing, and the saga's retry is still refused.
  auto again = reconciler.ReconcileNow();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->released + again->adopted + again->closed + again->waiting, 0);
  EXPECT_EQ(ReasonOf(Authorize("saga-1:authorize", "order-1", 10000).status()),
            "AUTHORIZATION_VOIDED");
  EXPECT_EQ(Query("SELECT count(*) FROM sandbox_provider_operations WHERE operation = 'VOID'"), 1);
}

// The caller dies after the provider approved and nothing voided the order: the reconciler records
// the approval as the caller would have, and the saga's retry gets that one authorization.
TEST_F(BillingInFlightAuthorizationTest, TheReconcilerAdoptsAnAnswerWhoseCallerDied) {
  CrashOnce("billing.authorize.after_provider", "saga-1:authorize");
  EXPECT_EQ(Authorize("saga-1:authorize", "order-1", 10000).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(IntentState("order-1"), "AUTHORIZING");
  EXPECT_EQ(Query("SELECT count(*) FROM payments"), 0);

  auto fresh = Reconciler(std::chrono::seconds(300)).ReconcileNow();  // a live caller is left be
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->adopted, 0);
  EXPECT_EQ(fresh->in_flight, 1);
  EXPECT_EQ(Query("SELECT count(*) FROM payments"), 0);

  auto pass = Reconciler().ReconcileNow();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->adopted, 1);
  EXPECT_EQ(pass->in_flight, 0);
  EXPECT_EQ(IntentState("order-1"), "AUTHORIZED");
  EXPECT_EQ(Sample("oms_billing_reconciler_adopted_total"), 1);

  auto retried = Authorize("saga-1:authorize", "order-1", 10000);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->status(), v1::PAYMENT_STATUS_AUTHORIZED);
  EXPECT_EQ(retried->authorization_reference(),
            QueryText("SELECT reference FROM sandbox_provider_operations"));
  ASSERT_EQ(retried->transactions_size(), 1);
  EXPECT_EQ(retried->transactions(0).request_id(), "saga-1:authorize");
  EXPECT_EQ(ReasonOf(Authorize("saga-2:authorize", "order-1", 10000).status()), "PAYMENT_EXISTS");
  EXPECT_EQ(Query("SELECT count(*) FROM sandbox_provider_operations"), 1);  // one authorization
  EXPECT_EQ(Query("SELECT count(*) FROM payments"), 1);

  auto voided = Void("saga-1:void", "order-1");
  ASSERT_TRUE(voided.ok()) << voided.status();
  EXPECT_EQ(OpenAtProvider("order-1"), 0);
}

// The caller died before the provider recorded anything: the reconciler waits for the saga's
// retry or void, and once voided, closes the intent.
TEST_F(BillingInFlightAuthorizationTest, TheReconcilerWaitsOnAnAuthorizationTheProviderNeverGot) {
  EXPECT_EQ(Authorize("saga-1:authorize", "order-1", 10000, "tok_unavailable").status().code(),
            absl::StatusCode::kUnavailable);
  auto reconciler = Reconciler();
  auto waiting = reconciler.ReconcileNow();
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ(waiting->waiting, 1);
  EXPECT_EQ(waiting->in_flight, 1);
  EXPECT_EQ(Sample("oms_billing_authorizations_in_flight"), 1);
  EXPECT_EQ(IntentState("order-1"), "AUTHORIZING");

  auto voided = Void("saga-1:void", "order-1");
  ASSERT_TRUE(voided.ok()) << voided.status();
  EXPECT_TRUE(voided->tombstone());
  auto closed = reconciler.ReconcileNow();
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->closed, 1);
  EXPECT_EQ(closed->in_flight, 0);
  EXPECT_EQ(IntentState("order-1"), "CLOSED");
  EXPECT_EQ(Query("SELECT count(*) FROM sandbox_provider_operations"), 0);
}

// Retries of one request while its call is in flight, and another request for the same order,
// never make a second authorization.
TEST_F(BillingInFlightAuthorizationTest, RequestsWhileACallIsInFlightAuthorizeOnce) {
  GatedProvider gated(*provider_);
  PgBillingUseCases billing(*pool_, gated, {});
  std::future<absl::StatusOr<v1::Payment>> first, repeat;
  OpenOnExit open_on_exit{gated};  // destroyed first: the calls finish, so the futures can end
  auto authorize = [&billing](const std::string& request_id) {
    v1::Payment payment;
    absl::Status status =
        billing.Authorize(AuthorizeRequest(request_id, "order-1", 10000), &payment);
    return status.ok() ? absl::StatusOr<v1::Payment>(payment) : absl::StatusOr<v1::Payment>(status);
  };
  first = std::async(std::launch::async, authorize, "saga-1:authorize");
  ASSERT_TRUE(gated.AwaitCallAtGate());
  // Another request for the order is refused at once, without calling the provider.
  EXPECT_EQ(ReasonOf(authorize("saga-2:authorize").status()), "PAYMENT_EXISTS");
  repeat = std::async(std::launch::async, authorize, "saga-1:authorize");
  gated.Open();
  auto first_payment = first.get();
  auto repeat_payment = repeat.get();
  ASSERT_TRUE(first_payment.ok()) << first_payment.status();
  ASSERT_TRUE(repeat_payment.ok()) << repeat_payment.status();
  EXPECT_EQ(repeat_payment->id(), first_payment->id());
  EXPECT_EQ(Query("SELECT count(*) FROM sandbox_provider_operations"), 1);
  EXPECT_EQ(Query("SELECT count(*) FROM payments"), 1);
  EXPECT_EQ(IntentState("order-1"), "AUTHORIZED");
}

}  // namespace
}  // namespace oms::billing
