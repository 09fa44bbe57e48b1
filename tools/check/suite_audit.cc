#include "tools/check/suite_audit.h"

#include <functional>
#include <optional>
#include <utility>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "oms/billing/v1/billing.grpc.pb.h"
#include "oms/inventory/v1/inventory.grpc.pb.h"
#include "oms/order/v1/order.grpc.pb.h"
#include "oms/shipping/v1/shipping.grpc.pb.h"

namespace oms::check {
namespace {

using PageResponse = common::v1::AuditPageResponse;

SkuQuantities QuantitiesOf(
    const google::protobuf::RepeatedPtrField<common::v1::SkuQuantity>& lines) {
  SkuQuantities quantities;
  for (const auto& line : lines) quantities[line.sku()] += line.quantity();
  return quantities;
}

void Add(const order::v1::AuditOrdersResponse& response, WindowFacts* into) {
  for (const auto& order : response.orders()) {
    OrderFacts facts{order.id(),          order.status(),       order.total_minor(),
                     order.age_seconds(), order.idle_seconds(), {}};
    for (const auto& saga : order.sagas()) {
      facts.sagas.push_back(
          {saga.id(), saga.kind(), saga.subject(), saga.phase(), saga.age_seconds()});
    }
    into->orders.push_back(std::move(facts));
  }
}

void Add(const inventory::v1::AuditOrderFactsResponse& response, WindowFacts* into) {
  for (const auto& reservation : response.reservations()) {
    ReservationFacts facts{
        reservation.order_id(), reservation.state(), reservation.idle_seconds(), {}};
    for (const auto& commit : reservation.committed()) {
      facts.committed[commit.warehouse_id()] = QuantitiesOf(commit.lines());
    }
    into->reservations.push_back(std::move(facts));
  }
}

void Add(const shipping::v1::AuditOrderFactsResponse& response, WindowFacts* into) {
  for (const auto& shipment : response.shipments()) {
    into->shipments.push_back({shipment.id(), shipment.order_id(), shipment.kind(),
                               shipment.warehouse_id(), shipment.cancelled(), shipment.shipped(),
                               shipment.idle_seconds(), QuantitiesOf(shipment.lines()),
                               shipment.replaces_shipment_id()});
  }
}

void Add(const billing::v1::AuditOrderFactsResponse& response, WindowFacts* into) {
  for (const auto& payment : response.payments()) {
    into->payments.push_back({payment.id(), payment.order_id(), payment.authorized_minor(),
                              payment.captured_minor(), payment.voided_minor(),
                              payment.refunded_minor(), payment.authorization_reference(),
                              payment.idle_seconds()});
  }
  for (const auto& invoice : response.invoices()) {
    into->invoices.push_back({invoice.id(), invoice.order_id(), invoice.payment_id(),
                              invoice.shipment_id(), invoice.total_minor(),
                              QuantitiesOf(invoice.lines()), invoice.idle_seconds()});
  }
  for (const auto& authorization : response.provider_authorizations()) {
    into->provider_authorizations.push_back(
        {authorization.order_id(), authorization.reference(), authorization.amount_minor(),
         authorization.captured_minor(), authorization.voided_minor(),
         authorization.idle_seconds()});
  }
}

absl::Status Failed(const std::string& call, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(call, ": ", status.error_message()));
}

// One service's audit pages, read in turn: `read` asks for the page after `token`, adds its
// facts to the pending ones and answers the page's bounds.
struct Stream {
  std::function<absl::Status(const std::string& token, WindowFacts* into, PageResponse* page)> read;
  std::string token;
  std::string covered;  // every order id up to this one has been read
  bool started = false;
  bool done = false;
};

// A reader of `method` on `stub` (the stub outlives the reader).
template <class Stub, class Request, class Response>
Stream StreamOf(Stub* stub,
                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                std::string call, const AuditOptions& options) {
  Stream stream;
  stream.read = [stub, method, call = std::move(call), options](
                    const std::string& token, WindowFacts* into, PageResponse* page) {
    Request request;
    request.mutable_page()->set_page_size(options.page_size);
    request.mutable_page()->set_page_token(token);
    Response response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + options.call_timeout);
    context.set_wait_for_ready(true);  // a service restarting is waited for, up to the deadline
    grpc::Status status = (stub->*method)(&context, request, &response);
    if (!status.ok()) return Failed(call, status);
    Add(response, into);
    *page = response.page();
    return absl::OkStatus();
  };
  return stream;
}

absl::StatusOr<std::vector<std::string>> StockViolations(
    inventory::v1::InventoryService::Stub& inventory, const AuditOptions& options) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options.call_timeout);
  context.set_wait_for_ready(true);
  inventory::v1::CheckInvariantsResponse response;
  grpc::Status status = inventory.CheckInvariants(&context, {}, &response);
  if (!status.ok()) return Failed("inventory-service CheckInvariants", status);
  std::vector<std::string> violations;
  for (const auto& violation : response.violations()) {
    violations.push_back(absl::StrCat(violation.invariant(), ": ", violation.detail(), " (sku ",
                                      violation.sku(), ", warehouse ", violation.warehouse_id(),
                                      ")"));
  }
  return violations;
}

}  // namespace

absl::StatusOr<SuiteReport> CheckSuite(const SuiteChannels& channels, const CheckOptions& check,
                                       const AuditOptions& audit) {
  auto order_stub = order::v1::OrderService::NewStub(channels.order);
  auto inventory_stub = inventory::v1::InventoryService::NewStub(channels.inventory);
  auto billing_stub = billing::v1::BillingService::NewStub(channels.billing);
  auto shipping_stub = shipping::v1::ShippingService::NewStub(channels.shipping);

  SuiteReport report;
  auto stock = StockViolations(*inventory_stub, audit);
  if (!stock.ok()) return stock.status();
  report.violations = *std::move(stock);

  std::vector<Stream> streams;
  streams.push_back(StreamOf(order_stub.get(), &order::v1::OrderService::Stub::AuditOrders,
                             "order-service AuditOrders", audit));
  streams.push_back(StreamOf(inventory_stub.get(),
                             &inventory::v1::InventoryService::Stub::AuditOrderFacts,
                             "inventory-service AuditOrderFacts", audit));
  streams.push_back(StreamOf(billing_stub.get(),
                             &billing::v1::BillingService::Stub::AuditOrderFacts,
                             "billing-service AuditOrderFacts", audit));
  streams.push_back(StreamOf(shipping_stub.get(),
                             &shipping::v1::ShippingService::Stub::AuditOrderFacts,
                             "shipping-service AuditOrderFacts", audit));

  WindowFacts pending;
  std::optional<std::string> checked;  // every order id up to it is checked
  for (;;) {
    for (Stream& stream : streams) {
      while (!stream.done && (!stream.started || (checked && stream.covered <= *checked))) {
        PageResponse page;
        if (absl::Status read = stream.read(stream.token, &pending, &page); !read.ok()) {
          return read;
        }
        stream.started = true;
        stream.covered = page.last_order_id();
        stream.token = page.next_page_token();
        stream.done = stream.token.empty();
      }
    }
    std::optional<std::string> horizon;  // nullopt once every service answered its last page
    for (const Stream& stream : streams) {
      if (!stream.done && (!horizon || stream.covered < *horizon)) horizon = stream.covered;
    }
    const WindowFacts window = TakeWindow(&pending, horizon);
    report.orders += static_cast<int64_t>(window.orders.size());
    for (std::string& violation : CheckWindow(window, check)) {
      report.violations.push_back(std::move(violation));
    }
    if (!horizon) return report;
    checked = horizon;
  }
}

}  // namespace oms::check
