// The proto3 JSON mapping of bodies: malformed JSON, unknown fields (named by path), wrong
// types, invalid UTF-8 and fields the gateway owns are all INVALID_ARGUMENT with a reason; enum
// values with or without their prefix, at any depth (enum_names.h).
#include "gateway/src/json_mapping.h"

#include <gtest/gtest.h>

#include "common/status.h"
#include "gateway/src/enum_names.h"
#include "oms/inventory/v1/inventory.pb.h"
#include "oms/shipping/v1/shipping.pb.h"

namespace oms::gateway {
namespace {

namespace inv = oms::inventory::v1;

void ExpectRefused(const std::string& body, const std::string& reason,
                   const std::string& message_part = "") {
  inv::Product product;
  absl::Status status = ParseJsonBody(body, &product);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << body;
  EXPECT_EQ(ReasonOf(status), reason) << body << " -> " << status;
  EXPECT_NE(status.message().find(message_part), absl::string_view::npos) << status;
}

TEST(JsonMappingTest, ParsesTheProto3Mapping) {
  inv::Product product;
  absl::Status status = ParseJsonBody(
      R"({"sku":"SKU-1","name":"Mug","unitPrice":{"currency":"EUR","amountMinor":"1999"},)"
      R"("weightGrams":300,"active":false})",
      &product);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(product.sku(), "SKU-1");
  EXPECT_EQ(product.unit_price().amount_minor(), 1999);
  EXPECT_EQ(product.weight_grams(), 300);
  ASSERT_TRUE(product.has_active());
  EXPECT_FALSE(product.active());
}

TEST(EnumNamesTest, AValueIsFoundByItsFullNameOrWithoutItsPrefix) {
  namespace ship = oms::shipping::v1;
  const auto& type = *ship::ShipmentEventType_descriptor();
  EXPECT_EQ(EnumPrefix(type), "SHIPMENT_EVENT_TYPE_");
  for (const char* text : {"SHIPPED", "SHIPMENT_EVENT_TYPE_SHIPPED"}) {
    const auto* value = FindEnumValue(type, text);
    ASSERT_NE(value, nullptr) << text;
    EXPECT_EQ(value->number(), ship::SHIPMENT_EVENT_TYPE_SHIPPED);
  }
  // Not a value; another enum's prefix; the prefix twice; lower case; nothing.
  for (const char* text : {"MISPLACED", "SHIPMENT_STATUS_SHIPPED", "SHIPMENT_EVENT_TYPE_",
                           "shipped", "SHIPMENT_EVENT_TYPE_SHIPMENT_EVENT_TYPE_SHIPPED", ""}) {
    EXPECT_EQ(FindEnumValue(type, text), nullptr) << text;
  }
}

TEST(JsonMappingTest, TakesEnumValuesWithOrWithoutTheirPrefixAtAnyDepth) {
  namespace ship = oms::shipping::v1;
  ship::RecordShipmentEventRequest event;
  ASSERT_TRUE(ParseJsonBody(R"({"shipmentId":"s-1","type":"SHIPPED"})", &event).ok());
  EXPECT_EQ(event.type(), ship::SHIPMENT_EVENT_TYPE_SHIPPED);
  ASSERT_TRUE(ParseJsonBody(R"({"type":"SHIPMENT_EVENT_TYPE_DELIVERED"})", &event).ok());
  EXPECT_EQ(event.type(), ship::SHIPMENT_EVENT_TYPE_DELIVERED);

  // In a nested message and in a repeated one.
  ship::ListShipmentsResponse list;
  absl::Status status = ParseJsonBody(
      R"({"shipments":[{"kind":"OUTBOUND","status":"IN_TRANSIT","transportMode":"AIR"},)"
      R"({"kind":"SHIPMENT_KIND_RETURN","status":"RECEIVED"}]})",
      &list);
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(list.shipments_size(), 2);
  EXPECT_EQ(list.shipments(0).kind(), ship::SHIPMENT_KIND_OUTBOUND);
  EXPECT_EQ(list.shipments(0).status(), ship::SHIPMENT_STATUS_IN_TRANSIT);
  EXPECT_EQ(list.shipments(0).transport_mode(), ship::TRANSPORT_MODE_AIR);
  EXPECT_EQ(list.shipments(1).kind(), ship::SHIPMENT_KIND_RETURN);
  EXPECT_EQ(list.shipments(1).status(), ship::SHIPMENT_STATUS_RECEIVED);

  // A name that is no value of the field's enum is refused, with or without a prefix.
  for (const char* body : {R"({"type":"MISPLACED"})", R"({"type":"SHIPMENT_STATUS_SHIPPED"})",
                           R"({"type":"shipped"})"}) {
    status = ParseJsonBody(body, &event);
    EXPECT_EQ(ReasonOf(status), "INVALID_FIELD_VALUE") << body << " -> " << status;
  }
}

TEST(JsonMappingTest, RefusesMalformedJson) {
  ExpectRefused(R"({"sku":"A")", "MALFORMED_JSON", "not valid JSON");
  ExpectRefused("", "MALFORMED_JSON");
  ExpectRefused("[1,2]", "MALFORMED_JSON", "must be a JSON object");
  ExpectRefused("\"text\"", "MALFORMED_JSON");
  ExpectRefused("{\"sku\":\"A\"} trailing", "MALFORMED_JSON");
}

TEST(JsonMappingTest, RefusesNestingDeeperThanTheCapBeforeBuildingAnything) {
  // 200,000 nested arrays in 400 KB: printing such a document again recursively overflowed the
  // stack and took the gateway down.
  const std::string deep =
      R"({"name":)" + std::string(200000, '[') + std::string(200000, ']') + "}";
  ExpectRefused(deep, "MALFORMED_JSON", "deeper than 32 levels");
  EXPECT_EQ(ReasonOf(CheckJsonDepth(deep)), "MALFORMED_JSON");
  // At the cap is fine for the check (the schema then judges it); brackets in strings, escaped
  // quotes included, are text.
  const std::string at_cap = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(CheckJsonDepth(at_cap).ok());
  EXPECT_FALSE(CheckJsonDepth("[" + at_cap + "]").ok());
  inv::Product product;
  const std::string quoted = R"({"name":"\"[[[)" + std::string(100, '{') + R"("})";
  ASSERT_TRUE(ParseJsonBody(quoted, &product).ok());
  EXPECT_EQ(product.name(), "\"[[[" + std::string(100, '{'));
}

TEST(JsonMappingTest, RefusesInvalidUtf8) {
  ExpectRefused("{\"sku\":\"A\xff\xfe\"}", "MALFORMED_JSON");
  ExpectRefused("{\"name\":\"\xc3\x28\"}", "MALFORMED_JSON");
}

TEST(JsonMappingTest, RefusesUnknownFieldsByPath) {
  ExpectRefused(R"({"sku":"A","colour":"red"})", "UNKNOWN_FIELD", "colour: unknown field");
  ExpectRefused(R"({"sku":"A","unitPrice":{"currency":"EUR","cents":1}})", "UNKNOWN_FIELD",
                "unitPrice.cents");
  inv::GetAvailabilityResponse levels;
  absl::Status status = ParseJsonBody(R"({"levels":[{"sku":"A"},{"sku":"B","extra":1}]})", &levels);
  EXPECT_EQ(ReasonOf(status), "UNKNOWN_FIELD");
  EXPECT_NE(status.message().find("levels[1].extra"), absl::string_view::npos) << status;
}

TEST(JsonMappingTest, RefusesWrongTypes) {
  ExpectRefused(R"({"sku":12})", "INVALID_FIELD_VALUE");
  ExpectRefused(R"({"weightGrams":"heavy"})", "INVALID_FIELD_VALUE");
  ExpectRefused(R"({"unitPrice":"EUR 19.99"})", "INVALID_FIELD_VALUE");
  ExpectRefused(R"({"active":"yes"})", "INVALID_FIELD_VALUE", "active: must be true or false");
  ExpectRefused(R"({"active":"true"})", "INVALID_FIELD_VALUE");
  ExpectRefused(R"({"name":["a"]})", "INVALID_FIELD_VALUE", "name: must be a string");
  inv::GetAvailabilityResponse levels;
  EXPECT_EQ(ReasonOf(ParseJsonBody(R"({"levels":{"sku":"A"}})", &levels)), "INVALID_FIELD_VALUE");
  inv::AdjustStockRequest adjust;
  EXPECT_EQ(ReasonOf(ParseJsonBody(R"({"reason":"STOLEN"})", &adjust)), "INVALID_FIELD_VALUE");
  EXPECT_EQ(ReasonOf(ParseJsonBody(R"({"delta":1.5})", &adjust)), "INVALID_FIELD_VALUE");
  EXPECT_EQ(adjust.ByteSizeLong(), 0u) << "a refused body leaves nothing behind";
}

TEST(JsonMappingTest, RefusesFieldsTheGatewaySets) {
  inv::AdjustStockRequest adjust;
  absl::Status status = ParseJsonBody(R"({"sku":"A","requestId":"mine"})", &adjust, {"requestId"});
  EXPECT_EQ(ReasonOf(status), "UNKNOWN_FIELD");
  EXPECT_NE(status.message().find("requestId"), absl::string_view::npos);
  EXPECT_TRUE(ParseJsonBody(R"({"sku":"A","delta":"5"})", &adjust, {"requestId"}).ok());
  EXPECT_EQ(adjust.delta(), 5);
}

TEST(JsonMappingTest, PrintsLowerCamelCaseEnumsByNameAndInt64AsStrings) {
  inv::Product product;
  product.set_sku("SKU-1");
  product.mutable_unit_price()->set_currency("EUR");
  product.mutable_unit_price()->set_amount_minor(1999);
  auto json = ToJson(product);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find(R"("unitPrice":{"currency":"EUR","amountMinor":"1999"})"), std::string::npos)
      << *json;
  EXPECT_NE(json->find(R"("weightGrams":"0")"), std::string::npos) << *json;
  oms::shipping::v1::Shipment shipment;
  shipment.set_status(oms::shipping::v1::SHIPMENT_STATUS_SHIPPED);
  EXPECT_NE(ToJson(shipment)->find(R"("status":"SHIPMENT_STATUS_SHIPPED")"), std::string::npos);
}

}  // namespace
}  // namespace oms::gateway
