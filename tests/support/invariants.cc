#include "tests/support/invariants.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>

#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/pg_pool.h"
#include "inventory-service/src/reservation_use_cases.h"
#include "inventory-service/src/statements.h"

namespace oms::testing {
namespace {

// What each check needs from each database, read once. The queries are constant text: nothing
// in them comes from input.
struct OrderRow {
  std::string status;
  int64_t total_minor = 0;
};

struct ShipmentRow {
  std::string order_id;
  std::string kind;
  std::string warehouse_id;
  bool cancelled = false;
  bool shipped = false;
};

struct PaymentRow {
  std::string order_id;
  int64_t authorized = 0, captured = 0, voided = 0, refunded = 0;
  std::string authorization_reference;
};

struct InvoiceRow {
  std::string order_id;
  std::string payment_id;
  std::string shipment_id;
  int64_t total_minor = 0;
};

using SkuQuantities = std::map<std::string, int64_t>;  // SKU -> quantity

bool IsFinal(const std::string& status) {
  return status == "REJECTED" || status == "CANCELLED" || status == "COMPLETED";
}

bool IsVoidedOrRejected(const std::string& status) {
  return status == "REJECTED" || status == "CANCELLED";
}

std::string Describe(const SkuQuantities& lines) {
  std::string text;
  for (const auto& [sku, quantity] : lines)
    absl::StrAppend(&text, text.empty() ? "" : ",", sku, "x", quantity);
  return text.empty() ? "nothing" : text;
}

class Checker {
 public:
  explicit Checker(const SuiteDatabases& databases) : databases_(databases) {}

  std::vector<std::string> Run() {
    ReadOrders();
    CheckInventory();
    CheckShippingAndMoney();
    return std::move(violations_);
  }

 private:
  void Add(const std::string& id, const std::string& what) {
    violations_.push_back(absl::StrCat(id, ": ", what));
  }

  bool KnownOrder(const std::string& order_id) const { return orders_.count(order_id) > 0; }

  void ReadOrders() {
    pqxx::connection connection(databases_.order);
    pqxx::work tx(connection);
    for (const auto& row : tx.exec("SELECT id::text, status, total_minor FROM orders")) {
      orders_[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<int64_t>()};
      if (row[1].as<std::string>() == "PENDING") {
        Add("I4", absl::StrCat("order ", row[0].as<std::string>(), " is still PENDING"));
      }
    }
    for (const auto& row :
         tx.exec("SELECT client_id, idempotency_key, count(*) FROM orders GROUP BY 1, 2 "
                 "HAVING count(*) > 1")) {
      Add("I6", absl::StrCat(row[2].as<int64_t>(), " orders for client ", row[0].as<std::string>(),
                             " and idempotency key ", row[1].as<std::string>()));
    }
    for (const auto& row :
         tx.exec("SELECT channel, external_order_id, count(*) FROM orders "
                 "WHERE external_order_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1")) {
      Add("I6", absl::StrCat(row[2].as<int64_t>(), " orders for channel ", row[0].as<std::string>(),
                             " and external id ", row[1].as<std::string>()));
    }
    for (const auto& row :
         tx.exec("SELECT o.id::text FROM orders o WHERE NOT EXISTS "
                 "(SELECT 1 FROM sagas s WHERE s.order_id = o.id AND s.kind = 'ORDER')")) {
      Add("I6", absl::StrCat("order ", row[0].as<std::string>(), " has no saga"));
    }
    for (const auto& row :
         tx.exec("SELECT id::text, order_id::text, kind, subject, phase FROM sagas")) {
      const std::string phase = row[4].as<std::string>();
      if (row[2].as<std::string>() == "SHIPMENT" && phase == "COMPLETED") {
        completed_shipment_sagas_.insert(row[3].as<std::string>());
      }
      if (phase == "RUNNING" || phase == "COMPENSATING" || phase == "NEEDS_ATTENTION") {
        Add("I4", absl::StrCat(row[2].as<std::string>(), " saga ", row[0].as<std::string>(),
                               " of order ", row[1].as<std::string>(), " is ", phase));
      }
    }
    tx.commit();
  }

  void CheckInventory() {
    // I1 to I3 within inventory's database: inventory's own query, through its store.
    auto pool = PgPool::Create({databases_.inventory, 1, std::chrono::milliseconds(5000),
                                inventory::InventoryStatements()},
                               nullptr);
    if (!pool.ok()) {
      Add("check", absl::StrCat("cannot open the inventory database: ", pool.status().ToString()));
    } else {
      inventory::PgReservationUseCases store(**pool);
      inventory::v1::CheckInvariantsResponse response;
      // The same tolerance inventory-service applies: two sweep intervals past expiry.
      absl::Status checked = store.CheckInvariants(std::chrono::seconds(10), &response);
      if (!checked.ok()) Add("check", absl::StrCat("inventory invariants: ", checked.ToString()));
      for (const auto& violation : response.violations()) {
        Add(violation.invariant(), absl::StrCat(violation.detail(), " (sku ", violation.sku(),
                                                ", warehouse ", violation.warehouse_id(), ")"));
      }
    }

    pqxx::connection connection(databases_.inventory);
    pqxx::work tx(connection);
    for (const auto& row : tx.exec("SELECT order_id, state FROM reservations")) {
      const std::string order_id = row[0].as<std::string>();
      const std::string state = row[1].as<std::string>();
      auto order = orders_.find(order_id);
      if (order == orders_.end()) {
        Add("I7", absl::StrCat("reservation of unknown order ", order_id));
      } else if (state == "HELD" && IsFinal(order->second.status)) {
        Add("I2", absl::StrCat("reservation of ", order->second.status, " order ", order_id,
                               " is still HELD"));
      }
    }
    for (const auto& row :
         tx.exec("SELECT r.order_id, l.warehouse_id::text, l.sku, l.committed "
                 "FROM reservations r JOIN reservation_lines l ON l.reservation_id = r.id "
                 "WHERE l.committed > 0")) {
      committed_[{row[0].as<std::string>(), row[1].as<std::string>()}][row[2].as<std::string>()] +=
          row[3].as<int64_t>();
    }
    tx.commit();
  }

  void CheckShippingAndMoney() {
    std::map<std::string, ShipmentRow> shipments;
    std::map<std::string, SkuQuantities> shipment_lines;
    {
      pqxx::connection connection(databases_.shipping);
      pqxx::work tx(connection);
      for (const auto& row : tx.exec("SELECT id::text, order_id, kind, warehouse_id, cancelled, "
                                     "shipped FROM shipments")) {
        shipments[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<std::string>(),
                                               row[3].as<std::string>(), row[4].as<bool>(),
                                               row[5].as<bool>()};
      }
      for (const auto& row :
           tx.exec("SELECT shipment_id::text, sku, sum(quantity)::bigint FROM shipment_lines "
                   "GROUP BY 1, 2")) {
        shipment_lines[row[0].as<std::string>()][row[1].as<std::string>()] = row[2].as<int64_t>();
      }
      tx.commit();
    }
    // I3 across: what inventory committed per (order, warehouse) is what shipping shipped.
    std::map<std::pair<std::string, std::string>, SkuQuantities> shipped;
    for (const auto& [id, shipment] : shipments) {
      if (!KnownOrder(shipment.order_id)) {
        Add("I7", absl::StrCat("shipment ", id, " of unknown order ", shipment.order_id));
        continue;
      }
      const std::string& status = orders_.at(shipment.order_id).status;
      if (shipment.kind == "OUTBOUND" && status == "REJECTED" && !shipment.cancelled) {
        Add("I4", absl::StrCat("REJECTED order ", shipment.order_id, " keeps shipment ", id));
      }
      if (shipment.kind != "OUTBOUND" || !shipment.shipped) continue;
      for (const auto& [sku, quantity] : shipment_lines[id]) {
        shipped[{shipment.order_id, shipment.warehouse_id}][sku] += quantity;
      }
    }
    std::set<std::pair<std::string, std::string>> groups;
    for (const auto& [key, lines] : shipped) groups.insert(key);
    for (const auto& [key, lines] : committed_) groups.insert(key);
    for (const auto& key : groups) {
      if (shipped[key] != committed_[key]) {
        Add("I3", absl::StrCat("order ", key.first, " warehouse ", key.second, ": committed ",
                               Describe(committed_[key]), ", shipped ", Describe(shipped[key])));
      }
    }

    pqxx::connection connection(databases_.billing);
    pqxx::work tx(connection);
    std::map<std::string, PaymentRow> payments;
    std::map<std::string, int64_t> captured_by_order;
    for (const auto& row :
         tx.exec("SELECT id::text, order_id, authorized_minor, captured_minor, voided_minor, "
                 "refunded_minor, authorization_reference FROM payments")) {
      PaymentRow payment{row[1].as<std::string>(), row[2].as<int64_t>(), row[3].as<int64_t>(),
                         row[4].as<int64_t>(),     row[5].as<int64_t>(), row[6].as<std::string>()};
      const std::string id = row[0].as<std::string>();
      if (!KnownOrder(payment.order_id)) {
        Add("I7", absl::StrCat("payment ", id, " of unknown order ", payment.order_id));
      } else if (IsVoidedOrRejected(orders_.at(payment.order_id).status) &&
                 payment.authorized - payment.captured - payment.voided > 0) {
        Add("I5",
            absl::StrCat("payment ", id, " of ", orders_.at(payment.order_id).status, " order ",
                         payment.order_id, " leaves ",
                         payment.authorized - payment.captured - payment.voided, " authorized"));
      }
      if (payment.refunded > payment.captured) {
        Add("I5", absl::StrCat("payment ", id, " refunded ", payment.refunded, " of ",
                               payment.captured, " captured"));
      }
      captured_by_order[payment.order_id] += payment.captured;
      payments[id] = std::move(payment);
    }

    std::map<std::string, InvoiceRow> invoices;
    std::map<std::string, int64_t> invoiced_by_payment;
    std::set<std::string> invoiced_shipments;
    for (const auto& row :
         tx.exec("SELECT id::text, order_id, payment_id::text, shipment_id, total_minor "
                 "FROM invoices")) {
      InvoiceRow invoice{row[1].as<std::string>(), row[2].as<std::string>(),
                         row[3].as<std::string>(), row[4].as<int64_t>()};
      invoiced_by_payment[invoice.payment_id] += invoice.total_minor;
      invoiced_shipments.insert(invoice.shipment_id);
      invoices[row[0].as<std::string>()] = std::move(invoice);
    }
    std::map<std::string, SkuQuantities> invoice_lines;
    for (const auto& row :
         tx.exec("SELECT invoice_id::text, sku, sum(quantity)::bigint FROM invoice_lines "
                 "GROUP BY 1, 2")) {
      invoice_lines[row[0].as<std::string>()][row[1].as<std::string>()] = row[2].as<int64_t>();
    }
    for (const auto& [id, payment] : payments) {
      if (payment.captured != invoiced_by_payment[id]) {
        Add("I5",
            absl::StrCat("payment ", id, " of order ", payment.order_id, " captured ",
                         payment.captured, " but its invoices total ", invoiced_by_payment[id]));
      }
    }
    // Charged only for what shipped, exactly what shipped.
    for (const auto& [id, invoice] : invoices) {
      auto shipment = shipments.find(invoice.shipment_id);
      if (shipment == shipments.end() || shipment->second.kind != "OUTBOUND" ||
          !shipment->second.shipped || shipment->second.order_id != invoice.order_id) {
        Add("I5", absl::StrCat("invoice ", id, " of order ", invoice.order_id, " is for shipment ",
                               invoice.shipment_id,
                               ", which is not a shipped outbound shipment of that order"));
      } else if (invoice_lines[id] != shipment_lines[invoice.shipment_id]) {
        Add("I5", absl::StrCat("invoice ", id, " bills ", Describe(invoice_lines[id]),
                               " but shipment ", invoice.shipment_id, " shipped ",
                               Describe(shipment_lines[invoice.shipment_id])));
      }
    }
    for (const auto& [id, shipment] : shipments) {
      if (shipment.kind == "OUTBOUND" && shipment.shipped && completed_shipment_sagas_.count(id) &&
          !invoiced_shipments.count(id)) {
        Add("I5", absl::StrCat("shipped shipment ", id, " of order ", shipment.order_id,
                               " completed its saga but was never invoiced"));
      }
    }
    for (const auto& [order_id, order] : orders_) {
      if ((order.status == "SHIPPED" || order.status == "DELIVERED" ||
           order.status == "COMPLETED") &&
          captured_by_order[order_id] != order.total_minor) {
        Add("I5", absl::StrCat(order.status, " order ", order_id, " totals ", order.total_minor,
                               " but captured ", captured_by_order[order_id]));
      }
    }

    // The provider's side (the sandbox's own ledger): one authorization per order, known to
    // billing or voided, and none left open on a rejected or cancelled order.
    std::set<std::string> recorded_references;
    for (const auto& [id, payment] : payments) {
      if (!payment.authorization_reference.empty()) {
        recorded_references.insert(payment.authorization_reference);
      }
    }
    std::map<std::string, int> authorizations_by_order;
    const std::string prefix = "oms-auth:";
    for (const auto& row : tx.exec(
             "SELECT a.idempotency_key, a.reference, a.amount_minor, "
             "  coalesce(sum(f.amount_minor) FILTER (WHERE f.operation = 'CAPTURE'), 0)::bigint, "
             "  coalesce(sum(f.amount_minor) FILTER (WHERE f.operation = 'VOID'), 0)::bigint "
             "FROM sandbox_provider_operations a "
             "LEFT JOIN sandbox_provider_operations f "
             "  ON f.authorization_reference = a.reference AND f.operation IN ('CAPTURE', 'VOID') "
             "  AND f.outcome = 'APPROVED' "
             "WHERE a.operation = 'AUTHORIZE' AND a.outcome = 'APPROVED' "
             "GROUP BY a.idempotency_key, a.reference, a.amount_minor")) {
      const std::string key = row[0].as<std::string>();
      const std::string reference = row[1].as<std::string>();
      const std::string order_id = absl::StartsWith(key, prefix) ? key.substr(prefix.size()) : key;
      const int64_t open = row[2].as<int64_t>() - row[3].as<int64_t>() - row[4].as<int64_t>();
      if (++authorizations_by_order[order_id] == 2) {
        Add("I5",
            absl::StrCat("the provider holds more than one authorization for order ", order_id));
      }
      if (!KnownOrder(order_id)) {
        Add("I7",
            absl::StrCat("provider authorization ", reference, " of unknown order ", order_id));
        continue;
      }
      if (open > 0 && !recorded_references.count(reference)) {
        Add("I5", absl::StrCat("provider authorization ", reference, " of order ", order_id,
                               " holds ", open, " that billing does not know of"));
      }
      if (open > 0 && IsVoidedOrRejected(orders_.at(order_id).status)) {
        Add("I5",
            absl::StrCat("provider authorization ", reference, " of ", orders_.at(order_id).status,
                         " order ", order_id, " leaves ", open, " open"));
      }
    }
    tx.commit();
  }

  const SuiteDatabases& databases_;
  std::vector<std::string> violations_;
  std::map<std::string, OrderRow> orders_;
  std::set<std::string> completed_shipment_sagas_;  // their subjects: shipment ids
  std::map<std::pair<std::string, std::string>, SkuQuantities> committed_;  // (order, warehouse)
};

}  // namespace

absl::StatusOr<std::vector<std::string>> CheckSuiteInvariants(const SuiteDatabases& databases) {
  try {
    return Checker(databases).Run();
  } catch (const std::exception& error) {
    return PgErrorToStatus(error);
  }
}

}  // namespace oms::testing
