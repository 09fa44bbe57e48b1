#include "billing-service/src/billing_use_cases.h"

#include <pqxx/pqxx>

#include "billing-service/src/audit_store.h"
#include "billing-service/src/authorization_decisions.h"
#include "billing-service/src/authorization_intents_store.h"
#include "billing-service/src/billing_decisions.h"
#include "billing-service/src/billing_metrics.h"
#include "billing-service/src/documents_store.h"
#include "billing-service/src/payments_store.h"
#include "common/idempotency.h"
#include "common/log.h"
#include "common/pg_pool.h"

namespace oms::billing {
namespace {

constexpr char kAuthorizeFailpoint[] = "billing.authorize.before_commit";
constexpr char kAuthorizedFailpoint[] = "billing.authorize.after_provider";
constexpr char kCaptureFailpoint[] = "billing.capture.before_commit";
constexpr char kVoidFailpoint[] = "billing.void.before_commit";
constexpr char kRefundFailpoint[] = "billing.refund.before_commit";
constexpr char kIncrementFailpoint[] = "billing.increment.before_commit";

// Takes the order's lock and reads its payment, which a capture or refund needs to exist.
absl::StatusOr<PaymentRecord> LockPaymentOf(PaymentsStore& payments, const std::string& order_id) {
  payments.LockOrder(order_id);
  std::optional<PaymentRecord> payment = payments.FindForUpdate(order_id);
  if (!payment.has_value()) return PaymentNotFoundForOrder(order_id);
  return *std::move(payment);
}

absl::StatusOr<ProviderResult> CallProvider(PaymentProvider& provider, v1::TransactionKind kind,
                                            const FollowUpCall& call) {
  switch (kind) {
    case v1::TRANSACTION_KIND_AUTHORIZE:  // after the authorization, only ever an increment of it
      return provider.IncrementAuthorization(call);
    case v1::TRANSACTION_KIND_CAPTURE:
      return provider.Capture(call);
    case v1::TRANSACTION_KIND_VOID:
      return provider.Void(call);
    default:
      return provider.Refund(call);
  }
}

}  // namespace

struct PgBillingUseCases::Mutation {
  Mutation(pqxx::work& tx, const std::string& request_id,
           std::optional<TransactionRecord>& unavailable)
      : request_id(request_id),
        payments(tx),
        documents(tx),
        intents(tx),
        unavailable(unavailable) {}

  const std::string& request_id;
  PaymentsStore payments;
  DocumentsStore documents;
  AuthorizationIntentsStore intents;
  // Outlives the transaction: the attempt is logged once billing's transaction has rolled back.
  std::optional<TransactionRecord>& unavailable;
};

PgBillingUseCases::PgBillingUseCases(PgPool& pool, PaymentProvider& provider, Options options)
    : pool_(pool), provider_(provider), options_(std::move(options)), settlement_(pool, provider) {}

const std::vector<PreparedStatement>& PgBillingUseCases::Statements() {
  static const std::vector<PreparedStatement> kAll = [] {
    std::vector<PreparedStatement> all;
    for (const auto* part :
         {&PaymentsStore::Statements(), &DocumentsStore::Statements(),
          &AuthorizationIntentsStore::Statements(), &AuditStatements(), &IdempotencyStatements()}) {
      all.insert(all.end(), part->begin(), part->end());
    }
    return all;
  }();
  return kAll;
}

absl::Status PgBillingUseCases::Authorize(const v1::AuthorizePaymentRequest& request,
                                          v1::Payment* out) {
  const std::string& order_id = request.order_id();
  const AuthorizationIntent intent = IntentFor(request);
  auto call_provider = StartAuthorization(intent);
  if (!call_provider.ok()) return call_provider.status();
  std::optional<ProviderResult> answer;
  if (*call_provider) {
    auto result = provider_.Authorize(CallFor(request));  // no billing transaction open
    if (!result.ok()) return result.status();
    answer = *std::move(result);
    if (options_.failpoint) {
      if (absl::Status crashed = options_.failpoint(kAuthorizedFailpoint, request.request_id());
          !crashed.ok()) {
        return crashed;
      }
    }
  }
  absl::Status status = Mutate(
      request.request_id(), "AuthorizePayment", request, out, [&](Mutation& m) -> absl::Status {
        m.payments.LockOrder(order_id);
        const std::optional<PaymentRecord> payment = m.payments.FindForUpdate(order_id);
        const std::optional<AuthorizationIntent> current = m.intents.FindForUpdate(order_id);
        AuthorizationVerdict verdict = JudgeAuthorization(order_id, request.request_id(), payment,
                                                          current, answer.has_value());
        switch (verdict.action) {
          case AuthorizationVerdict::Action::kRecord:
            return Finish(m, kAuthorizeFailpoint,
                          RecordAnswer(m.payments, m.intents, provider_.name(), *current, *answer),
                          out);
          case AuthorizationVerdict::Action::kAnswerPayment:
            return Finish(m, kAuthorizeFailpoint, payment->id, out);
          case AuthorizationVerdict::Action::kRefuse:
            return verdict.refusal;
        }
        return verdict.refusal;
      });
  if (!status.ok() && answer.has_value()) {
    // The answer is not the order's payment: refused because a void came first, or not recorded
    // (the caller's deadline passed, the commit failed). An approval on an order voided in flight
    // must not stay open; Release does nothing for an order that was not. If this fails, the
    // intent stays VOIDED and the reconciler releases it.
    auto released = settlement_.Release(intent, *answer, request.request_id());
    if (!released.ok()) {
      log::Warn(request.request_id(), "cannot release an authorization voided in flight",
                {{"order_id", order_id}, {"error", released.status().ToString()}});
    }
  }
  if (!status.ok()) return status;
  return AuthorizationAnswer(*out);
}

absl::StatusOr<bool> PgBillingUseCases::StartAuthorization(const AuthorizationIntent& intent) {
  bool call_provider = false;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    PaymentsStore payments(tx);
    AuthorizationIntentsStore intents(tx);
    payments.LockOrder(intent.order_id);
    const bool answered = intents.RequestAnswered(intent.request_id);
    const bool paid = payments.FindForUpdate(intent.order_id).has_value();
    switch (PlanAuthorizationStart(answered, paid, intents.FindForUpdate(intent.order_id),
                                   intent.request_id)) {
      case AuthorizationStart::kRecordIntent:
        call_provider = intents.Insert(intent);
        break;
      case AuthorizationStart::kCallProvider:
        call_provider = true;
        break;
      case AuthorizationStart::kSkipProvider:
        call_provider = false;
        break;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return call_provider;
}

absl::Status PgBillingUseCases::Capture(const v1::CapturePaymentRequest& request,
                                        v1::CapturePaymentResponse* out) {
  bool fresh = false;
  absl::Status status = Mutate(
      request.request_id(), "CapturePayment", request, out,
      [&](Mutation& m) -> absl::Status {
        auto payment = LockPaymentOf(m.payments, request.order_id());
        if (!payment.ok()) return payment.status();
        const bool invoiced =
            m.documents.FindInvoice(payment->id, request.shipment_id()).has_value();
        auto plan =
            PlanCapture(*payment, request, invoiced, m.documents.TaxRateBp(request.destination()));
        if (!plan.ok()) return plan.status();
        return SettleAndIssue(
            m, *payment, plan->movement, kCaptureFailpoint,
            [&](std::optional<long long> capture_transaction_id) {
              m.documents.IssueInvoice(plan->invoice, capture_transaction_id,
                                       out->mutable_invoice());
            },
            out->mutable_payment());
      },
      &fresh);
  if (fresh && options_.metrics != nullptr) {
    options_.metrics->Captured(out->invoice().total().currency(),
                               out->invoice().total().amount_minor());
  }
  return status;
}

absl::Status PgBillingUseCases::Void(const v1::VoidPaymentRequest& request, v1::Payment* out) {
  const std::string& order_id = request.order_id();
  return Mutate(request.request_id(), "VoidPayment", request, out,
                [&](Mutation& m) -> absl::Status {
                  m.payments.LockOrder(order_id);
                  std::optional<PaymentRecord> payment = m.payments.FindForUpdate(order_id);
                  if (!payment.has_value()) {
                    if (absl::Status recorded = AdoptOrTombstone(m, order_id); !recorded.ok()) {
                      return recorded;
                    }
                    payment = m.payments.FindForUpdate(order_id);
                  }
                  auto movement = PlanVoid(*payment, request);
                  if (!movement.ok()) return movement.status();
                  if (movement->amount_minor > 0) {
                    auto moved = MoveMoney(m, *payment, *movement);
                    if (!moved.ok()) return moved.status();
                  }
                  return Finish(m, kVoidFailpoint, payment->id, out);
                });
}

absl::Status PgBillingUseCases::IncrementAuthorization(
    const v1::IncrementAuthorizationRequest& request, v1::Payment* out) {
  return Mutate(request.request_id(), "IncrementAuthorization", request, out,
                [&](Mutation& m) -> absl::Status {
                  auto payment = LockPaymentOf(m.payments, request.order_id());
                  if (!payment.ok()) return payment.status();
                  auto movement = PlanIncrement(*payment, request);
                  if (!movement.ok()) return movement.status();
                  // A provider down changes nothing; the attempt is logged, as a capture's.
                  FollowUpVerdict verdict = AskProvider(m, *payment, *movement);
                  m.unavailable = verdict.unavailable;
                  if (!verdict.applied.ok()) return verdict.applied.status();
                  m.payments.InsertTransaction(*verdict.applied);
                  m.payments.UpdateAmounts(payment->id, DeriveStatus(movement->next),
                                           movement->next);
                  return Finish(m, kIncrementFailpoint, payment->id, out);
                });
}

absl::Status PgBillingUseCases::Refund(const v1::RefundPaymentRequest& request,
                                       v1::RefundPaymentResponse* out) {
  bool fresh = false;
  absl::Status status = Mutate(
      request.request_id(), "RefundPayment", request, out,
      [&](Mutation& m) -> absl::Status {
        auto payment = LockPaymentOf(m.payments, request.order_id());
        if (!payment.ok()) return payment.status();
        const std::optional<v1::Invoice> invoice =
            m.documents.FindInvoice(payment->id, request.shipment_id());
        std::map<std::string, long long> credited;
        bool shipping_credited = false;
        if (invoice.has_value()) {
          credited = m.documents.CreditedQuantities(invoice->id());
          shipping_credited = m.documents.ShippingCredited(invoice->id());
        }
        auto plan = PlanRefund(*payment, invoice, credited, shipping_credited, request);
        if (!plan.ok()) return plan.status();
        return SettleAndIssue(
            m, *payment, plan->movement, kRefundFailpoint,
            [&](std::optional<long long> refund_transaction_id) {
              m.documents.IssueCreditNote(plan->credit_note, plan->credits_shipping,
                                          refund_transaction_id, out->mutable_credit_note());
            },
            out->mutable_payment());
      },
      &fresh);
  if (fresh && options_.metrics != nullptr) {
    options_.metrics->Refunded(out->credit_note().total().currency(),
                               out->credit_note().total().amount_minor());
  }
  return status;
}

absl::Status PgBillingUseCases::GetPayment(const std::string& id, v1::Payment* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    return PaymentsStore(tx).Read(id, out) ? absl::OkStatus() : PaymentNotFound(id);
  });
}

absl::Status PgBillingUseCases::ListPayments(const std::string& order_id,
                                             v1::ListPaymentsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    out->Clear();
    PaymentsStore(tx).ListByOrder(order_id, out);
    return absl::OkStatus();
  });
}

absl::Status PgBillingUseCases::ListInvoices(const std::string& order_id,
                                             v1::ListInvoicesResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    out->Clear();
    DocumentsStore(tx).ListByOrder(order_id, out);
    return absl::OkStatus();
  });
}

absl::Status PgBillingUseCases::QuoteTax(const v1::QuoteTaxRequest& request, v1::Invoice* out) {
  return pool_.Autocommit([&](pqxx::transaction_base& statement) -> absl::Status {
    auto invoice =
        QuoteInvoice(request, DocumentsStore(statement).TaxRateBp(request.destination()));
    if (!invoice.ok()) return invoice.status();
    *out = *std::move(invoice);
    return absl::OkStatus();
  });
}

absl::Status PgBillingUseCases::Mutate(const std::string& request_id, const char* method,
                                       const google::protobuf::Message& request,
                                       google::protobuf::Message* out,
                                       absl::FunctionRef<absl::Status(Mutation&)> effect,
                                       bool* fresh) {
  std::optional<TransactionRecord> unavailable;
  bool replayed = false;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    unavailable.reset();  // of an earlier attempt on a connection found broken
    Mutation mutation(tx, request_id, unavailable);
    return RunOnce(
        tx, request_id, method, request, out, [&] { return effect(mutation); }, &replayed);
  });
  if (unavailable.has_value()) LogUnavailable(*unavailable);
  if (fresh != nullptr) *fresh = status.ok() && !replayed;
  return status;
}

absl::Status PgBillingUseCases::AdoptOrTombstone(Mutation& m, const std::string& order_id) {
  // The authorization never reached billing's payments. It may still have reached the provider
  // (its caller died after the provider answered): adopt it so that the void takes it; else
  // leave a tombstone that refuses the late authorization, and mark an intent in flight VOIDED
  // so that whoever gets the provider's answer releases it. The order's lock keeps the
  // authorization's own transactions out meanwhile.
  const std::string key = AuthorizationKey(order_id);
  auto found = provider_.FindAuthorization(key);
  if (!found.ok()) return found.status();
  std::optional<AuthorizationIntent> intent = m.intents.FindForUpdate(order_id);
  if (!found->has_value()) {
    m.payments.Insert(Tombstone(order_id, provider_.name()));
    if (intent.has_value()) m.intents.SetState(order_id, IntentState::kVoided);
    return absl::OkStatus();
  }
  const ProviderResult& adopted = **found;
  if (!intent.has_value()) {  // an authorization from before intents were recorded
    intent = AuthorizationIntent{order_id,
                                 m.request_id,
                                 key,
                                 adopted.amount_minor,
                                 adopted.currency,
                                 IntentState::kAuthorizing};
  }
  RecordAnswer(m.payments, m.intents, provider_.name(), *intent, adopted);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<long long>> PgBillingUseCases::MoveMoney(Mutation& m,
                                                                      const PaymentRecord& payment,
                                                                      const Movement& movement) {
  std::optional<long long> transaction_id;
  if (movement.amount_minor > 0) {
    FollowUpVerdict verdict = AskProvider(m, payment, movement);
    m.unavailable = verdict.unavailable;
    if (!verdict.applied.ok()) return verdict.applied.status();
    transaction_id = m.payments.InsertTransaction(*verdict.applied);
  }
  m.payments.UpdateAmounts(payment.id, DeriveStatus(movement.next), movement.next);
  return transaction_id;
}

FollowUpVerdict PgBillingUseCases::AskProvider(Mutation& m, const PaymentRecord& payment,
                                               const Movement& movement) {
  TransactionRecord attempt;
  attempt.payment_id = payment.id;
  attempt.kind = movement.kind;
  attempt.amount_minor = movement.amount_minor;
  attempt.currency = payment.currency;
  attempt.idempotency_key = movement.idempotency_key;
  attempt.request_id = m.request_id;
  attempt.shipment_id = movement.shipment_id;
  const FollowUpCall call{movement.idempotency_key, payment.authorization_reference,
                          movement.amount_minor, payment.currency};
  return JudgeFollowUp(attempt, CallProvider(provider_, movement.kind, call));
}

absl::Status PgBillingUseCases::SettleAndIssue(
    Mutation& m, const PaymentRecord& payment, const Movement& movement, const char* failpoint,
    absl::FunctionRef<void(std::optional<long long>)> issue, v1::Payment* out) {
  auto transaction_id = MoveMoney(m, payment, movement);
  if (!transaction_id.ok()) return transaction_id.status();
  issue(*transaction_id);
  return Finish(m, failpoint, payment.id, out);
}

absl::Status PgBillingUseCases::Finish(Mutation& m, const char* failpoint,
                                       const std::string& payment_id, v1::Payment* out) {
  if (options_.failpoint) {
    if (absl::Status crashed = options_.failpoint(failpoint, m.request_id); !crashed.ok()) {
      return crashed;
    }
  }
  return m.payments.Read(payment_id, out) ? absl::OkStatus() : PaymentNotFound(payment_id);
}

void PgBillingUseCases::LogUnavailable(const TransactionRecord& attempt) {
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    PaymentsStore(tx).InsertTransaction(attempt);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    log::Warn(attempt.request_id, "cannot record a failed provider attempt",
              {{"error", status.ToString()}});
  }
}

absl::Status PgBillingUseCases::AuditOrderFacts(const AuditPage& page,
                                                v1::AuditOrderFactsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    ReadAuditPage(tx, page, out);
    return absl::OkStatus();
  });
}

}  // namespace oms::billing
