// Row mapping of orders, shared by every store that reads an order (the repository, returns,
// cancellations, the sagas): the select list, the two reads of one order by id, and protobuf
// columns stored as bytea and read as hex. Statuses are v1::OrderStatus in C++; the text column
// is mapped here (order_status.h) and nowhere else.
#pragma once

#include <string>
#include <vector>

#include "oms/order/v1/order.pb.h"
#include "order-service/src/order_status.h"

namespace pqxx {
class field;
class row;
}  // namespace pqxx

namespace oms {
struct PreparedStatement;
}  // namespace oms

namespace oms::order {

// The columns ReadOrder reads, by these names.
#define OMS_ORDER_COLUMNS                                                                    \
  "id, encode(snapshot, 'hex') AS snapshot_hex, status, rejection_reason, "                  \
  "encode(allocation, 'hex') AS allocation_hex, encode(shipments, 'hex') AS shipments_hex, " \
  "payment_id, (extract(epoch FROM created_at) * 1000000)::bigint AS created_micros, "       \
  "(extract(epoch FROM updated_at) * 1000000)::bigint AS updated_micros, return_status, "    \
  "needs_attention, encode(backorders, 'hex') AS backorders_hex, version"

// One order by id ($1, a UUID), read with OMS_ORDER_COLUMNS; kOrdersLock locks its row.
inline constexpr char kOrdersGet[] = "orders_get";
inline constexpr char kOrdersLock[] = "orders_lock";
// The statements above, for the pool's list.
const std::vector<PreparedStatement>& OrderRowStatements();

// A message as the hex text `decode($n, 'hex')` stores.
std::string Hex(const google::protobuf::MessageLite& message);
// The order's shipments as the hex text of orders.shipments (an oms.order.v1.Order holding only
// its shipments); "" for none.
std::string ShipmentsHex(const google::protobuf::RepeatedPtrField<v1::ShipmentSummary>& shipments);
// Parses the hex text of an `encode(..., 'hex')` column into `message`; NULL leaves it as it is.
void FromHex(const pqxx::field& field, google::protobuf::MessageLite* message);

// A row of OMS_ORDER_COLUMNS: the captured order with its status and saga results.
void ReadOrder(const pqxx::row& row, v1::Order* order);
// The hex text of orders.backorders into the order's fills and units still queued; its
// allocation must be read already.
void ReadBackorders(const pqxx::field& field, v1::Order* order);

// An order's own events as its timeline shows them, one select list per table: a status change
// (order_status_history `h`) and a saga step (saga_journal `j` of saga `s`), both with the
// columns ReadTimelineEvent reads, and `xact`, the transaction that recorded the row. A step's
// detail is the reason its participant gave and then whatever the failure said (peer addresses,
// database messages): the timeline shows the reason alone; the rest stays in the journal and
// the logs, for operators.
#define OMS_STATUS_EVENT_COLUMNS                                                           \
  "(extract(epoch FROM h.created_at) * 1000000)::bigint AS at_micros, 'order' AS source, " \
  "'STATUS_' || h.status AS kind, h.reason AS detail, '' AS subject, "                     \
  "h.xact::text::bigint AS xact "
#define OMS_SAGA_EVENT_COLUMNS                                                            \
  "(extract(epoch FROM j.created_at) * 1000000)::bigint AS at_micros, 'saga' AS source, " \
  "j.step || ' ' || j.action || ' ' || j.outcome AS kind, "                               \
  "COALESCE(substring(j.detail FROM '^[A-Z][A-Z0-9_]*(?=:|$)'), '') AS detail, "          \
  "s.kind || CASE WHEN s.subject <> '' THEN ':' || s.subject ELSE '' END AS subject, "    \
  "j.xact::text::bigint AS xact "

// A row of OMS_STATUS_EVENT_COLUMNS or OMS_SAGA_EVENT_COLUMNS, without its id.
void ReadTimelineEvent(const pqxx::row& row, v1::TimelineEvent* event);

}  // namespace oms::order
