#include "tools/check/invariant_check.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace oms::check {
namespace {

bool IsFinal(const std::string& status) {
  return status == "REJECTED" || status == "CANCELLED" || status == "COMPLETED";
}

bool IsVoidedOrRejected(const std::string& status) {
  return status == "REJECTED" || status == "CANCELLED";
}

bool IsRunning(const std::string& phase) { return phase == "RUNNING" || phase == "COMPENSATING"; }

std::string Describe(const SkuQuantities& lines) {
  std::string text;
  for (const auto& [sku, quantity] : lines) {
    absl::StrAppend(&text, text.empty() ? "" : ",", sku, "x", quantity);
  }
  return text.empty() ? "nothing" : text;
}

// Moves the elements whose order id is at most `last` from `from` to the end of `to`.
template <class Facts, class OrderIdOf>
void MoveUpTo(std::vector<Facts>* from, std::vector<Facts>* to,
              const std::optional<std::string>& last, OrderIdOf order_id_of) {
  auto keep = std::stable_partition(from->begin(), from->end(), [&](const Facts& facts) {
    return last.has_value() && order_id_of(facts) > *last;
  });
  to->insert(to->end(), std::make_move_iterator(keep), std::make_move_iterator(from->end()));
  from->erase(keep, from->end());
}

class WindowCheck {
 public:
  WindowCheck(const WindowFacts& facts, const CheckOptions& options)
      : facts_(facts), options_(options) {}

  std::vector<std::string> Run() {
    IndexOrders();
    CheckOrders();
    CheckReservations();
    CheckShipments();
    CheckPayments();
    CheckInvoices();
    CheckProvider();
    return std::move(violations_);
  }

 private:
  void Add(const char* id, const std::string& what) {
    violations_.push_back(absl::StrCat(id, ": ", what));
  }

  const OrderFacts* Order(const std::string& order_id) const {
    auto found = orders_.find(order_id);
    return found == orders_.end() ? nullptr : found->second;
  }

  // Live, a fact this young may belong to an order the services do not agree on yet.
  bool Recent(int64_t idle_seconds) const {
    return !options_.at_rest && idle_seconds < options_.settle_seconds;
  }

  // The order, when the services must agree on it by now; else nullptr (unknown or in flight).
  const OrderFacts* Settled(const std::string& order_id) const {
    return in_flight_.count(order_id) ? nullptr : Order(order_id);
  }

  // A fact whose order order-service does not know (I7), unless it may be younger than the
  // order's page. Returns whether the order is unknown.
  bool Unknown(const std::string& what, const std::string& order_id, int64_t idle_seconds) {
    if (Order(order_id) != nullptr) return false;
    if (!Recent(idle_seconds)) Add("I7", absl::StrCat(what, " of unknown order ", order_id));
    return true;
  }

  void IndexOrders() {
    for (const OrderFacts& order : facts_.orders) {
      orders_[order.id] = &order;
      if (order.status == "PENDING" || Recent(order.idle_seconds)) in_flight_.insert(order.id);
      for (const SagaFacts& saga : order.sagas) {
        if (IsRunning(saga.phase)) in_flight_.insert(order.id);
        if (saga.kind == "SHIPMENT" && saga.phase == "COMPLETED") {
          completed_shipment_sagas_.insert(saga.subject);
        }
      }
    }
    if (options_.at_rest) {
      in_flight_.clear();
      return;
    }
    auto note = [this](const std::string& order_id, int64_t idle_seconds) {
      if (Recent(idle_seconds)) in_flight_.insert(order_id);
    };
    for (const auto& facts : facts_.reservations) note(facts.order_id, facts.idle_seconds);
    for (const auto& facts : facts_.shipments) note(facts.order_id, facts.idle_seconds);
    for (const auto& facts : facts_.payments) note(facts.order_id, facts.idle_seconds);
    for (const auto& facts : facts_.invoices) note(facts.order_id, facts.idle_seconds);
    for (const auto& facts : facts_.provider_authorizations) {
      note(facts.order_id, facts.idle_seconds);
    }
  }

  // I4 liveness and I6's ORDER saga. Live, a saga or an order still moving is normal until it
  // is older than the settle time; a parked saga never is.
  void CheckOrders() {
    for (const OrderFacts& order : facts_.orders) {
      const bool overdue = options_.at_rest || order.age_seconds >= options_.settle_seconds;
      if (order.status == "PENDING" && overdue) {
        Add("I4",
            absl::StrCat("order ", order.id, " is still PENDING",
                         options_.at_rest ? "" : absl::StrCat(" after ", order.age_seconds, " s")));
      }
      bool has_order_saga = false;
      for (const SagaFacts& saga : order.sagas) {
        has_order_saga = has_order_saga || saga.kind == "ORDER";
        const bool stuck = saga.phase == "NEEDS_ATTENTION" ||
                           (IsRunning(saga.phase) &&
                            (options_.at_rest || saga.age_seconds >= options_.settle_seconds));
        if (stuck) {
          Add("I4",
              absl::StrCat(
                  saga.kind, " saga ", saga.id, " of order ", order.id, " is ", saga.phase,
                  options_.at_rest ? "" : absl::StrCat(" (started ", saga.age_seconds, " s ago)")));
        }
      }
      if (!has_order_saga) Add("I6", absl::StrCat("order ", order.id, " has no saga"));
    }
  }

  // I2 across, I7, and what inventory committed for I3.
  void CheckReservations() {
    for (const ReservationFacts& reservation : facts_.reservations) {
      if (Unknown("reservation", reservation.order_id, reservation.idle_seconds)) continue;
      const OrderFacts* order = Settled(reservation.order_id);
      if (order == nullptr) continue;
      if (reservation.state == "HELD" && IsFinal(order->status)) {
        Add("I2",
            absl::StrCat("reservation of ", order->status, " order ", order->id, " is still HELD"));
      }
      for (const auto& [warehouse_id, lines] : reservation.committed) {
        for (const auto& [sku, quantity] : lines) {
          if (quantity != 0) committed_[{order->id, warehouse_id}][sku] += quantity;
        }
      }
    }
  }

  // I3 across: what inventory committed per (order, warehouse) is what shipping shipped; I4: a
  // rejected order keeps no shipment.
  void CheckShipments() {
    std::map<std::pair<std::string, std::string>, SkuQuantities> shipped;
    for (const ShipmentFacts& shipment : facts_.shipments) {
      shipments_[shipment.id] = &shipment;
      if (Unknown(absl::StrCat("shipment ", shipment.id), shipment.order_id,
                  shipment.idle_seconds)) {
        continue;
      }
      const OrderFacts* order = Settled(shipment.order_id);
      if (order == nullptr) continue;
      if (shipment.kind == "OUTBOUND" && order->status == "REJECTED" && !shipment.cancelled) {
        Add("I4", absl::StrCat("REJECTED order ", order->id, " keeps shipment ", shipment.id));
      }
      if (shipment.kind != "OUTBOUND" || !shipment.shipped) continue;
      if (!shipment.replaces_shipment_id.empty()) continue;  // the same goods, sent again
      for (const auto& [sku, quantity] : shipment.lines) {
        shipped[{order->id, shipment.warehouse_id}][sku] += quantity;
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
  }

  // I5 on billing's payments: nothing left authorized on a voided or rejected order, refunds
  // within captures, captures exactly what the invoices bill, each order's total captured once
  // it shipped.
  void CheckPayments() {
    std::map<std::string, int64_t> invoiced_by_payment;
    for (const InvoiceFacts& invoice : facts_.invoices) {
      invoiced_by_payment[invoice.payment_id] += invoice.total_minor;
    }
    std::map<std::string, int64_t> captured_by_order;
    std::map<std::string, int64_t> voided_by_order;
    std::map<std::string, int64_t> authorized_by_order;
    for (const PaymentFacts& payment : facts_.payments) {
      if (!payment.authorization_reference.empty()) {
        recorded_references_.insert(payment.authorization_reference);
      }
      if (payment.refunded_minor > payment.captured_minor) {
        Add("I5", absl::StrCat("payment ", payment.id, " refunded ", payment.refunded_minor, " of ",
                               payment.captured_minor, " captured"));
      }
      if (Unknown(absl::StrCat("payment ", payment.id), payment.order_id, payment.idle_seconds)) {
        continue;
      }
      const OrderFacts* order = Settled(payment.order_id);
      if (order == nullptr) continue;
      captured_by_order[order->id] += payment.captured_minor;
      voided_by_order[order->id] += payment.voided_minor;
      authorized_by_order[order->id] += payment.authorized_minor;
      const int64_t open = payment.authorized_minor - payment.captured_minor - payment.voided_minor;
      if (IsVoidedOrRejected(order->status) && open > 0) {
        Add("I5", absl::StrCat("payment ", payment.id, " of ", order->status, " order ", order->id,
                               " leaves ", open, " authorized"));
      }
      if (payment.captured_minor != invoiced_by_payment[payment.id]) {
        Add("I5", absl::StrCat("payment ", payment.id, " of order ", order->id, " captured ",
                               payment.captured_minor, " but its invoices total ",
                               invoiced_by_payment[payment.id]));
      }
    }
    for (const OrderFacts& order : facts_.orders) {
      if (Settled(order.id) == nullptr) continue;
      const bool shipped_whole =
          order.status == "SHIPPED" || order.status == "DELIVERED" || order.status == "COMPLETED";
      // What did not ship (a part cancelled, units no warehouse had, units an edit took off, an
      // increase an edit gave back) was voided instead; an edit authorized its increase on the
      // same payment. So every authorized unit is captured or voided, and no more than the total
      // (of the order's version in effect) is captured.
      const int64_t captured = captured_by_order[order.id];
      const int64_t accounted = captured + voided_by_order[order.id];
      if (shipped_whole &&
          (accounted != authorized_by_order[order.id] || captured > order.total_minor ||
           authorized_by_order[order.id] < order.total_minor)) {
        Add("I5", absl::StrCat(order.status, " order ", order.id, " totals ", order.total_minor,
                               " but authorized ", authorized_by_order[order.id], ", captured ",
                               captured, " and voided ", voided_by_order[order.id]));
      }
    }
  }

  // I5: charged only for what shipped, exactly what shipped, and every completed shipment saga
  // invoiced.
  void CheckInvoices() {
    std::set<std::string> invoiced_shipments;
    for (const InvoiceFacts& invoice : facts_.invoices) {
      invoiced_shipments.insert(invoice.shipment_id);
      if (Unknown(absl::StrCat("invoice ", invoice.id), invoice.order_id, invoice.idle_seconds) ||
          Settled(invoice.order_id) == nullptr) {
        continue;
      }
      auto found = shipments_.find(invoice.shipment_id);
      const ShipmentFacts* shipment = found == shipments_.end() ? nullptr : found->second;
      if (shipment == nullptr || shipment->kind != "OUTBOUND" || !shipment->shipped ||
          shipment->order_id != invoice.order_id) {
        Add("I5", absl::StrCat("invoice ", invoice.id, " of order ", invoice.order_id,
                               " is for shipment ", invoice.shipment_id,
                               ", which is not a shipped outbound shipment of that order"));
      } else if (invoice.lines != shipment->lines) {
        Add("I5",
            absl::StrCat("invoice ", invoice.id, " bills ", Describe(invoice.lines),
                         " but shipment ", shipment->id, " shipped ", Describe(shipment->lines)));
      }
    }
    for (const ShipmentFacts& shipment : facts_.shipments) {
      if (shipment.kind == "OUTBOUND" && shipment.shipped &&
          completed_shipment_sagas_.count(shipment.id) && !invoiced_shipments.count(shipment.id) &&
          Settled(shipment.order_id) != nullptr) {
        Add("I5", absl::StrCat("shipped shipment ", shipment.id, " of order ", shipment.order_id,
                               " completed its saga but was never invoiced"));
      }
    }
  }

  // I5 at the provider: one authorization per order, known to billing or settled, none left
  // open on a rejected or cancelled order.
  void CheckProvider() {
    std::map<std::string, int> authorizations_by_order;
    for (const ProviderAuthorizationFacts& authorization : facts_.provider_authorizations) {
      if (++authorizations_by_order[authorization.order_id] == 2) {
        Add("I5", absl::StrCat("the provider holds more than one authorization for order ",
                               authorization.order_id));
      }
      if (Unknown(absl::StrCat("provider authorization ", authorization.reference),
                  authorization.order_id, authorization.idle_seconds)) {
        continue;
      }
      const OrderFacts* order = Settled(authorization.order_id);
      if (order == nullptr) continue;
      const int64_t open =
          authorization.amount_minor - authorization.captured_minor - authorization.voided_minor;
      if (open > 0 && !recorded_references_.count(authorization.reference)) {
        Add("I5", absl::StrCat("provider authorization ", authorization.reference, " of order ",
                               order->id, " holds ", open, " that billing does not know of"));
      }
      if (open > 0 && IsVoidedOrRejected(order->status)) {
        Add("I5", absl::StrCat("provider authorization ", authorization.reference, " of ",
                               order->status, " order ", order->id, " leaves ", open, " open"));
      }
    }
  }

  const WindowFacts& facts_;
  const CheckOptions& options_;
  std::vector<std::string> violations_;
  std::map<std::string, const OrderFacts*> orders_;
  std::set<std::string> in_flight_;
  std::set<std::string> completed_shipment_sagas_;  // their subjects: shipment ids
  std::map<std::string, const ShipmentFacts*> shipments_;
  std::map<std::pair<std::string, std::string>, SkuQuantities> committed_;  // (order, warehouse)
  std::set<std::string> recorded_references_;
};

}  // namespace

WindowFacts TakeWindow(WindowFacts* pending, const std::optional<std::string>& last) {
  WindowFacts window;
  auto by_order = [](const auto& facts) -> const std::string& { return facts.order_id; };
  MoveUpTo(&pending->orders, &window.orders, last,
           [](const OrderFacts& order) -> const std::string& { return order.id; });
  MoveUpTo(&pending->reservations, &window.reservations, last, by_order);
  MoveUpTo(&pending->shipments, &window.shipments, last, by_order);
  MoveUpTo(&pending->payments, &window.payments, last, by_order);
  MoveUpTo(&pending->invoices, &window.invoices, last, by_order);
  MoveUpTo(&pending->provider_authorizations, &window.provider_authorizations, last, by_order);
  return window;
}

std::vector<std::string> CheckWindow(const WindowFacts& facts, const CheckOptions& options) {
  return WindowCheck(facts, options).Run();
}

std::string InvariantOf(const std::string& violation) {
  std::size_t end = 1;
  while (end < violation.size() && std::isdigit(static_cast<unsigned char>(violation[end]))) {
    ++end;
  }
  if (violation.empty() || violation[0] != 'I' || end == 1) return "";
  if (end < violation.size() && violation[end] != ':' && violation[end] != ' ') return "";
  return violation.substr(0, end);
}

}  // namespace oms::check
