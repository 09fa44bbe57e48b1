// Invoices, credit notes, their gap-free numbering, and the tax rates documents are priced at,
// in PostgreSQL: the statements and the row mapping, inside a transaction the caller owns.
//
// Numbering: each kind of document has one counter row per year, incremented under its row lock
// in the transaction that inserts the document, so documents of one kind and year are numbered
// one at a time and a rolled-back document gives its number back (no gaps).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oms/billing/v1/billing.pb.h"

namespace pqxx {
class transaction_base;
}  // namespace pqxx

namespace oms {
struct PreparedStatement;
}  // namespace oms

namespace oms::billing {

class DocumentsStore {
 public:
  // Every statement below, for the pool to prepare on each connection.
  static const std::vector<PreparedStatement>& Statements();

  explicit DocumentsStore(pqxx::transaction_base& tx) : tx_(tx) {}

  // The stored rate of the destination's region when it has one, else of its country; nullopt
  // when neither has one.
  [[nodiscard]] std::optional<int> TaxRateBp(const common::v1::Address& destination);

  // The invoice of one shipment of a payment, with its lines; nullopt when it has none.
  [[nodiscard]] std::optional<v1::Invoice> FindInvoice(const std::string& payment_id,
                                                       const std::string& shipment_id);
  // Numbers and writes `draft` (its id, number and issue time are ignored) with its shipping
  // charge and its lines, linked to the capture transaction (none for a free shipment); `*out` is
  // the invoice as issued.
  void IssueInvoice(const v1::Invoice& draft, std::optional<long long> capture_transaction_id,
                    v1::Invoice* out);

  // SKU -> units credited so far by the credit notes of `invoice_id`.
  [[nodiscard]] std::map<std::string, long long> CreditedQuantities(const std::string& invoice_id);
  // Whether a credit note of `invoice_id` gave back its shipping charge (at most one can: see
  // migrations/0008).
  [[nodiscard]] bool ShippingCredited(const std::string& invoice_id);
  // As IssueInvoice, for a credit note (its currency: that of `draft.total()`), with its shipping
  // and shipping tax; `credits_shipping` marks it as the invoice's one note that gives back the
  // invoice's shipping (whatever its amount, 0 included).
  void IssueCreditNote(const v1::CreditNote& draft, bool credits_shipping,
                       std::optional<long long> refund_transaction_id, v1::CreditNote* out);

  // The order's invoices and credit notes (at most 1000 each), in number order.
  void ListByOrder(const std::string& order_id, v1::ListInvoicesResponse* out);

 private:
  pqxx::transaction_base& tx_;
};

}  // namespace oms::billing
