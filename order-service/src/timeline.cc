#include "order-service/src/timeline.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <future>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/time_util.h"
#include "order-service/src/billing_client.h"
#include "order-service/src/order_repository.h"
#include "order-service/src/shipping_client.h"

namespace oms::order {
namespace {

using google::protobuf::util::TimeUtil;

// A read's `done`, and the future its answer arrives in (the callback runs on a gRPC thread).
template <class Reply>
std::pair<ReadDone<Reply>, std::future<absl::StatusOr<Reply>>> Awaitable() {
  auto promise = std::make_shared<std::promise<absl::StatusOr<Reply>>>();
  auto answer = promise->get_future();
  return {[promise](absl::StatusOr<Reply> reply) { promise->set_value(std::move(reply)); },
          std::move(answer)};
}

void AddPayments(const billing::v1::ListPaymentsResponse& payments, v1::OrderTimeline* out,
                 SourcePositions* positions) {
  positions->floor = payments.xact_floor();
  for (const auto& payment : payments.payments()) {
    for (const auto& transaction : payment.transactions()) {
      positions->xacts.push_back(transaction.recording_xact());
      auto* event = out->add_events();
      *event->mutable_time() = transaction.create_time();
      event->set_source("billing");
      event->set_kind(
          absl::StrCat(billing::v1::TransactionKind_Name(transaction.kind()).substr(17), " ",
                       billing::v1::TransactionOutcome_Name(transaction.outcome()).substr(20)));
      event->set_detail(
          absl::StrCat(transaction.amount().amount_minor(), " ", transaction.amount().currency()));
      event->set_subject(transaction.shipment_id().empty() ? payment.id()
                                                           : transaction.shipment_id());
    }
  }
}

void AddJournals(const shipping::v1::ListShipmentsResponse& shipments, v1::OrderTimeline* out,
                 SourcePositions* positions) {
  positions->floor = shipments.xact_floor();
  for (const auto& shipment : shipments.shipments()) {
    for (const auto& entry : shipment.journal()) {
      positions->xacts.push_back(entry.recording_xact());
      ShipmentJournalEvent(shipment.id(), entry, out->add_events());
    }
  }
}

}  // namespace

absl::Status ReadTimeline(OrderRepository& orders, BillingClient& billing, ShippingClient& shipping,
                          const std::string& order_id, const std::string& request_id,
                          v1::OrderTimeline* out, TimelineRead* read) {
  // The sources' events are added in this order, so each event's index tells its source.
  std::array<SourcePositions, kTimelineSources> positions;
  v1::Order order;
  absl::Status status = orders.GetOrder(order_id, &order);
  if (status.ok()) {
    status = orders.OrderEvents(order_id, out,
                                &positions[static_cast<std::size_t>(TimelineSource::kOrder)]);
  }
  if (!status.ok()) return status;
  auto [payments_done, payments_answer] = Awaitable<billing::v1::ListPaymentsResponse>();
  auto [shipments_done, shipments_answer] = Awaitable<shipping::v1::ListShipmentsResponse>();
  billing.Payments(request_id, order_id, std::move(payments_done));
  shipping.Shipments(request_id, order_id, std::move(shipments_done));
  auto payments = payments_answer.get();
  auto shipments = shipments_answer.get();
  if (!payments.ok()) return payments.status();
  if (!shipments.ok()) return shipments.status();
  out->set_order_id(order_id);
  AddPayments(*payments, out, &positions[static_cast<std::size_t>(TimelineSource::kBilling)]);
  AddJournals(*shipments, out, &positions[static_cast<std::size_t>(TimelineSource::kShipping)]);
  AssignIds(out);
  if (read != nullptr) {
    std::size_t positioned = 0;
    for (const auto& source : positions) positioned += source.xacts.size();
    if (positioned != static_cast<std::size_t>(out->events_size())) {
      return absl::InternalError("the timeline's positions do not match its events");
    }
    int index = 0;
    for (std::size_t source = 0; source < kTimelineSources; ++source) {
      read->floors[source] = positions[source].floor;
      for (std::int64_t xact : positions[source].xacts) {
        read->events[out->events(index++).id()] =
            EventPosition{static_cast<TimelineSource>(source), xact};
      }
    }
  }
  SortByTime(out);
  return absl::OkStatus();
}

}  // namespace oms::order
