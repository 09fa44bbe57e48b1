#include "billing-service/src/billing_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/except>
#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "billing-service/src/billing_metrics.h"
#include "billing-service/src/payment_state.h"
#include "billing-service/src/tax.h"
#include "common/idempotency.h"
#include "common/log.h"
#include "common/pg_pool.h"
#include "common/status.h"

namespace oms::billing {

std::string AuthorizationKey(const std::string& order_id) {
  return absl::StrCat("oms-auth:", order_id);
}
std::string CaptureKey(const std::string& order_id, const std::string& shipment_id) {
  return absl::StrCat("oms-capture:", order_id, ":", shipment_id);
}
std::string VoidKey(const std::string& order_id, const std::string& request_id) {
  return absl::StrCat("oms-void:", order_id, ":", request_id);
}
std::string RefundKey(const std::string& order_id, const std::string& request_id) {
  return absl::StrCat("oms-refund:", order_id, ":", request_id);
}

namespace {

using google::protobuf::util::TimeUtil;

#define OMS_MICROS(column) "(extract(epoch FROM " column ") * 1000000)::bigint"
#define OMS_PAYMENT_COLUMNS                                                                  \
  "id, order_id, status, method, currency, authorized_minor, captured_minor, voided_minor, " \
  "refunded_minor, provider, authorization_reference, decline_code, tombstone, " OMS_MICROS( \
      "created_at") ", " OMS_MICROS("updated_at")
#define OMS_TRANSACTION_COLUMNS                                                      \
  "id, kind, amount_minor, currency, outcome, idempotency_key, provider_reference, " \
  "decline_code, request_id, shipment_id, " OMS_MICROS("created_at")
#define OMS_INVOICE_COLUMNS                                                                \
  "id, number, order_id, payment_id, shipment_id, currency, billing_name, billing_line1, " \
  "billing_line2, billing_city, billing_postal_code, billing_region, billing_country, "    \
  "tax_country, tax_region, subtotal_minor, tax_minor, total_minor, " OMS_MICROS("issued_at")
#define OMS_CREDIT_NOTE_COLUMNS                                                              \
  "c.id, c.number, c.order_id, c.payment_id, c.invoice_id, i.number, c.reason, c.currency, " \
  "c.subtotal_minor, c.tax_minor, c.total_minor, " OMS_MICROS("c.issued_at")
#define OMS_LINE_COLUMNS                                                                   \
  "sku, description, quantity, unit_price_minor, tax_rate_bp, unit_tax_minor, net_minor, " \
  "tax_minor, total_minor"

constexpr char kPaymentsLockOrder[] = "payments_lock_order";
constexpr char kPaymentsGetByOrder[] = "payments_get_by_order";
constexpr char kPaymentsGet[] = "payments_get";
constexpr char kPaymentsList[] = "payments_list";
constexpr char kPaymentsInsert[] = "payments_insert";
constexpr char kPaymentsUpdate[] = "payments_update";
constexpr char kTransactionsInsert[] = "payment_transactions_insert";
constexpr char kTransactionsList[] = "payment_transactions_list";
constexpr char kTaxRatesGet[] = "tax_rates_get";
constexpr char kDocumentCountersNext[] = "document_counters_next";
constexpr char kInvoicesGetByShipment[] = "invoices_get_by_shipment";
constexpr char kInvoicesGet[] = "invoices_get";
constexpr char kInvoicesList[] = "invoices_list";
constexpr char kInvoicesInsert[] = "invoices_insert";
constexpr char kInvoiceLinesInsert[] = "invoice_lines_insert";
constexpr char kInvoiceLinesList[] = "invoice_lines_list";
constexpr char kCreditNotesCredited[] = "credit_notes_credited";
constexpr char kCreditNotesInsert[] = "credit_notes_insert";
constexpr char kCreditNotesGet[] = "credit_notes_get";
constexpr char kCreditNotesList[] = "credit_notes_list";
constexpr char kCreditNoteLinesInsert[] = "credit_note_lines_insert";
constexpr char kCreditNoteLinesList[] = "credit_note_lines_list";

constexpr int kMaxDocuments = 1000;

const std::vector<PreparedStatement>& OwnStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // Serializes every call on one order, including an authorization whose payment row does
      // not exist yet (a hash collision only serializes two unrelated orders).
      {kPaymentsLockOrder, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"},
      {kPaymentsGetByOrder,
       "SELECT " OMS_PAYMENT_COLUMNS " FROM payments WHERE order_id = $1 FOR UPDATE"},
      {kPaymentsGet, "SELECT " OMS_PAYMENT_COLUMNS " FROM payments WHERE id = $1::uuid"},
      {kPaymentsList,
       "SELECT " OMS_PAYMENT_COLUMNS " FROM payments WHERE order_id = $1 ORDER BY created_at, id "
       "LIMIT 1000"},
      {kPaymentsInsert,
       "INSERT INTO payments (order_id, status, method, currency, authorized_minor, provider, "
       "authorization_reference, decline_code, tombstone) "
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"},
      {kPaymentsUpdate,
       "UPDATE payments SET status = $2, captured_minor = $3, voided_minor = $4, "
       "refunded_minor = $5, updated_at = now() WHERE id = $1::uuid"},
      {kTransactionsInsert,
       "INSERT INTO payment_transactions (payment_id, kind, amount_minor, currency, outcome, "
       "idempotency_key, provider_reference, decline_code, request_id, shipment_id) "
       "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"},
      {kTransactionsList,
       "SELECT " OMS_TRANSACTION_COLUMNS " FROM payment_transactions WHERE payment_id = $1::uuid "
       "ORDER BY id"},
      // The region's own rate when it has one, else the country's.
      {kTaxRatesGet,
       "SELECT rate_bp FROM tax_rates WHERE country = $1 AND region IN ($2, '') "
       "ORDER BY region DESC LIMIT 1"},
      // Takes the counter row's lock until commit: documents of one kind and year are numbered
      // one at a time, and a rolled-back document gives its number back (gap-free).
      {kDocumentCountersNext,
       "INSERT INTO document_counters (kind, year, last_number) "
       "VALUES ($1, extract(year FROM now() AT TIME ZONE 'UTC')::integer, 1) "
       "ON CONFLICT (kind, year) DO UPDATE SET last_number = document_counters.last_number + 1 "
       "RETURNING year, last_number"},
      {kInvoicesGetByShipment,
       "SELECT " OMS_INVOICE_COLUMNS " FROM invoices WHERE payment_id = $1::uuid "
       "AND shipment_id = $2"},
      {kInvoicesGet, "SELECT " OMS_INVOICE_COLUMNS " FROM invoices WHERE id = $1::uuid"},
      {kInvoicesList, "SELECT " OMS_INVOICE_COLUMNS " FROM invoices WHERE order_id = $1 "
                      "ORDER BY year, sequence LIMIT 1000"},
      {kInvoicesInsert,
       "INSERT INTO invoices (number, year, sequence, order_id, payment_id, shipment_id, "
       "currency, billing_name, billing_line1, billing_line2, billing_city, billing_postal_code, "
       "billing_region, billing_country, tax_country, tax_region, subtotal_minor, tax_minor, "
       "total_minor, capture_transaction_id) "
       "VALUES ($1, $2, $3, $4, $5::uuid, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
       "$17, $18, $19, $20::bigint) RETURNING id"},
      {kInvoiceLinesInsert, "INSERT INTO invoice_lines (invoice_id, line_no, " OMS_LINE_COLUMNS ") "
                            "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
      {kInvoiceLinesList,
       "SELECT " OMS_LINE_COLUMNS " FROM invoice_lines WHERE invoice_id = $1::uuid "
       "ORDER BY line_no"},
      {kCreditNotesCredited,
       "SELECT l.sku, sum(l.quantity)::bigint FROM credit_note_lines l "
       "JOIN credit_notes c ON c.id = l.credit_note_id WHERE c.invoice_id = $1::uuid "
       "GROUP BY l.sku"},
      {kCreditNotesInsert,
       "INSERT INTO credit_notes (number, year, sequence, order_id, payment_id, invoice_id, "
       "reason, currency, subtotal_minor, tax_minor, total_minor, refund_transaction_id) "
       "VALUES ($1, $2, $3, $4, $5::uuid, $6::uuid, $7, $8, $9, $10, $11, $12::bigint) "
       "RETURNING id"},
      {kCreditNotesGet, "SELECT " OMS_CREDIT_NOTE_COLUMNS " FROM credit_notes c "
                        "JOIN invoices i ON i.id = c.invoice_id WHERE c.id = $1::uuid"},
      {kCreditNotesList, "SELECT " OMS_CREDIT_NOTE_COLUMNS " FROM credit_notes c "
                         "JOIN invoices i ON i.id = c.invoice_id WHERE c.order_id = $1 "
                         "ORDER BY c.year, c.sequence LIMIT 1000"},
      {kCreditNoteLinesInsert,
       "INSERT INTO credit_note_lines (credit_note_id, line_no, " OMS_LINE_COLUMNS ") "
       "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
      {kCreditNoteLinesList,
       "SELECT " OMS_LINE_COLUMNS " FROM credit_note_lines WHERE credit_note_id = $1::uuid "
       "ORDER BY line_no"},
  };
  return kStatements;
}

// What billing reads of a locked payment row to decide.
struct PaymentRow {
  std::string id;
  std::string currency;
  std::string authorization_reference;
  PaymentAmounts amounts;
};

PaymentRow ReadPaymentRow(const pqxx::row& row) {
  PaymentRow payment;
  payment.id = row[0].as<std::string>();
  payment.currency = row[4].as<std::string>();
  payment.amounts.authorized = row[5].as<long long>();
  payment.amounts.captured = row[6].as<long long>();
  payment.amounts.voided = row[7].as<long long>();
  payment.amounts.refunded = row[8].as<long long>();
  payment.authorization_reference = row[10].as<std::string>();
  payment.amounts.declined = row[2].as<std::string>() == "DECLINED";
  payment.amounts.tombstone = row[12].as<bool>();
  return payment;
}

void SetMoney(common::v1::Money* money, const std::string& currency, long long minor) {
  money->set_currency(currency);
  money->set_amount_minor(minor);
}

template <class Enum>
Enum EnumFromText(const std::string& prefix, const std::string& text,
                  bool (*parse)(const std::string&, Enum*)) {
  Enum value{};
  parse(prefix + text, &value);
  return value;
}

void ReadTransaction(const pqxx::row& row, v1::PaymentTransaction* out) {
  out->set_id(row[0].as<long long>());
  out->set_kind(EnumFromText<v1::TransactionKind>("TRANSACTION_KIND_", row[1].as<std::string>(),
                                                  &v1::TransactionKind_Parse));
  SetMoney(out->mutable_amount(), row[3].as<std::string>(), row[2].as<long long>());
  out->set_outcome(EnumFromText<v1::TransactionOutcome>(
      "TRANSACTION_OUTCOME_", row[4].as<std::string>(), &v1::TransactionOutcome_Parse));
  out->set_idempotency_key(row[5].as<std::string>());
  out->set_provider_reference(row[6].as<std::string>());
  out->set_decline_code(row[7].as<std::string>());
  out->set_request_id(row[8].as<std::string>());
  out->set_shipment_id(row[9].as<std::string>());
  *out->mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[10].as<long long>());
}

void ReadPayment(pqxx::work& tx, const pqxx::row& row, v1::Payment* out) {
  out->Clear();
  out->set_id(row[0].as<std::string>());
  out->set_order_id(row[1].as<std::string>());
  out->set_status(StatusFromText(row[2].as<std::string>()));
  out->set_method(row[3].as<std::string>() == "CARD" ? v1::PAYMENT_METHOD_CARD
                                                     : v1::PAYMENT_METHOD_UNSPECIFIED);
  const std::string currency = row[4].as<std::string>();
  SetMoney(out->mutable_authorized(), currency, row[5].as<long long>());
  SetMoney(out->mutable_captured(), currency, row[6].as<long long>());
  SetMoney(out->mutable_voided(), currency, row[7].as<long long>());
  SetMoney(out->mutable_refunded(), currency, row[8].as<long long>());
  out->set_provider(row[9].as<std::string>());
  out->set_authorization_reference(row[10].as<std::string>());
  out->set_decline_code(row[11].as<std::string>());
  out->set_tombstone(row[12].as<bool>());
  *out->mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[13].as<long long>());
  *out->mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(row[14].as<long long>());
  for (const auto& transaction : tx.exec_prepared(kTransactionsList, out->id())) {
    ReadTransaction(transaction, out->add_transactions());
  }
}

void LoadPayment(pqxx::work& tx, const std::string& id, v1::Payment* out) {
  ReadPayment(tx, tx.exec_prepared1(kPaymentsGet, id), out);
}

void ReadLine(const pqxx::row& row, const std::string& currency, v1::InvoiceLine* line) {
  line->set_sku(row[0].as<std::string>());
  line->set_description(row[1].as<std::string>());
  line->set_quantity(row[2].as<long long>());
  SetMoney(line->mutable_unit_price(), currency, row[3].as<long long>());
  line->set_tax_rate_bp(row[4].as<int>());
  SetMoney(line->mutable_unit_tax(), currency, row[5].as<long long>());
  SetMoney(line->mutable_net(), currency, row[6].as<long long>());
  SetMoney(line->mutable_tax(), currency, row[7].as<long long>());
  SetMoney(line->mutable_total(), currency, row[8].as<long long>());
}

void ReadInvoice(pqxx::work& tx, const pqxx::row& row, v1::Invoice* out) {
  out->Clear();
  out->set_id(row[0].as<std::string>());
  out->set_number(row[1].as<std::string>());
  out->set_order_id(row[2].as<std::string>());
  out->set_payment_id(row[3].as<std::string>());
  out->set_shipment_id(row[4].as<std::string>());
  const std::string currency = row[5].as<std::string>();
  auto* address = out->mutable_billing_address();
  address->set_name(row[6].as<std::string>());
  address->set_line1(row[7].as<std::string>());
  address->set_line2(row[8].as<std::string>());
  address->set_city(row[9].as<std::string>());
  address->set_postal_code(row[10].as<std::string>());
  address->set_region(row[11].as<std::string>());
  address->set_country(row[12].as<std::string>());
  out->set_tax_country(row[13].as<std::string>());
  out->set_tax_region(row[14].as<std::string>());
  SetMoney(out->mutable_subtotal(), currency, row[15].as<long long>());
  SetMoney(out->mutable_tax(), currency, row[16].as<long long>());
  SetMoney(out->mutable_total(), currency, row[17].as<long long>());
  *out->mutable_issue_time() = TimeUtil::MicrosecondsToTimestamp(row[18].as<long long>());
  for (const auto& line : tx.exec_prepared(kInvoiceLinesList, out->id())) {
    ReadLine(line, currency, out->add_lines());
  }
}

void ReadCreditNote(pqxx::work& tx, const pqxx::row& row, v1::CreditNote* out) {
  out->Clear();
  out->set_id(row[0].as<std::string>());
  out->set_number(row[1].as<std::string>());
  out->set_order_id(row[2].as<std::string>());
  out->set_payment_id(row[3].as<std::string>());
  out->set_invoice_id(row[4].as<std::string>());
  out->set_invoice_number(row[5].as<std::string>());
  out->set_reason(row[6].as<std::string>());
  const std::string currency = row[7].as<std::string>();
  SetMoney(out->mutable_subtotal(), currency, row[8].as<long long>());
  SetMoney(out->mutable_tax(), currency, row[9].as<long long>());
  SetMoney(out->mutable_total(), currency, row[10].as<long long>());
  *out->mutable_issue_time() = TimeUtil::MicrosecondsToTimestamp(row[11].as<long long>());
  for (const auto& line : tx.exec_prepared(kCreditNoteLinesList, out->id())) {
    ReadLine(line, currency, out->add_lines());
  }
}

void InsertLines(pqxx::work& tx, const char* statement, const std::string& document_id,
                 const google::protobuf::RepeatedPtrField<v1::InvoiceLine>& lines) {
  for (int i = 0; i < lines.size(); ++i) {
    const v1::InvoiceLine& line = lines[i];
    tx.exec_prepared(statement, document_id, i + 1, line.sku(), line.description(), line.quantity(),
                     line.unit_price().amount_minor(), line.tax_rate_bp(),
                     line.unit_tax().amount_minor(), line.net().amount_minor(),
                     line.tax().amount_minor(), line.total().amount_minor());
  }
}

struct DocumentNumber {
  int year;
  long long sequence;
  std::string text;
};

DocumentNumber NextNumber(pqxx::work& tx, const std::string& kind) {
  const pqxx::row row = tx.exec_prepared1(kDocumentCountersNext, kind);
  DocumentNumber number{row[0].as<int>(), row[1].as<long long>(), ""};
  number.text = absl::StrFormat("%s-%d-%06d", kind, number.year, number.sequence);
  return number;
}

// The row of a provider call, as billing records it.
struct TransactionRow {
  std::string payment_id;
  const char* kind;
  long long amount_minor;
  std::string currency;
  const char* outcome;
  std::string idempotency_key;
  std::string provider_reference;
  std::string decline_code;
  std::string request_id;
  std::string shipment_id;
};

long long InsertTransaction(pqxx::work& tx, const TransactionRow& row) {
  return tx
      .exec_prepared1(kTransactionsInsert, row.payment_id, row.kind, row.amount_minor, row.currency,
                      row.outcome, row.idempotency_key, row.provider_reference, row.decline_code,
                      row.request_id, row.shipment_id)[0]
      .as<long long>();
}

void UpdateAmounts(pqxx::work& tx, const std::string& payment_id, const PaymentAmounts& amounts) {
  tx.exec_prepared(kPaymentsUpdate, payment_id, StatusText(DeriveStatus(amounts)), amounts.captured,
                   amounts.voided, amounts.refunded);
}

absl::Status PaymentNotFound(const std::string& order_id) {
  return WithReason(absl::StatusCode::kNotFound, "PAYMENT_NOT_FOUND",
                    absl::StrCat("order_id: order ", order_id, " has no payment"));
}

absl::Status CurrencyMismatch(const std::string& field, const std::string& payment_currency) {
  return WithReason(absl::StatusCode::kFailedPrecondition, "CURRENCY_MISMATCH",
                    absl::StrCat(field, ": the payment is in ", payment_currency));
}

absl::Status CheckExpected(bool has_expected, const common::v1::Money& expected,
                           long long computed) {
  if (has_expected && expected.amount_minor() != computed) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "AMOUNT_MISMATCH",
                      absl::StrCat("expected_amount: billing computes ", computed, ", not ",
                                   expected.amount_minor()));
  }
  return absl::OkStatus();
}

// A follow-up the provider did not answer with an approval is not applied.
absl::Status RefusedFollowUp(const ProviderResult& result, absl::string_view what) {
  return WithReason(absl::StatusCode::kFailedPrecondition, "PROVIDER_DECLINED",
                    absl::StrCat("the provider declined the ", what, ": ", result.decline_code));
}

// One capture, void or refund (`kind`) with the provider. An approval becomes a transaction row
// of `tx` (its id returned); a decline refuses the request; an unavailable provider also fills
// `unavailable`, the attempt the caller records once its own transaction has rolled back.
absl::StatusOr<long long> FollowUp(pqxx::work& tx, PaymentProvider& provider, const char* kind,
                                   const FollowUpCall& call, const std::string& payment_id,
                                   const std::string& request_id, const std::string& shipment_id,
                                   std::optional<TransactionRow>* unavailable) {
  const absl::string_view which(kind);
  absl::StatusOr<ProviderResult> result = which == "CAPTURE" ? provider.Capture(call)
                                          : which == "VOID"  ? provider.Void(call)
                                                             : provider.Refund(call);
  TransactionRow row{
      payment_id, kind, call.amount_minor, call.currency, "UNAVAILABLE", call.idempotency_key,
      "",         "",   request_id,        shipment_id};
  if (result.status().code() == absl::StatusCode::kUnavailable) *unavailable = row;
  if (!result.ok()) return result.status();
  if (result->outcome != ProviderOutcome::kApproved) {
    return RefusedFollowUp(*result, absl::AsciiStrToLower(which));
  }
  row.outcome = "APPROVED";
  row.provider_reference = result->reference;
  return InsertTransaction(tx, row);
}

}  // namespace

struct PgBillingStore::FailedAttempt {
  TransactionRow row;
};

PgBillingStore::PgBillingStore(PgPool& pool, PaymentProvider& provider, Options options)
    : pool_(pool), provider_(provider), options_(std::move(options)) {}

const std::vector<PreparedStatement>& PgBillingStore::Statements() {
  static const std::vector<PreparedStatement> kAll = [] {
    std::vector<PreparedStatement> all = OwnStatements();
    const auto& shared = IdempotencyStatements();
    all.insert(all.end(), shared.begin(), shared.end());
    return all;
  }();
  return kAll;
}

absl::Status PgBillingStore::CheckFailpoint(const std::string& name,
                                            const std::string& request_id) {
  return options_.failpoint ? options_.failpoint(name, request_id) : absl::OkStatus();
}

void PgBillingStore::RecordUnavailable(const FailedAttempt& attempt) {
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) {
    InsertTransaction(tx, attempt.row);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    log::Warn(attempt.row.request_id, "cannot record a failed provider attempt",
              {{"error", status.ToString()}});
  }
}

absl::Status PgBillingStore::Authorize(const v1::AuthorizePaymentRequest& request,
                                       v1::Payment* out) {
  const std::string& order_id = request.order_id();
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    auto claim = ClaimRequest(tx, request.request_id(), "AuthorizePayment", request);
    if (!claim.ok()) return claim.status();
    if (claim->has_value()) {
      out->ParseFromString(**claim);
      return absl::OkStatus();
    }
    tx.exec_prepared(kPaymentsLockOrder, order_id);
    pqxx::result existing = tx.exec_prepared(kPaymentsGetByOrder, order_id);
    if (!existing.empty()) {
      const PaymentRow row = ReadPaymentRow(existing[0]);
      if (row.amounts.tombstone || DeriveStatus(row.amounts) == v1::PAYMENT_STATUS_VOIDED) {
        return WithReason(absl::StatusCode::kFailedPrecondition, "AUTHORIZATION_VOIDED",
                          absl::StrCat("order ", order_id,
                                       "'s authorization was voided; it cannot be authorized"));
      }
      return WithReason(absl::StatusCode::kAlreadyExists, "PAYMENT_EXISTS",
                        absl::StrCat("order ", order_id, " already has payment ", row.id));
    }
    const std::string key = AuthorizationKey(order_id);
    auto result = provider_.Authorize({key, request.amount().amount_minor(),
                                       request.amount().currency(), "CARD", request.token()});
    if (!result.ok()) return result.status();
    const bool approved = result->outcome == ProviderOutcome::kApproved;
    const std::string id =
        tx.exec_prepared1(kPaymentsInsert, order_id, approved ? "AUTHORIZED" : "DECLINED", "CARD",
                          request.amount().currency(), approved ? result->amount_minor : 0,
                          provider_.name(), approved ? result->reference : std::string(),
                          result->decline_code, false)[0]
            .as<std::string>();
    InsertTransaction(tx, {id, "AUTHORIZE", request.amount().amount_minor(),
                           request.amount().currency(), approved ? "APPROVED" : "DECLINED", key,
                           result->reference, result->decline_code, request.request_id(), ""});
    if (absl::Status failed =
            CheckFailpoint("billing.authorize.before_commit", request.request_id());
        !failed.ok()) {
      return failed;
    }
    LoadPayment(tx, id, out);
    RecordResponse(tx, request.request_id(), *out);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (out->status() == v1::PAYMENT_STATUS_DECLINED) {
    return WithReason(absl::StatusCode::kFailedPrecondition, "PAYMENT_DECLINED",
                      absl::StrCat("the payment was declined: ", out->decline_code()));
  }
  return absl::OkStatus();
}

absl::Status PgBillingStore::Capture(const v1::CapturePaymentRequest& request,
                                     v1::CapturePaymentResponse* out) {
  const std::string& order_id = request.order_id();
  bool fresh = false;
  std::optional<FailedAttempt> unavailable;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    fresh = false;
    unavailable.reset();
    auto claim = ClaimRequest(tx, request.request_id(), "CapturePayment", request);
    if (!claim.ok()) return claim.status();
    if (claim->has_value()) {
      out->ParseFromString(**claim);
      return absl::OkStatus();
    }
    tx.exec_prepared(kPaymentsLockOrder, order_id);
    pqxx::result payments = tx.exec_prepared(kPaymentsGetByOrder, order_id);
    if (payments.empty()) return PaymentNotFound(order_id);
    const PaymentRow payment = ReadPaymentRow(payments[0]);
    const std::string& currency = request.lines(0).unit_price().currency();
    if (!payment.amounts.tombstone && !payment.amounts.declined && currency != payment.currency) {
      return CurrencyMismatch("lines.unit_price.currency", payment.currency);
    }
    if (!tx.exec_prepared(kInvoicesGetByShipment, payment.id, request.shipment_id()).empty()) {
      return WithReason(absl::StatusCode::kAlreadyExists, "SHIPMENT_ALREADY_CAPTURED",
                        absl::StrCat("shipment_id: shipment ", request.shipment_id(),
                                     " is already captured and invoiced"));
    }
    const common::v1::Address& destination = request.destination();
    pqxx::result rate = tx.exec_prepared(kTaxRatesGet, destination.country(), destination.region());
    auto invoice = PriceLines(request.lines(), currency, rate.empty() ? 0 : rate[0][0].as<int>());
    if (!invoice.ok()) return invoice.status();
    const long long total = invoice->total().amount_minor();
    absl::Status checked =
        CheckExpected(request.has_expected_amount(), request.expected_amount(), total);
    if (!checked.ok()) return checked;
    auto next = ApplyCapture(payment.amounts, total);
    if (!next.ok()) return next.status();

    const std::string key = CaptureKey(order_id, request.shipment_id());
    std::optional<long long> transaction_id;
    if (total > 0) {
      std::optional<TransactionRow> failed;
      auto captured = FollowUp(tx, provider_, "CAPTURE",
                               {key, payment.authorization_reference, total, payment.currency},
                               payment.id, request.request_id(), request.shipment_id(), &failed);
      if (failed) unavailable = FailedAttempt{*failed};
      if (!captured.ok()) return captured.status();
      transaction_id = *captured;
    }
    UpdateAmounts(tx, payment.id, *next);

    const common::v1::Address& billing =
        request.has_billing_address() ? request.billing_address() : destination;
    const DocumentNumber number = NextNumber(tx, "INV");
    const std::string invoice_id =
        tx.exec_prepared1(kInvoicesInsert, number.text, number.year, number.sequence, order_id,
                          payment.id, request.shipment_id(), currency, billing.name(),
                          billing.line1(), billing.line2(), billing.city(), billing.postal_code(),
                          billing.region(), billing.country(), destination.country(),
                          destination.region(), invoice->subtotal().amount_minor(),
                          invoice->tax().amount_minor(), total, transaction_id)[0]
            .as<std::string>();
    InsertLines(tx, kInvoiceLinesInsert, invoice_id, invoice->lines());
    if (absl::Status failed = CheckFailpoint("billing.capture.before_commit", request.request_id());
        !failed.ok()) {
      return failed;
    }
    LoadPayment(tx, payment.id, out->mutable_payment());
    ReadInvoice(tx, tx.exec_prepared1(kInvoicesGet, invoice_id), out->mutable_invoice());
    RecordResponse(tx, request.request_id(), *out);
    fresh = true;
    return absl::OkStatus();
  });
  if (unavailable.has_value()) RecordUnavailable(*unavailable);
  if (status.ok() && fresh && options_.metrics != nullptr) {
    options_.metrics->Captured(out->invoice().total().currency(),
                               out->invoice().total().amount_minor());
  }
  return status;
}

absl::Status PgBillingStore::Void(const v1::VoidPaymentRequest& request, v1::Payment* out) {
  const std::string& order_id = request.order_id();
  std::optional<FailedAttempt> unavailable;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    unavailable.reset();
    auto claim = ClaimRequest(tx, request.request_id(), "VoidPayment", request);
    if (!claim.ok()) return claim.status();
    if (claim->has_value()) {
      out->ParseFromString(**claim);
      return absl::OkStatus();
    }
    tx.exec_prepared(kPaymentsLockOrder, order_id);
    pqxx::result payments = tx.exec_prepared(kPaymentsGetByOrder, order_id);
    if (payments.empty()) {
      // The authorization never reached billing. It may still have reached the provider (billing
      // died before recording it): adopt it so it is voided below; else leave a tombstone that
      // refuses the late authorization. The order's lock keeps a concurrent authorization out.
      const std::string auth_key = AuthorizationKey(order_id);
      auto found = provider_.FindAuthorization(auth_key);
      if (!found.ok()) return found.status();
      if (!found->has_value()) {
        tx.exec_prepared(kPaymentsInsert, order_id, "VOIDED", "", "", 0, provider_.name(), "", "",
                         true);
      } else {
        const ProviderResult& adopted = **found;
        const bool approved = adopted.outcome == ProviderOutcome::kApproved;
        const std::string id =
            tx.exec_prepared1(kPaymentsInsert, order_id, approved ? "AUTHORIZED" : "DECLINED",
                              "CARD", adopted.currency, approved ? adopted.amount_minor : 0,
                              provider_.name(), approved ? adopted.reference : std::string(),
                              adopted.decline_code, false)[0]
                .as<std::string>();
        InsertTransaction(tx, {id, "AUTHORIZE", adopted.amount_minor, adopted.currency,
                               approved ? "APPROVED" : "DECLINED", auth_key, adopted.reference,
                               adopted.decline_code, request.request_id(), ""});
      }
      payments = tx.exec_prepared(kPaymentsGetByOrder, order_id);
    }
    const PaymentRow payment = ReadPaymentRow(payments[0]);
    long long amount = payment.amounts.open();
    if (payment.amounts.tombstone || payment.amounts.declined) {
      amount = 0;  // nothing was ever authorized: voiding it is a success that changes nothing
    } else if (request.has_amount()) {
      if (request.amount().currency() != payment.currency) {
        return CurrencyMismatch("amount.currency", payment.currency);
      }
      amount = request.amount().amount_minor();
    }
    auto next = ApplyVoid(payment.amounts, amount);
    if (!next.ok()) return next.status();
    if (amount > 0) {
      std::optional<TransactionRow> failed;
      auto voided = FollowUp(tx, provider_, "VOID",
                             {VoidKey(order_id, request.request_id()),
                              payment.authorization_reference, amount, payment.currency},
                             payment.id, request.request_id(), "", &failed);
      if (failed) unavailable = FailedAttempt{*failed};
      if (!voided.ok()) return voided.status();
      UpdateAmounts(tx, payment.id, *next);
    }
    if (absl::Status failed = CheckFailpoint("billing.void.before_commit", request.request_id());
        !failed.ok()) {
      return failed;
    }
    LoadPayment(tx, payment.id, out);
    RecordResponse(tx, request.request_id(), *out);
    return absl::OkStatus();
  });
  if (unavailable.has_value()) RecordUnavailable(*unavailable);
  return status;
}

absl::Status PgBillingStore::Refund(const v1::RefundPaymentRequest& request,
                                    v1::RefundPaymentResponse* out) {
  const std::string& order_id = request.order_id();
  bool fresh = false;
  std::optional<FailedAttempt> unavailable;
  absl::Status status = pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    fresh = false;
    unavailable.reset();
    auto claim = ClaimRequest(tx, request.request_id(), "RefundPayment", request);
    if (!claim.ok()) return claim.status();
    if (claim->has_value()) {
      out->ParseFromString(**claim);
      return absl::OkStatus();
    }
    tx.exec_prepared(kPaymentsLockOrder, order_id);
    pqxx::result payments = tx.exec_prepared(kPaymentsGetByOrder, order_id);
    if (payments.empty()) return PaymentNotFound(order_id);
    const PaymentRow payment = ReadPaymentRow(payments[0]);
    pqxx::result invoices =
        tx.exec_prepared(kInvoicesGetByShipment, payment.id, request.shipment_id());
    if (invoices.empty()) {
      return WithReason(
          absl::StatusCode::kNotFound, "INVOICE_NOT_FOUND",
          absl::StrCat("shipment_id: shipment ", request.shipment_id(), " has no invoice"));
    }
    v1::Invoice invoice;
    ReadInvoice(tx, invoices[0], &invoice);
    std::map<std::string, long long> credited;
    for (const auto& row : tx.exec_prepared(kCreditNotesCredited, invoice.id())) {
      credited[row[0].as<std::string>()] = row[1].as<long long>();
    }
    auto note = CreditLines(invoice, credited, request.lines());
    if (!note.ok()) return note.status();
    const long long total = note->total().amount_minor();
    absl::Status checked =
        CheckExpected(request.has_expected_amount(), request.expected_amount(), total);
    if (!checked.ok()) return checked;
    auto next = ApplyRefund(payment.amounts, total);
    if (!next.ok()) return next.status();

    std::optional<long long> transaction_id;
    if (total > 0) {
      std::optional<TransactionRow> failed;
      auto refunded = FollowUp(tx, provider_, "REFUND",
                               {RefundKey(order_id, request.request_id()),
                                payment.authorization_reference, total, payment.currency},
                               payment.id, request.request_id(), request.shipment_id(), &failed);
      if (failed) unavailable = FailedAttempt{*failed};
      if (!refunded.ok()) return refunded.status();
      transaction_id = *refunded;
    }
    UpdateAmounts(tx, payment.id, *next);
    const DocumentNumber number = NextNumber(tx, "CN");
    const std::string note_id =
        tx.exec_prepared1(kCreditNotesInsert, number.text, number.year, number.sequence, order_id,
                          payment.id, invoice.id(), request.reason(), payment.currency,
                          note->subtotal().amount_minor(), note->tax().amount_minor(), total,
                          transaction_id)[0]
            .as<std::string>();
    InsertLines(tx, kCreditNoteLinesInsert, note_id, note->lines());
    if (absl::Status failed = CheckFailpoint("billing.refund.before_commit", request.request_id());
        !failed.ok()) {
      return failed;
    }
    LoadPayment(tx, payment.id, out->mutable_payment());
    ReadCreditNote(tx, tx.exec_prepared1(kCreditNotesGet, note_id), out->mutable_credit_note());
    RecordResponse(tx, request.request_id(), *out);
    fresh = true;
    return absl::OkStatus();
  });
  if (unavailable.has_value()) RecordUnavailable(*unavailable);
  if (status.ok() && fresh && options_.metrics != nullptr) {
    options_.metrics->Refunded(out->credit_note().total().currency(),
                               out->credit_note().total().amount_minor());
  }
  return status;
}

absl::Status PgBillingStore::GetPayment(const std::string& id, v1::Payment* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_prepared(kPaymentsGet, id);
    if (rows.empty()) {
      return WithReason(absl::StatusCode::kNotFound, "PAYMENT_NOT_FOUND",
                        absl::StrCat("payment ", id, " does not exist"));
    }
    ReadPayment(tx, rows[0], out);
    return absl::OkStatus();
  });
}

absl::Status PgBillingStore::ListPayments(const std::string& order_id,
                                          v1::ListPaymentsResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    out->Clear();
    for (const auto& row : tx.exec_prepared(kPaymentsList, order_id)) {
      ReadPayment(tx, row, out->add_payments());
    }
    return absl::OkStatus();
  });
}

absl::Status PgBillingStore::ListInvoices(const std::string& order_id,
                                          v1::ListInvoicesResponse* out) {
  return pool_.InTransaction([&](pqxx::work& tx) {
    out->Clear();
    for (const auto& row : tx.exec_prepared(kInvoicesList, order_id)) {
      ReadInvoice(tx, row, out->add_invoices());
    }
    for (const auto& row : tx.exec_prepared(kCreditNotesList, order_id)) {
      ReadCreditNote(tx, row, out->add_credit_notes());
    }
    return absl::OkStatus();
  });
}

absl::Status PgBillingStore::QuoteTax(const v1::QuoteTaxRequest& request, v1::Invoice* out) {
  return pool_.InTransaction([&](pqxx::work& tx) -> absl::Status {
    const common::v1::Address& destination = request.destination();
    // The same rate and arithmetic as Capture, so that a quote is what the invoice will say.
    pqxx::result rate = tx.exec_prepared(kTaxRatesGet, destination.country(), destination.region());
    auto invoice = PriceLines(request.lines(), request.lines(0).unit_price().currency(),
                              rate.empty() ? 0 : rate[0][0].as<int>());
    if (!invoice.ok()) return invoice.status();
    *out = *std::move(invoice);
    return absl::OkStatus();
  });
}

}  // namespace oms::billing
