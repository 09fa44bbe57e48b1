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
  "needs_attention"

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

}  // namespace oms::order
