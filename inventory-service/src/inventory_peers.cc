#include "inventory-service/src/inventory_peers.h"

namespace oms::inventory {

// After ARCHITECTURE.md's call graph: the reservation's lifecycle belongs to order-service's
// sagas alone; the catalog and stock routes of the gateway; omsctl's demo load, its listings and
// the invariant check. A method nobody calls today is the operators' (omsctl).
MethodPeers InventoryServicePeers() {
  using namespace peer;  // NOLINT(build/namespaces): the names read as the table's columns
  return {
      {"CreateProduct", {kGateway, kOmsctl}},
      {"UpdateProduct", {kGateway, kOmsctl}},
      {"GetProduct", {kGateway}},
      {"BatchGetProducts", {kOrderService}},  // pricing at capture
      {"ListProducts", {kGateway, kOmsctl}},
      {"CreateWarehouse", {kGateway, kOmsctl}},
      {"ListWarehouses", {kGateway, kOmsctl}},
      // order-service: the units a lost parcel's replacement takes off the shelf.
      {"AdjustStock", {kGateway, kOmsctl, kOrderService}},
      {"GetAvailability", {kGateway, kOmsctl}},
      {"PlanAllocation", {kGateway, kOmsctl}},
      {"ReserveStock", {kOrderService}},
      {"ExtendReservation", {kOrderService}},
      {"CommitReservation", {kOrderService}},
      {"ReleaseReservation", {kOrderService}},
      {"ResourceReservation", {kOrderService}},  // the saga of a short pick
      {"AddToReservation", {kOrderService}},     // the saga of an order edit
      {"GetReservation", {kOmsctl}},
      {"RestockReturn", {kOrderService}},
      {"CheckInvariants", {kOmsctl}},
      {"AuditOrderFacts", {kOmsctl}},
      {"ListBackorderFills", {kOrderService}},  // follows the fills to ship them
      {"CancelBackorders", {kOrderService}},
  };
}

}  // namespace oms::inventory
