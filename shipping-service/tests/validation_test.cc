// Request validation: every refusal names its field.
#include "shipping-service/src/validation.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

namespace oms::shipping {
namespace {

using google::protobuf::util::TimeUtil;

constexpr std::int64_t kNow = 1'800'000'000LL * 1'000'000;

void ExpectField(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find(field), absl::string_view::npos) << status;
}

v1::CreateShipmentsRequest GoodCreate() {
  v1::CreateShipmentsRequest request;
  request.set_request_id("saga-1:create_shipments");
  request.set_order_id("ord-1");
  auto* to = request.mutable_destination();
  to->set_line1("1 Main St");
  to->set_city("Berlin");
  to->set_country("DE");
  auto* group = request.add_groups();
  group->set_warehouse_id("11111111-1111-4111-8111-111111111111");
  auto* line = group->add_lines();
  line->set_sku("SKU-1");
  line->set_quantity(2);
  line->set_unit_weight_grams(500);
  return request;
}

TEST(ValidateCreateShipmentsTest, AcceptsAGoodRequest) {
  EXPECT_TRUE(ValidateCreateShipments(GoodCreate()).ok());
}

TEST(ValidateCreateShipmentsTest, RefusesEachBadField) {
  auto request = GoodCreate();
  request.set_request_id("");
  ExpectField(ValidateCreateShipments(request), "request_id");
  request = GoodCreate();
  request.set_order_id("has space");
  ExpectField(ValidateCreateShipments(request), "order_id");
  request = GoodCreate();
  request.mutable_destination()->set_country("Germany");
  ExpectField(ValidateCreateShipments(request), "destination.country");
  request = GoodCreate();
  request.mutable_destination()->set_city("");
  ExpectField(ValidateCreateShipments(request), "destination.city");
  request = GoodCreate();
  request.clear_groups();
  EXPECT_TRUE(ValidateCreateShipments(request).ok());  // only whether the destination is served
  for (int g = 0; g <= kMaxGroups; ++g) *request.add_groups() = GoodCreate().groups(0);
  ExpectField(ValidateCreateShipments(request), "groups");
  request = GoodCreate();
  *request.add_groups() = request.groups(0);
  ExpectField(ValidateCreateShipments(request), "groups[1].warehouse_id");
  request = GoodCreate();
  request.mutable_groups(0)->mutable_lines(0)->set_quantity(0);
  ExpectField(ValidateCreateShipments(request), "groups[0].lines[0].quantity");
  request = GoodCreate();
  *request.mutable_groups(0)->add_lines() = request.groups(0).lines(0);
  ExpectField(ValidateCreateShipments(request), "groups[0].lines[1].sku");
  request = GoodCreate();
  request.mutable_groups(0)->mutable_lines(0)->set_unit_weight_grams(-1);
  ExpectField(ValidateCreateShipments(request), "groups[0].lines[0].unit_weight_grams");
  request = GoodCreate();
  request.mutable_groups(0)->mutable_lines(0)->set_quantity(kMaxQuantity);
  request.mutable_groups(0)->mutable_lines(0)->set_unit_weight_grams(kMaxUnitWeightGrams);
  ExpectField(ValidateCreateShipments(request), "groups[0].lines");
}

TEST(ValidateCreateShipmentsTest, AReSourcedGroupNamesAShipmentAndMayShareItsWarehouse) {
  auto request = GoodCreate();
  *request.add_groups() = request.groups(0);
  request.mutable_groups(1)->set_resourced_from_shipment_id("0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10");
  EXPECT_TRUE(ValidateCreateShipments(request).ok());
  // Two groups at one warehouse taking over the same shipment's units are one group twice.
  *request.add_groups() = request.groups(1);
  ExpectField(ValidateCreateShipments(request), "groups[2].warehouse_id");
  request.mutable_groups()->RemoveLast();
  request.mutable_groups(1)->set_resourced_from_shipment_id("ord-1");
  ExpectField(ValidateCreateShipments(request), "groups[1].resourced_from_shipment_id");
}

TEST(ValidateCreateShipmentsTest, ABackorderFillGroupMayShareItsWarehouseOncePerFill) {
  auto request = GoodCreate();
  // The order's group and two fills, all at one warehouse.
  *request.add_groups() = request.groups(0);
  request.mutable_groups(1)->set_backorder_fill_sequence(7);
  *request.add_groups() = request.groups(0);
  request.mutable_groups(2)->set_backorder_fill_sequence(9);
  EXPECT_TRUE(ValidateCreateShipments(request).ok());

  // One group per fill, even from another warehouse.
  auto twice = request;
  twice.mutable_groups(2)->set_backorder_fill_sequence(7);
  ExpectField(ValidateCreateShipments(twice), "groups[2].backorder_fill_sequence");
  twice.mutable_groups(2)->set_warehouse_id("22222222-2222-4222-8222-222222222222");
  ExpectField(ValidateCreateShipments(twice), "groups[2].backorder_fill_sequence");

  auto negative = request;
  negative.mutable_groups(1)->set_backorder_fill_sequence(-1);
  ExpectField(ValidateCreateShipments(negative), "groups[1].backorder_fill_sequence");

  // A group either re-sources a short pick or ships a fill.
  auto both = request;
  both.mutable_groups(2)->set_resourced_from_shipment_id("0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10");
  ExpectField(ValidateCreateShipments(both), "groups[2].backorder_fill_sequence");
  both.mutable_groups(2)->set_backorder_fill_sequence(0);
  EXPECT_TRUE(ValidateCreateShipments(both).ok());
}

TEST(ValidateCreateShipmentsTest, AnOrderVersionIsBoundedAndMayShareAWarehouseOncePerVersion) {
  auto request = GoodCreate();
  // The order as placed and its second version at one warehouse.
  *request.add_groups() = request.groups(0);
  request.mutable_groups(1)->set_order_version(2);
  EXPECT_TRUE(ValidateCreateShipments(request).ok());
  request.mutable_groups(1)->set_order_version(kMaxOrderVersion);
  EXPECT_TRUE(ValidateCreateShipments(request).ok());

  for (std::int64_t bad : {std::int64_t{-1}, kMaxOrderVersion + 1}) {
    auto out_of_bounds = request;
    out_of_bounds.mutable_groups(1)->set_order_version(bad);
    ExpectField(ValidateCreateShipments(out_of_bounds), "groups[1].order_version");
  }

  // 0 and 1 are both the order as placed: one group per warehouse between them.
  auto placed_twice = request;
  placed_twice.mutable_groups(1)->set_order_version(1);
  ExpectField(ValidateCreateShipments(placed_twice), "groups[1].warehouse_id");

  // The version of a re-sourced group is its source's; a fill is not shipped per version.
  auto resourced = request;
  resourced.mutable_groups(1)->set_resourced_from_shipment_id(
      "0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10");
  ExpectField(ValidateCreateShipments(resourced), "groups[1].order_version");
  auto fill = request;
  fill.mutable_groups(1)->set_backorder_fill_sequence(7);
  ExpectField(ValidateCreateShipments(fill), "groups[1].order_version");
  // Version 1 names the order as placed, as 0 does: harmless with either.
  resourced.mutable_groups(1)->set_order_version(1);
  EXPECT_TRUE(ValidateCreateShipments(resourced).ok());
  fill.mutable_groups(1)->set_order_version(0);
  EXPECT_TRUE(ValidateCreateShipments(fill).ok());
}

TEST(ValidateCancelShipmentTest, NeedsATarget) {
  v1::CancelShipmentRequest request;
  request.set_request_id("r-1");
  ExpectField(ValidateCancelShipment(request), "target");
  request.set_shipment_id("not-a-uuid");
  ExpectField(ValidateCancelShipment(request), "shipment_id");
  request.set_shipment_id("0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10");
  EXPECT_TRUE(ValidateCancelShipment(request).ok());
  request.mutable_order()->set_order_id("ord-1");
  EXPECT_TRUE(ValidateCancelShipment(request).ok());
  request.mutable_order()->set_warehouse_id("bad id");
  ExpectField(ValidateCancelShipment(request), "order.warehouse_id");
}

v1::RecordShipmentEventRequest GoodEvent() {
  v1::RecordShipmentEventRequest request;
  request.set_shipment_id("0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10");
  request.set_type(v1::SHIPMENT_EVENT_TYPE_DELIVERED);
  *request.mutable_occurred_at() = TimeUtil::MicrosecondsToTimestamp(kNow - 1'000'000);
  request.set_note("left with\nneighbour");
  request.mutable_proof()->set_uri("https://pod.example/1.jpg");
  request.mutable_proof()->set_content_type("image/jpeg");
  request.mutable_proof()->set_sha256(std::string(64, 'a'));
  return request;
}

TEST(ValidateShipmentEventTest, RefusesEachBadField) {
  EXPECT_TRUE(ValidateShipmentEvent(GoodEvent(), kNow).ok());
  auto request = GoodEvent();
  request.set_type(v1::SHIPMENT_EVENT_TYPE_UNSPECIFIED);
  ExpectField(ValidateShipmentEvent(request, kNow), "type");
  request = GoodEvent();
  request.clear_occurred_at();
  ExpectField(ValidateShipmentEvent(request, kNow), "occurred_at");
  request = GoodEvent();
  *request.mutable_occurred_at() =
      TimeUtil::MicrosecondsToTimestamp(kNow + 2 * kMaxFutureSkewMicros);
  ExpectField(ValidateShipmentEvent(request, kNow), "occurred_at");
  request = GoodEvent();
  request.set_location(std::string(201, 'x'));
  ExpectField(ValidateShipmentEvent(request, kNow), "location");
  request = GoodEvent();
  request.set_tracking_number("a\nb");
  ExpectField(ValidateShipmentEvent(request, kNow), "tracking_number");
  request = GoodEvent();
  request.mutable_proof()->set_sha256("ABC");
  ExpectField(ValidateShipmentEvent(request, kNow), "proof.sha256");
  request = GoodEvent();
  request.mutable_proof()->set_uri("ftp://x");
  ExpectField(ValidateShipmentEvent(request, kNow), "proof.uri");
  request = GoodEvent();
  request.mutable_proof()->set_content_type("jpeg");
  ExpectField(ValidateShipmentEvent(request, kNow), "proof.content_type");
  request = GoodEvent();
  request.set_carrier_event_id("a b");
  ExpectField(ValidateShipmentEvent(request, kNow), "carrier_event_id");
}

TEST(ValidateShipmentEventTest, AcceptsTheUriOfAProofUploadedForThisShipment) {
  auto request = GoodEvent();
  const std::string sha(64, 'b');
  request.mutable_proof()->set_sha256(sha);
  request.mutable_proof()->set_uri("/v1/shipments/" + request.shipment_id() + "/proofs/" + sha);
  EXPECT_TRUE(ValidateShipmentEvent(request, kNow).ok());
  // Another shipment's path, another digest, or any other relative path is no URL.
  request.mutable_proof()->set_uri("/v1/shipments/00000000-0000-4000-8000-000000000000/proofs/" +
                                   sha);
  ExpectField(ValidateShipmentEvent(request, kNow), "proof.uri");
  request.mutable_proof()->set_uri("/v1/shipments/" + request.shipment_id() + "/proofs/" +
                                   std::string(64, 'c'));
  ExpectField(ValidateShipmentEvent(request, kNow), "proof.uri");
  request.mutable_proof()->set_uri("/etc/passwd");
  ExpectField(ValidateShipmentEvent(request, kNow), "proof.uri");
}

TEST(ValidateCreateReturnTest, RefusesEachBadField) {
  v1::CreateReturnShipmentRequest request;
  request.set_request_id("r-1");
  request.set_order_id("ord-1");
  request.set_return_id("rma-1");
  request.set_warehouse_id("11111111-1111-4111-8111-111111111111");
  request.mutable_pickup_address()->set_line1("1 Main St");
  request.mutable_pickup_address()->set_city("Berlin");
  request.mutable_pickup_address()->set_country("DE");
  auto* line = request.add_lines();
  line->set_sku("SKU-1");
  line->set_quantity(1);
  EXPECT_TRUE(ValidateCreateReturn(request).ok());
  auto bad = request;
  bad.set_return_id("");
  ExpectField(ValidateCreateReturn(bad), "return_id");
  bad = request;
  bad.mutable_lines(0)->set_quantity(-3);
  ExpectField(ValidateCreateReturn(bad), "lines[0].quantity");
  bad = request;
  bad.clear_pickup_address();
  ExpectField(ValidateCreateReturn(bad), "pickup_address");
}

TEST(ValidateCreateReplacementTest, RefusesEachBadField) {
  v1::CreateReplacementShipmentRequest request;
  request.set_request_id("saga-9:create-replacement");
  request.set_shipment_id("0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10");
  EXPECT_TRUE(ValidateCreateReplacement(request).ok());  // no reason is a reason too
  request.set_reason(std::string(500, 'r'));
  EXPECT_TRUE(ValidateCreateReplacement(request).ok());
  auto bad = request;
  bad.set_request_id("");
  ExpectField(ValidateCreateReplacement(bad), "request_id");
  bad = request;
  bad.set_request_id("has space");
  ExpectField(ValidateCreateReplacement(bad), "request_id");
  bad = request;
  bad.set_shipment_id("");
  ExpectField(ValidateCreateReplacement(bad), "shipment_id");
  bad = request;
  bad.set_shipment_id("ord-1");
  ExpectField(ValidateCreateReplacement(bad), "shipment_id");
  bad = request;
  bad.set_reason(std::string(501, 'r'));
  ExpectField(ValidateCreateReplacement(bad), "reason");
}

v1::ReportShortPickRequest GoodShortPick() {
  v1::ReportShortPickRequest request;
  request.set_request_id("gw:0f3c");
  request.set_shipment_id("0b7f5d4e-8a1c-4a57-9d4b-2f0f3c1e9a10");
  for (const char* sku : {"MUG", "BOOK"}) {
    auto* line = request.add_missing();
    line->set_sku(sku);
    line->set_quantity(1);
  }
  return request;
}

TEST(ValidateReportShortPickTest, RefusesEachBadField) {
  EXPECT_TRUE(ValidateReportShortPick(GoodShortPick()).ok());
  auto request = GoodShortPick();
  request.set_warehouse_id("11111111-1111-4111-8111-111111111111");
  request.set_note(std::string(499, 'n') + "\n");  // a note may run over lines
  EXPECT_TRUE(ValidateReportShortPick(request).ok());
  request = GoodShortPick();
  request.set_request_id("");
  ExpectField(ValidateReportShortPick(request), "request_id");
  request = GoodShortPick();
  request.set_shipment_id("ord-1");
  ExpectField(ValidateReportShortPick(request), "shipment_id");
  request = GoodShortPick();
  request.set_warehouse_id("has space");
  ExpectField(ValidateReportShortPick(request), "warehouse_id");
  request = GoodShortPick();
  request.clear_missing();
  ExpectField(ValidateReportShortPick(request), "missing");
  request = GoodShortPick();
  while (request.missing_size() <= kMaxShortPickLines) {
    auto* line = request.add_missing();
    line->set_sku("SKU-" + std::to_string(request.missing_size()));
    line->set_quantity(1);
  }
  ExpectField(ValidateReportShortPick(request), "missing");
  request = GoodShortPick();
  request.mutable_missing(1)->set_quantity(0);
  ExpectField(ValidateReportShortPick(request), "missing[1].quantity");
  request = GoodShortPick();
  request.mutable_missing(0)->set_quantity(-3);
  ExpectField(ValidateReportShortPick(request), "missing[0].quantity");
  request = GoodShortPick();
  request.mutable_missing(0)->set_sku("");
  ExpectField(ValidateReportShortPick(request), "missing[0].sku");
  request = GoodShortPick();
  request.mutable_missing(1)->set_sku("MUG");
  ExpectField(ValidateReportShortPick(request), "missing[1].sku");
  request = GoodShortPick();
  request.set_note(std::string(501, 'n'));
  ExpectField(ValidateReportShortPick(request), "note");
}

TEST(ValidateShipmentEventTest, AShortPickIsNoEvent) {
  auto request = GoodEvent();
  request.set_type(v1::SHIPMENT_EVENT_TYPE_SHORT_PICKED);
  ExpectField(ValidateShipmentEvent(request, kNow), "type");
}

TEST(ValidateListEventsTest, RefusesANegativeCursorOrLimit) {
  v1::ListEventsRequest request;
  EXPECT_TRUE(ValidateListEvents(request).ok());
  request.set_after_sequence(-1);
  ExpectField(ValidateListEvents(request), "after_sequence");
  request.set_after_sequence(7);
  request.set_limit(-1);
  ExpectField(ValidateListEvents(request), "limit");
  request.set_limit(0);
  EXPECT_TRUE(ValidateListEvents(request).ok());
}

TEST(ReadPickQueueRequestTest, TakesAnOpenStatusAndATokenItIssued) {
  v1::ListPickQueueRequest request;
  request.set_warehouse_id("11111111-1111-4111-8111-111111111111");
  auto query = ReadPickQueueRequest(request);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->limit, 50);
  EXPECT_EQ(query->after_micros, 0);

  v1::Shipment last;
  last.set_id("22222222-2222-4222-8222-222222222222");
  *last.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(kNow);
  request.set_page_token(PickQueueToken(last));
  request.set_status(v1::SHIPMENT_STATUS_PACKED);
  request.set_page_size(10);
  query = ReadPickQueueRequest(request);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->after_micros, kNow);
  EXPECT_EQ(query->after_id, last.id());
  EXPECT_EQ(query->status, v1::SHIPMENT_STATUS_PACKED);
  EXPECT_EQ(query->limit, 10);

  v1::ListPickQueueRequest bad = request;
  bad.set_status(v1::SHIPMENT_STATUS_SHIPPED);
  ExpectField(ReadPickQueueRequest(bad).status(), "status");
  bad = request;
  bad.set_warehouse_id("");
  ExpectField(ReadPickQueueRequest(bad).status(), "warehouse_id");
  bad = request;
  bad.set_page_token("not-a-token");
  ExpectField(ReadPickQueueRequest(bad).status(), "page_token");
  bad = request;
  bad.set_page_size(-1);
  EXPECT_EQ(ReadPickQueueRequest(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace oms::shipping
