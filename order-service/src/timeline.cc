#include "order-service/src/timeline.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <future>
#include <memory>
#include <set>
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

// FNV-1a: the same on every replica and every build, unlike std::hash.
std::uint64_t Fnv1a(const std::string& text, std::uint64_t hash = 14695981039346656037ull) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string IdOf(const v1::TimelineEvent& event, int occurrence) {
  std::uint64_t hash = Fnv1a(event.source());
  for (const std::string* part : {&event.kind(), &event.detail(), &event.subject()}) {
    hash = Fnv1a("\x1f" + *part, hash);
  }
  if (occurrence > 0) hash = Fnv1a(absl::StrCat("\x1f#", occurrence), hash);
  const int64_t micros =
      std::max<int64_t>(0, TimeUtil::TimestampToMicroseconds(event.recorded_time()));
  return absl::StrFormat("%017d-%016x", micros, hash);
}

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
      auto* event = out->add_events();
      *event->mutable_time() = entry.occurred_at();
      *event->mutable_recorded_time() = entry.recorded_at();
      event->set_source("shipping");
      event->set_kind(shipping::v1::ShipmentEventType_Name(entry.type()).substr(20));
      event->set_detail(
          absl::StrCat(entry.location(), entry.note().empty() ? "" : ": ", entry.note()));
      event->set_subject(shipment.id());
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

void AssignIds(v1::OrderTimeline* timeline) {
  std::set<std::string> seen;
  for (auto& event : *timeline->mutable_events()) {
    if (!event.has_recorded_time()) *event.mutable_recorded_time() = event.time();
    int occurrence = 0;
    std::string id = IdOf(event, occurrence);
    while (!seen.insert(id).second) id = IdOf(event, ++occurrence);
    event.set_id(std::move(id));
  }
}

void AssignIdsAndSort(v1::OrderTimeline* timeline) {
  AssignIds(timeline);
  SortByTime(timeline);
}

void SortByTime(v1::OrderTimeline* timeline) {
  std::sort(timeline->mutable_events()->begin(), timeline->mutable_events()->end(),
            [](const v1::TimelineEvent& a, const v1::TimelineEvent& b) {
              const auto a_time = TimeUtil::TimestampToMicroseconds(a.time());
              const auto b_time = TimeUtil::TimestampToMicroseconds(b.time());
              return a_time != b_time ? a_time < b_time : a.id() < b.id();
            });
}

}  // namespace oms::order
