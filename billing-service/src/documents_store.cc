#include "billing-service/src/documents_store.h"

#include <google/protobuf/util/time_util.h>
#include <pqxx/pqxx>

#include "billing-service/src/billing_decisions.h"
#include "billing-service/src/billing_records.h"
#include "common/pg_pool.h"

namespace oms::billing {
namespace {

using google::protobuf::util::TimeUtil;

#define OMS_ISSUED_MICROS(column) \
  "(extract(epoch FROM " column ") * 1000000)::bigint AS issued_micros"
#define OMS_INVOICE_COLUMNS                                                                \
  "id, number, order_id, payment_id, shipment_id, currency, billing_name, billing_line1, " \
  "billing_line2, billing_city, billing_postal_code, billing_region, billing_country, "    \
  "tax_country, tax_region, subtotal_minor, tax_minor, total_minor, shipping_minor, "      \
  "shipping_tax_minor, " OMS_ISSUED_MICROS("issued_at")
#define OMS_CREDIT_NOTE_COLUMNS                                                                    \
  "c.id, c.number, c.order_id, c.payment_id, c.invoice_id, i.number AS invoice_number, c.reason, " \
  "c.currency, c.subtotal_minor, c.tax_minor, c.total_minor, c.shipping_minor, "                   \
  "c.shipping_tax_minor, " OMS_ISSUED_MICROS("c.issued_at")
#define OMS_LINE_COLUMNS                                                                   \
  "sku, description, quantity, unit_price_minor, tax_rate_bp, unit_tax_minor, net_minor, " \
  "tax_minor, total_minor, unit_discount_minor, extra_discount_units, discount_minor"

constexpr char kTaxRatesGet[] = "tax_rates_get";
constexpr char kDocumentCountersNext[] = "document_counters_next";
constexpr char kInvoicesGetByShipment[] = "invoices_get_by_shipment";
constexpr char kInvoicesGet[] = "invoices_get";
constexpr char kInvoicesList[] = "invoices_list";
constexpr char kInvoicesInsert[] = "invoices_insert";
constexpr char kInvoiceLinesInsert[] = "invoice_lines_insert";
constexpr char kInvoiceLinesList[] = "invoice_lines_list";
constexpr char kCreditNotesCredited[] = "credit_notes_credited";
constexpr char kCreditNotesShippingCredited[] = "credit_notes_shipping_credited";
constexpr char kCreditNotesInsert[] = "credit_notes_insert";
constexpr char kCreditNotesGet[] = "credit_notes_get";
constexpr char kCreditNotesList[] = "credit_notes_list";
constexpr char kCreditNoteLinesInsert[] = "credit_note_lines_insert";
constexpr char kCreditNoteLinesList[] = "credit_note_lines_list";

// document_counters.kind
const char* CounterKind(DocumentKind kind) { return kind == DocumentKind::kInvoice ? "INV" : "CN"; }

void SetMoney(common::v1::Money* money, const std::string& currency, long long minor) {
  money->set_currency(currency);
  money->set_amount_minor(minor);
}

// The columns both kinds of document have; returns the document's currency.
template <class Document>
std::string ReadSharedColumns(const pqxx::row& row, Document* out) {
  out->Clear();
  out->set_id(row["id"].as<std::string>());
  out->set_number(row["number"].as<std::string>());
  out->set_order_id(row["order_id"].as<std::string>());
  out->set_payment_id(row["payment_id"].as<std::string>());
  std::string currency = row["currency"].as<std::string>();
  SetMoney(out->mutable_subtotal(), currency, row["subtotal_minor"].as<long long>());
  SetMoney(out->mutable_tax(), currency, row["tax_minor"].as<long long>());
  SetMoney(out->mutable_total(), currency, row["total_minor"].as<long long>());
  *out->mutable_issue_time() =
      TimeUtil::MicrosecondsToTimestamp(row["issued_micros"].as<long long>());
  return currency;
}

void ReadLines(pqxx::transaction_base& tx, const char* statement, const std::string& document_id,
               const std::string& currency,
               google::protobuf::RepeatedPtrField<v1::InvoiceLine>* out) {
  for (const auto& row : tx.exec_prepared(statement, document_id)) {
    v1::InvoiceLine* line = out->Add();
    line->set_sku(row["sku"].as<std::string>());
    line->set_description(row["description"].as<std::string>());
    line->set_quantity(row["quantity"].as<long long>());
    SetMoney(line->mutable_unit_price(), currency, row["unit_price_minor"].as<long long>());
    line->set_tax_rate_bp(row["tax_rate_bp"].as<int>());
    SetMoney(line->mutable_unit_tax(), currency, row["unit_tax_minor"].as<long long>());
    SetMoney(line->mutable_net(), currency, row["net_minor"].as<long long>());
    SetMoney(line->mutable_tax(), currency, row["tax_minor"].as<long long>());
    SetMoney(line->mutable_total(), currency, row["total_minor"].as<long long>());
    SetMoney(line->mutable_discount(), currency, row["discount_minor"].as<long long>());
    line->set_unit_discount_minor(row["unit_discount_minor"].as<long long>());
    line->set_extra_discount_units(row["extra_discount_units"].as<long long>());
  }
}

void InsertLines(pqxx::transaction_base& tx, const char* statement, const std::string& document_id,
                 const google::protobuf::RepeatedPtrField<v1::InvoiceLine>& lines) {
  for (int i = 0; i < lines.size(); ++i) {
    const v1::InvoiceLine& line = lines[i];
    tx.exec_prepared(
        statement, document_id, i + 1, line.sku(), line.description(), line.quantity(),
        line.unit_price().amount_minor(), line.tax_rate_bp(), line.unit_tax().amount_minor(),
        line.net().amount_minor(), line.tax().amount_minor(), line.total().amount_minor(),
        line.unit_discount_minor(), line.extra_discount_units(), line.discount().amount_minor());
  }
}

void ReadInvoice(pqxx::transaction_base& tx, const pqxx::row& row, v1::Invoice* out) {
  const std::string currency = ReadSharedColumns(row, out);
  out->set_shipment_id(row["shipment_id"].as<std::string>());
  common::v1::Address* address = out->mutable_billing_address();
  address->set_name(row["billing_name"].as<std::string>());
  address->set_line1(row["billing_line1"].as<std::string>());
  address->set_line2(row["billing_line2"].as<std::string>());
  address->set_city(row["billing_city"].as<std::string>());
  address->set_postal_code(row["billing_postal_code"].as<std::string>());
  address->set_region(row["billing_region"].as<std::string>());
  address->set_country(row["billing_country"].as<std::string>());
  out->set_tax_country(row["tax_country"].as<std::string>());
  out->set_tax_region(row["tax_region"].as<std::string>());
  SetMoney(out->mutable_shipping(), currency, row["shipping_minor"].as<long long>());
  SetMoney(out->mutable_shipping_tax(), currency, row["shipping_tax_minor"].as<long long>());
  ReadLines(tx, kInvoiceLinesList, out->id(), currency, out->mutable_lines());
}

void ReadCreditNote(pqxx::transaction_base& tx, const pqxx::row& row, v1::CreditNote* out) {
  const std::string currency = ReadSharedColumns(row, out);
  out->set_invoice_id(row["invoice_id"].as<std::string>());
  out->set_invoice_number(row["invoice_number"].as<std::string>());
  out->set_reason(row["reason"].as<std::string>());
  SetMoney(out->mutable_shipping(), currency, row["shipping_minor"].as<long long>());
  SetMoney(out->mutable_shipping_tax(), currency, row["shipping_tax_minor"].as<long long>());
  ReadLines(tx, kCreditNoteLinesList, out->id(), currency, out->mutable_lines());
}

struct DocumentNumber {
  int year;
  long long sequence;
  std::string text;
};

DocumentNumber NextNumber(pqxx::transaction_base& tx, DocumentKind kind) {
  const pqxx::row row = tx.exec_prepared1(kDocumentCountersNext, CounterKind(kind));
  DocumentNumber number{row["year"].as<int>(), row["last_number"].as<long long>(), ""};
  number.text = DocumentNumberText(kind, number.year, number.sequence);
  return number;
}

}  // namespace

const std::vector<PreparedStatement>& DocumentsStore::Statements() {
  static const std::vector<PreparedStatement> kStatements = {
      // The region's own rate when it has one, else the country's.
      {kTaxRatesGet,
       "SELECT rate_bp FROM tax_rates WHERE country = $1 AND region IN ($2, '') "
       "ORDER BY region DESC LIMIT 1"},
      // Takes the counter row's lock until commit (see the header on numbering).
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
       "total_minor, capture_transaction_id, shipping_minor, shipping_tax_minor) "
       "VALUES ($1, $2, $3, $4, $5::uuid, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
       "$17, $18, $19, $20::bigint, $21, $22) RETURNING id"},
      {kInvoiceLinesInsert,
       "INSERT INTO invoice_lines (invoice_id, line_no, " OMS_LINE_COLUMNS ") "
       "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"},
      {kInvoiceLinesList,
       "SELECT " OMS_LINE_COLUMNS " FROM invoice_lines WHERE invoice_id = $1::uuid "
       "ORDER BY line_no"},
      {kCreditNotesCredited,
       "SELECT l.sku, sum(l.quantity)::bigint AS quantity FROM credit_note_lines l "
       "JOIN credit_notes c ON c.id = l.credit_note_id WHERE c.invoice_id = $1::uuid "
       "GROUP BY l.sku"},
      // At most one note matches: credit_notes_shipping_once (migrations/0008).
      {kCreditNotesShippingCredited,
       "SELECT EXISTS (SELECT 1 FROM credit_notes WHERE invoice_id = $1::uuid "
       "AND credits_shipping) AS credited"},
      {kCreditNotesInsert,
       "INSERT INTO credit_notes (number, year, sequence, order_id, payment_id, invoice_id, "
       "reason, currency, subtotal_minor, tax_minor, total_minor, refund_transaction_id, "
       "shipping_minor, shipping_tax_minor, credits_shipping) "
       "VALUES ($1, $2, $3, $4, $5::uuid, $6::uuid, $7, $8, $9, $10, $11, $12::bigint, $13, $14, "
       "$15) RETURNING id"},
      {kCreditNotesGet, "SELECT " OMS_CREDIT_NOTE_COLUMNS " FROM credit_notes c "
                        "JOIN invoices i ON i.id = c.invoice_id WHERE c.id = $1::uuid"},
      {kCreditNotesList, "SELECT " OMS_CREDIT_NOTE_COLUMNS " FROM credit_notes c "
                         "JOIN invoices i ON i.id = c.invoice_id WHERE c.order_id = $1 "
                         "ORDER BY c.year, c.sequence LIMIT 1000"},
      {kCreditNoteLinesInsert,
       "INSERT INTO credit_note_lines (credit_note_id, line_no, " OMS_LINE_COLUMNS ") "
       "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"},
      {kCreditNoteLinesList,
       "SELECT " OMS_LINE_COLUMNS " FROM credit_note_lines WHERE credit_note_id = $1::uuid "
       "ORDER BY line_no"},
  };
  return kStatements;
}

std::optional<int> DocumentsStore::TaxRateBp(const common::v1::Address& destination) {
  pqxx::result rows = tx_.exec_prepared(kTaxRatesGet, destination.country(), destination.region());
  if (rows.empty()) return std::nullopt;
  return rows[0]["rate_bp"].as<int>();
}

std::optional<v1::Invoice> DocumentsStore::FindInvoice(const std::string& payment_id,
                                                       const std::string& shipment_id) {
  pqxx::result rows = tx_.exec_prepared(kInvoicesGetByShipment, payment_id, shipment_id);
  if (rows.empty()) return std::nullopt;
  v1::Invoice invoice;
  ReadInvoice(tx_, rows[0], &invoice);
  return invoice;
}

void DocumentsStore::IssueInvoice(const v1::Invoice& draft,
                                  std::optional<long long> capture_transaction_id,
                                  v1::Invoice* out) {
  const DocumentNumber number = NextNumber(tx_, DocumentKind::kInvoice);
  const common::v1::Address& billing = draft.billing_address();
  const std::string id =
      tx_.exec_prepared1(kInvoicesInsert, number.text, number.year, number.sequence,
                         draft.order_id(), draft.payment_id(), draft.shipment_id(),
                         draft.total().currency(), billing.name(), billing.line1(), billing.line2(),
                         billing.city(), billing.postal_code(), billing.region(), billing.country(),
                         draft.tax_country(), draft.tax_region(), draft.subtotal().amount_minor(),
                         draft.tax().amount_minor(), draft.total().amount_minor(),
                         capture_transaction_id, draft.shipping().amount_minor(),
                         draft.shipping_tax().amount_minor())["id"]
          .as<std::string>();
  InsertLines(tx_, kInvoiceLinesInsert, id, draft.lines());
  ReadInvoice(tx_, tx_.exec_prepared1(kInvoicesGet, id), out);
}

std::map<std::string, long long> DocumentsStore::CreditedQuantities(const std::string& invoice_id) {
  std::map<std::string, long long> credited;
  for (const auto& row : tx_.exec_prepared(kCreditNotesCredited, invoice_id)) {
    credited[row["sku"].as<std::string>()] = row["quantity"].as<long long>();
  }
  return credited;
}

bool DocumentsStore::ShippingCredited(const std::string& invoice_id) {
  return tx_.exec_prepared1(kCreditNotesShippingCredited, invoice_id)["credited"].as<bool>();
}

void DocumentsStore::IssueCreditNote(const v1::CreditNote& draft, bool credits_shipping,
                                     std::optional<long long> refund_transaction_id,
                                     v1::CreditNote* out) {
  const DocumentNumber number = NextNumber(tx_, DocumentKind::kCreditNote);
  const std::string id =
      tx_.exec_prepared1(kCreditNotesInsert, number.text, number.year, number.sequence,
                         draft.order_id(), draft.payment_id(), draft.invoice_id(), draft.reason(),
                         draft.total().currency(), draft.subtotal().amount_minor(),
                         draft.tax().amount_minor(), draft.total().amount_minor(),
                         refund_transaction_id, draft.shipping().amount_minor(),
                         draft.shipping_tax().amount_minor(), credits_shipping)["id"]
          .as<std::string>();
  InsertLines(tx_, kCreditNoteLinesInsert, id, draft.lines());
  ReadCreditNote(tx_, tx_.exec_prepared1(kCreditNotesGet, id), out);
}

void DocumentsStore::ListByOrder(const std::string& order_id, v1::ListInvoicesResponse* out) {
  for (const auto& row : tx_.exec_prepared(kInvoicesList, order_id)) {
    ReadInvoice(tx_, row, out->add_invoices());
  }
  for (const auto& row : tx_.exec_prepared(kCreditNotesList, order_id)) {
    ReadCreditNote(tx_, row, out->add_credit_notes());
  }
}

}  // namespace oms::billing
