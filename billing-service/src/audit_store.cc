#include "billing-service/src/audit_store.h"

#include <string>

#include <pqxx/pqxx>

#include "common/audit_rows.h"
#include "common/pg_pool.h"

namespace oms::billing {
namespace {

constexpr char kPaymentsBound[] = "payments_audit_bound";
constexpr char kInvoicesBound[] = "invoices_audit_bound";
constexpr char kAuthorizationsBound[] = "sandbox_provider_operations_audit_bound";
constexpr char kPayments[] = "payments_audit_facts";
constexpr char kInvoices[] = "invoices_audit_facts";
constexpr char kAuthorizations[] = "sandbox_provider_operations_audit_facts";

// The keys billing authorizes under are 'oms-auth:' and the order id (AuthorizationKey), so
// substr(key, 10) is the order id; ';' is the byte after ':', so every such key sorts below
// 'oms-auth;'.
#define OMS_AUTHORIZATION_KEYS                        \
  "operation = 'AUTHORIZE' AND outcome = 'APPROVED' " \
  "AND idempotency_key COLLATE \"C\" > 'oms-auth:' || $1 "

void ReadPayments(pqxx::work& tx, const AuditPage& page, const std::string& last,
                  v1::AuditOrderFactsResponse* out) {
  for (const auto& row : tx.exec_prepared(kPayments, page.after, last)) {
    auto* payment = out->add_payments();
    payment->set_id(row["id"].as<std::string>());
    payment->set_order_id(row["order_id"].as<std::string>());
    payment->set_authorized_minor(row["authorized_minor"].as<int64_t>());
    payment->set_captured_minor(row["captured_minor"].as<int64_t>());
    payment->set_voided_minor(row["voided_minor"].as<int64_t>());
    payment->set_refunded_minor(row["refunded_minor"].as<int64_t>());
    payment->set_authorization_reference(row["authorization_reference"].as<std::string>());
    payment->set_idle_seconds(row["idle_seconds"].as<int64_t>());
  }
}

void ReadInvoices(pqxx::work& tx, const AuditPage& page, const std::string& last,
                  v1::AuditOrderFactsResponse* out) {
  v1::AuditedInvoice* invoice = nullptr;
  for (const auto& row : tx.exec_prepared(kInvoices, page.after, last)) {
    const std::string id = row["id"].as<std::string>();
    if (invoice == nullptr || invoice->id() != id) {
      invoice = out->add_invoices();
      invoice->set_id(id);
      invoice->set_order_id(row["order_id"].as<std::string>());
      invoice->set_payment_id(row["payment_id"].as<std::string>());
      invoice->set_shipment_id(row["shipment_id"].as<std::string>());
      invoice->set_total_minor(row["total_minor"].as<int64_t>());
      invoice->set_idle_seconds(row["idle_seconds"].as<int64_t>());
    }
    AddSkuQuantity(row, "quantity", invoice->mutable_lines());
  }
}

void ReadAuthorizations(pqxx::work& tx, const AuditPage& page, const std::string& last,
                        v1::AuditOrderFactsResponse* out) {
  for (const auto& row : tx.exec_prepared(kAuthorizations, page.after, last)) {
    auto* authorization = out->add_provider_authorizations();
    authorization->set_order_id(row["order_id"].as<std::string>());
    authorization->set_reference(row["reference"].as<std::string>());
    authorization->set_amount_minor(row["amount_minor"].as<int64_t>());
    authorization->set_captured_minor(row["captured_minor"].as<int64_t>());
    authorization->set_voided_minor(row["voided_minor"].as<int64_t>());
    authorization->set_idle_seconds(row["idle_seconds"].as<int64_t>());
  }
}

}  // namespace

const std::vector<PreparedStatement>& AuditStatements() {
  static const std::vector<PreparedStatement> kStatements = {
      // Per source: how many orders follow the cursor (up to the page size), the last of them.
      {kPaymentsBound,
       "SELECT count(*) AS orders, COALESCE(max(order_id), '') AS last_order_id FROM ("
       "  SELECT order_id COLLATE \"C\" AS order_id FROM payments "
       "  WHERE order_id COLLATE \"C\" > $1 ORDER BY order_id COLLATE \"C\" LIMIT $2) page"},
      {kInvoicesBound,
       "SELECT count(*) AS orders, COALESCE(max(order_id), '') AS last_order_id FROM ("
       "  SELECT DISTINCT order_id COLLATE \"C\" AS order_id FROM invoices "
       "  WHERE order_id COLLATE \"C\" > $1 ORDER BY 1 LIMIT $2) page"},
      {kAuthorizationsBound,
       "SELECT count(*) AS orders, COALESCE(max(order_id), '') AS last_order_id FROM ("
       "  SELECT substr(idempotency_key, 10) COLLATE \"C\" AS order_id "
       "  FROM sandbox_provider_operations WHERE " OMS_AUTHORIZATION_KEYS
       "  AND idempotency_key COLLATE \"C\" < 'oms-auth;' "
       "  ORDER BY idempotency_key COLLATE \"C\" LIMIT $2) page"},
      // The facts in (after, last].
      {kPayments,
       "SELECT id::text AS id, order_id, authorized_minor, captured_minor, voided_minor, "
       "  refunded_minor, authorization_reference, "
       "  floor(extract(epoch FROM now() - updated_at))::bigint AS idle_seconds "
       "FROM payments WHERE order_id COLLATE \"C\" > $1 AND order_id COLLATE \"C\" <= $2 "
       "ORDER BY order_id COLLATE \"C\""},
      {kInvoices,
       "SELECT i.id::text AS id, i.order_id, i.payment_id::text AS payment_id, i.shipment_id, "
       "  i.total_minor, floor(extract(epoch FROM now() - i.issued_at))::bigint AS idle_seconds, "
       "  l.sku, l.quantity "
       "FROM invoices i LEFT JOIN invoice_lines l ON l.invoice_id = i.id "
       "WHERE i.order_id COLLATE \"C\" > $1 AND i.order_id COLLATE \"C\" <= $2 "
       "ORDER BY i.order_id COLLATE \"C\", i.id, l.line_no"},
      // An authorization's amount is its own raised by its approved increments
      // (sandbox_provider.h), what billing's payment records as authorized.
      {kAuthorizations,
       "SELECT substr(a.idempotency_key, 10) AS order_id, a.reference, "
       "  a.amount_minor "
       "  + COALESCE(sum(f.amount_minor) FILTER (WHERE f.operation = 'INCREMENT'), 0)::bigint "
       "    AS amount_minor, "
       "  COALESCE(sum(f.amount_minor) FILTER (WHERE f.operation = 'CAPTURE'), 0)::bigint "
       "    AS captured_minor, "
       "  COALESCE(sum(f.amount_minor) FILTER (WHERE f.operation = 'VOID'), 0)::bigint "
       "    AS voided_minor, "
       "  floor(extract(epoch FROM now() - greatest(a.created_at, max(f.created_at))))::bigint "
       "    AS idle_seconds "
       "FROM (SELECT * FROM sandbox_provider_operations WHERE " OMS_AUTHORIZATION_KEYS
       "  AND idempotency_key COLLATE \"C\" <= 'oms-auth:' || $2) a "
       "LEFT JOIN sandbox_provider_operations f ON f.authorization_reference = a.reference "
       "  AND f.operation IN ('CAPTURE', 'VOID', 'INCREMENT') AND f.outcome = 'APPROVED' "
       "GROUP BY a.idempotency_key, a.reference, a.amount_minor, a.created_at "
       "ORDER BY a.idempotency_key COLLATE \"C\""},
  };
  return kStatements;
}

#undef OMS_AUTHORIZATION_KEYS

void ReadAuditPage(pqxx::work& tx, const AuditPage& page, v1::AuditOrderFactsResponse* out) {
  out->Clear();  // a retry after a broken connection starts over
  const AuditRange range = ReadAuditRange(
      tx, page, {kPaymentsBound, kInvoicesBound, kAuthorizationsBound}, out->mutable_page());
  if (range.last_order_id.empty()) return;
  ReadPayments(tx, page, range.last_order_id, out);
  ReadInvoices(tx, page, range.last_order_id, out);
  ReadAuthorizations(tx, page, range.last_order_id, out);
}

}  // namespace oms::billing
