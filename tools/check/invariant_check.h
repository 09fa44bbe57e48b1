// The cross-service part of RELIABILITY.md's invariants, as pure logic: plain facts of a window of
// orders in (what the four services' audit calls answer, tools/check/suite_audit.h), violations
// out, one line each, "<invariant id>: <what>". Each service answers for what its own database
// shows by itself (inventory's CheckInvariants for I1 to I3 within stock, order-service's I6
// duplicates); this joins what only the four together show:
//
// - I2 across: no HELD reservation for an order that is final (REJECTED, CANCELLED, COMPLETED).
// - I3 across: per (order, warehouse, SKU), the committed quantity is what shipping shipped
//   (a replacement of a parcel returned to sender ships those goods again: it does not count).
// - I4: no saga RUNNING, COMPENSATING or NEEDS_ATTENTION and no order PENDING (at rest; live,
//   only parked sagas and sagas or PENDING orders older than the settle time); a REJECTED order
//   keeps no outbound shipment that is not cancelled.
// - I5: per payment, captured = the sum of its invoices; every invoice is for a shipped outbound
//   shipment of the same order, with exactly that shipment's lines; every shipped shipment whose
//   saga completed has its invoice; a SHIPPED, DELIVERED or COMPLETED order captured its total
//   but what it voided (a part cancelled, units no warehouse had);
//   refunded <= captured; no authorization left open (authorized - captured - voided > 0) on a
//   REJECTED or CANCELLED order; at the provider, at most one approved authorization per order,
//   each one recorded by billing or settled, none left open on a REJECTED or CANCELLED order.
// - I6: every order has its ORDER saga.
// - I7: no reservation, payment, invoice, shipment or provider authorization whose order
//   order-service does not know.
//
// At rest (after a test waited for every order to be final) every fact counts. Live, an order is
// in flight while a saga of it runs or any of its facts changed within the settle time: the
// services may not agree on it yet, so only I4 and I6 look at it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace oms::check {

using SkuQuantities = std::map<std::string, int64_t>;  // SKU -> quantity

struct SagaFacts {
  std::string id;
  std::string kind;     // ORDER, SHIPMENT, CANCEL, ...
  std::string subject;  // SHIPMENT: the shipment id
  std::string phase;    // RUNNING, COMPENSATING, COMPLETED, NEEDS_ATTENTION, ...
  int64_t age_seconds = 0;
};

struct OrderFacts {
  std::string id;
  std::string status;  // the stored text, e.g. COMPLETED
  int64_t total_minor = 0;
  int64_t age_seconds = 0;
  int64_t idle_seconds = 0;
  std::vector<SagaFacts> sagas;
};

struct ReservationFacts {
  std::string order_id;
  std::string state;  // HELD, COMMITTED, RELEASED, EXPIRED
  int64_t idle_seconds = 0;
  std::map<std::string, SkuQuantities> committed;  // warehouse id -> committed per SKU
};

struct ShipmentFacts {
  std::string id;
  std::string order_id;
  std::string kind;  // OUTBOUND, RETURN
  std::string warehouse_id;
  bool cancelled = false;
  bool shipped = false;
  int64_t idle_seconds = 0;
  SkuQuantities lines;
  // A replacement of a parcel returned to sender: it carries that parcel's goods again, which
  // were committed and invoiced when it first shipped.
  std::string replaces_shipment_id;
};

struct PaymentFacts {
  std::string id;
  std::string order_id;
  int64_t authorized_minor = 0;
  int64_t captured_minor = 0;
  int64_t voided_minor = 0;
  int64_t refunded_minor = 0;
  std::string authorization_reference;
  int64_t idle_seconds = 0;
};

struct InvoiceFacts {
  std::string id;
  std::string order_id;
  std::string payment_id;
  std::string shipment_id;
  int64_t total_minor = 0;
  SkuQuantities lines;
  int64_t idle_seconds = 0;
};

struct ProviderAuthorizationFacts {
  std::string order_id;
  std::string reference;
  int64_t amount_minor = 0;
  int64_t captured_minor = 0;
  int64_t voided_minor = 0;
  int64_t idle_seconds = 0;
};

// Every fact the four services hold about a window of order ids: all of each order's facts and
// none of another order's (facts whose order order-service does not know included).
struct WindowFacts {
  std::vector<OrderFacts> orders;
  std::vector<ReservationFacts> reservations;
  std::vector<ShipmentFacts> shipments;
  std::vector<PaymentFacts> payments;
  std::vector<InvoiceFacts> invoices;
  std::vector<ProviderAuthorizationFacts> provider_authorizations;
};

// Moves out of `pending` the facts of every order id up to `last` (all of them when nullopt),
// for a window whose facts are complete; ids compare in byte order (common/audit_page.h).
WindowFacts TakeWindow(WindowFacts* pending, const std::optional<std::string>& last);

struct CheckOptions {
  // Every saga ended and every order final or waiting on a shipment: I4 as RELIABILITY.md states
  // it, and every order cross-checked.
  bool at_rest = false;
  // Live only: how long a change may take to settle across the services. Facts younger than
  // this leave their order in flight; sagas open and orders PENDING longer are I4 violations.
  int64_t settle_seconds = 600;
};

// Every violation in the window.
std::vector<std::string> CheckWindow(const WindowFacts& facts, const CheckOptions& options);

// The RELIABILITY.md id a violation line starts with ("I5" of "I5: payment ..." and of
// "I1 the ledger sums to the level: ..."), "" when it names none.
std::string InvariantOf(const std::string& violation);

}  // namespace oms::check
