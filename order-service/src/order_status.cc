#include "order-service/src/order_status.h"

namespace oms::order {
namespace {

constexpr char kPrefix[] = "ORDER_STATUS_";

}  // namespace

v1::OrderStatus ParseStatus(const std::string& name) {
  v1::OrderStatus status = v1::ORDER_STATUS_UNSPECIFIED;
  v1::OrderStatus_Parse(kPrefix + name, &status);
  return status;
}

std::string StatusName(v1::OrderStatus status) {
  return v1::OrderStatus_Name(status).substr(sizeof kPrefix - 1);
}

}  // namespace oms::order
