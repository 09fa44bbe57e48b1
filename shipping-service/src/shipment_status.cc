#include "shipping-service/src/shipment_status.h"

#include <optional>
#include <tuple>

#include "common/status.h"

namespace oms::shipping {
namespace {

using v1::ShipmentEventType;
using v1::ShipmentStatus;

enum class Category { kProgress, kProblem, kTerminal, kNone };

Category CategoryOf(ShipmentEventType type) {
  switch (type) {
    case v1::SHIPMENT_EVENT_TYPE_PICKED:
    case v1::SHIPMENT_EVENT_TYPE_PACKED:
    case v1::SHIPMENT_EVENT_TYPE_SHIPPED:
    case v1::SHIPMENT_EVENT_TYPE_IN_TRANSIT:
    case v1::SHIPMENT_EVENT_TYPE_OUT_FOR_DELIVERY:
      return Category::kProgress;
    case v1::SHIPMENT_EVENT_TYPE_DELIVERY_FAILED:
    case v1::SHIPMENT_EVENT_TYPE_EXCEPTION:
      return Category::kProblem;
    case v1::SHIPMENT_EVENT_TYPE_DELIVERED:
    case v1::SHIPMENT_EVENT_TYPE_RECEIVED:
    case v1::SHIPMENT_EVENT_TYPE_RETURNED_TO_SENDER:
    case v1::SHIPMENT_EVENT_TYPE_LOST:
      return Category::kTerminal;
    default:
      return Category::kNone;
  }
}

// Rank within a category: higher wins.
int RankOf(ShipmentEventType type) {
  switch (type) {
    case v1::SHIPMENT_EVENT_TYPE_PICKED:
      return 1;
    case v1::SHIPMENT_EVENT_TYPE_PACKED:
      return 2;
    case v1::SHIPMENT_EVENT_TYPE_SHIPPED:
      return 3;
    case v1::SHIPMENT_EVENT_TYPE_IN_TRANSIT:
      return 4;
    case v1::SHIPMENT_EVENT_TYPE_OUT_FOR_DELIVERY:
      return 5;
    case v1::SHIPMENT_EVENT_TYPE_DELIVERY_FAILED:
      return 1;
    case v1::SHIPMENT_EVENT_TYPE_EXCEPTION:
      return 2;
    // A parcel given up as lost may turn up: sent back to its warehouse, or delivered after all.
    case v1::SHIPMENT_EVENT_TYPE_LOST:
      return 1;
    case v1::SHIPMENT_EVENT_TYPE_RETURNED_TO_SENDER:
      return 2;
    // Proof of delivery outweighs a return-to-sender scan.
    case v1::SHIPMENT_EVENT_TYPE_DELIVERED:
      return 3;
    case v1::SHIPMENT_EVENT_TYPE_RECEIVED:
      return 3;
    default:
      return 0;
  }
}

ShipmentStatus StatusOf(ShipmentEventType type) {
  switch (type) {
    case v1::SHIPMENT_EVENT_TYPE_PICKED:
      return v1::SHIPMENT_STATUS_PICKED;
    case v1::SHIPMENT_EVENT_TYPE_PACKED:
      return v1::SHIPMENT_STATUS_PACKED;
    case v1::SHIPMENT_EVENT_TYPE_SHIPPED:
      return v1::SHIPMENT_STATUS_SHIPPED;
    case v1::SHIPMENT_EVENT_TYPE_IN_TRANSIT:
      return v1::SHIPMENT_STATUS_IN_TRANSIT;
    case v1::SHIPMENT_EVENT_TYPE_OUT_FOR_DELIVERY:
      return v1::SHIPMENT_STATUS_OUT_FOR_DELIVERY;
    case v1::SHIPMENT_EVENT_TYPE_DELIVERED:
      return v1::SHIPMENT_STATUS_DELIVERED;
    case v1::SHIPMENT_EVENT_TYPE_DELIVERY_FAILED:
      return v1::SHIPMENT_STATUS_DELIVERY_FAILED;
    case v1::SHIPMENT_EVENT_TYPE_EXCEPTION:
      return v1::SHIPMENT_STATUS_EXCEPTION;
    case v1::SHIPMENT_EVENT_TYPE_RETURNED_TO_SENDER:
      return v1::SHIPMENT_STATUS_RETURNED_TO_SENDER;
    case v1::SHIPMENT_EVENT_TYPE_RECEIVED:
      return v1::SHIPMENT_STATUS_RECEIVED;
    case v1::SHIPMENT_EVENT_TYPE_LOST:
      return v1::SHIPMENT_STATUS_LOST;
    default:
      return v1::SHIPMENT_STATUS_PENDING;
  }
}

std::string WithoutPrefix(const std::string& name, const std::string& prefix) {
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

}  // namespace

ShipmentStatus DeriveStatus(bool cancelled, const std::vector<JournalFact>& journal) {
  if (cancelled) return v1::SHIPMENT_STATUS_CANCELLED;
  std::optional<ShipmentEventType> terminal;
  std::optional<ShipmentEventType> progress;  // furthest by rank
  std::optional<std::int64_t> latest_progress_at;
  std::optional<std::tuple<std::int64_t, int>> problem_key;  // (occurred, rank) of the latest
  std::optional<ShipmentEventType> problem;
  for (const JournalFact& fact : journal) {
    switch (CategoryOf(fact.type)) {
      case Category::kTerminal:
        if (!terminal || RankOf(fact.type) > RankOf(*terminal)) terminal = fact.type;
        break;
      case Category::kProgress:
        if (!progress || RankOf(fact.type) > RankOf(*progress)) progress = fact.type;
        if (!latest_progress_at || fact.occurred_micros > *latest_progress_at) {
          latest_progress_at = fact.occurred_micros;
        }
        break;
      case Category::kProblem: {
        auto key = std::make_tuple(fact.occurred_micros, RankOf(fact.type));
        if (!problem_key || key > *problem_key) {
          problem_key = key;
          problem = fact.type;
        }
        break;
      }
      case Category::kNone:
        break;
    }
  }
  if (terminal) return StatusOf(*terminal);
  // At the same instant the problem holds: the order of arrival must not decide.
  if (problem && (!latest_progress_at || std::get<0>(*problem_key) >= *latest_progress_at)) {
    return StatusOf(*problem);
  }
  if (progress) return StatusOf(*progress);
  return v1::SHIPMENT_STATUS_PENDING;
}

bool HasShipped(const std::vector<JournalFact>& journal) {
  for (const JournalFact& fact : journal) {
    switch (fact.type) {
      case v1::SHIPMENT_EVENT_TYPE_SHIPPED:
      case v1::SHIPMENT_EVENT_TYPE_IN_TRANSIT:
      case v1::SHIPMENT_EVENT_TYPE_OUT_FOR_DELIVERY:
      case v1::SHIPMENT_EVENT_TYPE_DELIVERY_FAILED:
      case v1::SHIPMENT_EVENT_TYPE_DELIVERED:
      case v1::SHIPMENT_EVENT_TYPE_RETURNED_TO_SENDER:
      case v1::SHIPMENT_EVENT_TYPE_LOST:
      case v1::SHIPMENT_EVENT_TYPE_RECEIVED:
        return true;
      default:
        break;
    }
  }
  return false;
}

absl::Status EventAllowed(v1::ShipmentKind kind, ShipmentEventType type) {
  if (CategoryOf(type) == Category::kNone)
    return InvalidField("type", "must be a known event type");
  if (kind == v1::SHIPMENT_KIND_RETURN) {
    if (type == v1::SHIPMENT_EVENT_TYPE_DELIVERED || type == v1::SHIPMENT_EVENT_TYPE_PICKED ||
        type == v1::SHIPMENT_EVENT_TYPE_PACKED ||
        type == v1::SHIPMENT_EVENT_TYPE_RETURNED_TO_SENDER ||
        type == v1::SHIPMENT_EVENT_TYPE_LOST) {
      return InvalidField("type", "is not an event of a return shipment (use RECEIVED)");
    }
  } else if (type == v1::SHIPMENT_EVENT_TYPE_RECEIVED) {
    return InvalidField("type", "RECEIVED is for return shipments only");
  }
  return absl::OkStatus();
}

v1::OutboxEventType OutboxTypeFor(v1::ShipmentKind kind, ShipmentStatus status) {
  if (kind == v1::SHIPMENT_KIND_RETURN) {
    switch (status) {
      case v1::SHIPMENT_STATUS_PENDING:
        return v1::OUTBOX_EVENT_TYPE_RETURN_CREATED;
      case v1::SHIPMENT_STATUS_SHIPPED:
        return v1::OUTBOX_EVENT_TYPE_RETURN_SHIPPED;
      case v1::SHIPMENT_STATUS_IN_TRANSIT:
      case v1::SHIPMENT_STATUS_OUT_FOR_DELIVERY:
        return v1::OUTBOX_EVENT_TYPE_RETURN_IN_TRANSIT;
      case v1::SHIPMENT_STATUS_DELIVERY_FAILED:
      case v1::SHIPMENT_STATUS_EXCEPTION:
        return v1::OUTBOX_EVENT_TYPE_RETURN_EXCEPTION;
      case v1::SHIPMENT_STATUS_RECEIVED:
        return v1::OUTBOX_EVENT_TYPE_RETURN_RECEIVED;
      case v1::SHIPMENT_STATUS_CANCELLED:
        return v1::OUTBOX_EVENT_TYPE_RETURN_CANCELLED;
      default:
        return v1::OUTBOX_EVENT_TYPE_UNSPECIFIED;
    }
  }
  switch (status) {
    case v1::SHIPMENT_STATUS_PENDING:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_CREATED;
    case v1::SHIPMENT_STATUS_PICKED:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_PICKED;
    case v1::SHIPMENT_STATUS_PACKED:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_PACKED;
    case v1::SHIPMENT_STATUS_SHIPPED:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_SHIPPED;
    case v1::SHIPMENT_STATUS_IN_TRANSIT:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_IN_TRANSIT;
    case v1::SHIPMENT_STATUS_OUT_FOR_DELIVERY:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_OUT_FOR_DELIVERY;
    case v1::SHIPMENT_STATUS_DELIVERED:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERED;
    case v1::SHIPMENT_STATUS_DELIVERY_FAILED:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_DELIVERY_FAILED;
    case v1::SHIPMENT_STATUS_EXCEPTION:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_EXCEPTION;
    case v1::SHIPMENT_STATUS_RETURNED_TO_SENDER:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_RETURNED_TO_SENDER;
    case v1::SHIPMENT_STATUS_LOST:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_LOST;
    case v1::SHIPMENT_STATUS_CANCELLED:
      return v1::OUTBOX_EVENT_TYPE_SHIPMENT_CANCELLED;
    default:
      return v1::OUTBOX_EVENT_TYPE_UNSPECIFIED;
  }
}

std::vector<v1::OutboxEventType> OutboxEffects(v1::ShipmentKind kind, ShipmentStatus before,
                                               ShipmentStatus after, bool shipped_before,
                                               bool shipped_after) {
  std::vector<v1::OutboxEventType> effects;
  const v1::OutboxEventType shipped = OutboxTypeFor(kind, v1::SHIPMENT_STATUS_SHIPPED);
  if (shipped_after && !shipped_before) effects.push_back(shipped);
  if (after != before) {
    const v1::OutboxEventType changed = OutboxTypeFor(kind, after);
    // The shipped event is a milestone, announced once: order-service commits stock on it.
    if (changed != v1::OUTBOX_EVENT_TYPE_UNSPECIFIED && changed != shipped) {
      effects.push_back(changed);
    }
  }
  return effects;
}

std::string StatusName(ShipmentStatus status) {
  return WithoutPrefix(v1::ShipmentStatus_Name(status), "SHIPMENT_STATUS_");
}
std::string EventTypeName(ShipmentEventType type) {
  return WithoutPrefix(v1::ShipmentEventType_Name(type), "SHIPMENT_EVENT_TYPE_");
}
std::string OutboxTypeName(v1::OutboxEventType type) {
  return WithoutPrefix(v1::OutboxEventType_Name(type), "OUTBOX_EVENT_TYPE_");
}
std::string KindName(v1::ShipmentKind kind) {
  return WithoutPrefix(v1::ShipmentKind_Name(kind), "SHIPMENT_KIND_");
}
std::string TransportModeName(v1::TransportMode mode) {
  return WithoutPrefix(v1::TransportMode_Name(mode), "TRANSPORT_MODE_");
}

ShipmentStatus ParseStatus(const std::string& name) {
  ShipmentStatus value = v1::SHIPMENT_STATUS_UNSPECIFIED;
  return v1::ShipmentStatus_Parse("SHIPMENT_STATUS_" + name, &value)
             ? value
             : v1::SHIPMENT_STATUS_UNSPECIFIED;
}
ShipmentEventType ParseEventType(const std::string& name) {
  ShipmentEventType value = v1::SHIPMENT_EVENT_TYPE_UNSPECIFIED;
  return v1::ShipmentEventType_Parse("SHIPMENT_EVENT_TYPE_" + name, &value)
             ? value
             : v1::SHIPMENT_EVENT_TYPE_UNSPECIFIED;
}
v1::OutboxEventType ParseOutboxType(const std::string& name) {
  v1::OutboxEventType value = v1::OUTBOX_EVENT_TYPE_UNSPECIFIED;
  return v1::OutboxEventType_Parse("OUTBOX_EVENT_TYPE_" + name, &value)
             ? value
             : v1::OUTBOX_EVENT_TYPE_UNSPECIFIED;
}
v1::ShipmentKind ParseKind(const std::string& name) {
  v1::ShipmentKind value = v1::SHIPMENT_KIND_UNSPECIFIED;
  return v1::ShipmentKind_Parse("SHIPMENT_KIND_" + name, &value) ? value
                                                                 : v1::SHIPMENT_KIND_UNSPECIFIED;
}
v1::TransportMode ParseTransportMode(const std::string& name) {
  v1::TransportMode value = v1::TRANSPORT_MODE_UNSPECIFIED;
  return v1::TransportMode_Parse("TRANSPORT_MODE_" + name, &value) ? value
                                                                   : v1::TRANSPORT_MODE_UNSPECIFIED;
}

}  // namespace oms::shipping
