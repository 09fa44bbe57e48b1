#include "shipping-service/src/shipping_peers.h"

namespace oms::shipping {

// After ARCHITECTURE.md's call graph: shipments are made (replacements of parcels returned to
// sender and shipments of re-sourced units too) and cancelled by order-service's sagas, which
// also follow the event stream; carriers and warehouses post events and short picks through the
// gateway (order-service records a return's receipt) and upload and read photo proofs of
// delivery; omsctl audits.
MethodPeers ShippingServicePeers() {
  using namespace peer;  // NOLINT(build/namespaces): the names read as the table's columns
  return {
      {"CreateShipments", {kOrderService}},
      {"CancelShipment", {kOrderService}},
      {"RecordShipmentEvent", {kGateway, kOrderService}},
      {"CreateReturnShipment", {kOrderService}},
      {"CreateReplacementShipment", {kOrderService}},
      {"ReportShortPick", {kGateway}},
      {"GetShipment", {kGateway}},
      {"ListShipments", {kGateway, kOrderService}},
      {"ListPickQueue", {kGateway, kOmsctl}},
      {"ListEvents", {kOmsctl}},
      {"StreamEvents", {kOrderService}},
      {"AuditOrderFacts", {kOmsctl}},
      {"UploadProof", {kGateway}},
      {"GetProof", {kGateway}},
  };
}

}  // namespace oms::shipping
