// What a return may take back: delivered, less what other returns take back, one return shipment
// per return id.
#include "shipping-service/src/return_rules.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace oms::shipping {
namespace {

OrderLine Line(v1::ShipmentKind kind, v1::ShipmentStatus status, const std::string& sku,
               std::int64_t quantity, std::int64_t grams) {
  OrderLine order_line;
  order_line.shipment_id = "s-1";
  order_line.kind = kind;
  order_line.status = status;
  order_line.line.set_sku(sku);
  order_line.line.set_quantity(quantity);
  order_line.line.set_unit_weight_grams(grams);
  return order_line;
}

google::protobuf::RepeatedPtrField<v1::ReturnLine> Wanted(const std::string& sku,
                                                          std::int64_t quantity) {
  google::protobuf::RepeatedPtrField<v1::ReturnLine> wanted;
  auto* line = wanted.Add();
  line->set_sku(sku);
  line->set_quantity(quantity);
  return wanted;
}

constexpr auto kOutbound = v1::SHIPMENT_KIND_OUTBOUND;
constexpr auto kReturn = v1::SHIPMENT_KIND_RETURN;

TEST(ReturnLinesTest, TakesBackWhatWasDeliveredWithItsWeight) {
  const std::vector<OrderLine> order = {
      Line(kOutbound, v1::SHIPMENT_STATUS_DELIVERED, "MUG", 2, 400),
      Line(kOutbound, v1::SHIPMENT_STATUS_DELIVERED, "MUG", 1, 450),
      Line(kOutbound, v1::SHIPMENT_STATUS_IN_TRANSIT, "MUG", 5, 400),  // not delivered yet
  };
  auto lines = ReturnLines(order, Wanted("MUG", 3));
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_EQ(lines->size(), 1);
  EXPECT_EQ(lines->Get(0).sku(), "MUG");
  EXPECT_EQ(lines->Get(0).quantity(), 3);
  EXPECT_EQ(lines->Get(0).unit_weight_grams(), 450);  // the heaviest delivered

  auto too_many = ReturnLines(order, Wanted("MUG", 4));
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(too_many.status()), "RETURN_EXCEEDS_DELIVERED");
  EXPECT_EQ(too_many.status().message(), "lines: 4 x MUG asked, 3 delivered and not yet returned");
}

TEST(ReturnLinesTest, OtherReturnsTakeTheirShareUnlessCancelled) {
  const std::vector<OrderLine> order = {
      Line(kOutbound, v1::SHIPMENT_STATUS_DELIVERED, "MUG", 2, 400),
      Line(kReturn, v1::SHIPMENT_STATUS_PENDING, "MUG", 1, 400),
      Line(kReturn, v1::SHIPMENT_STATUS_CANCELLED, "MUG", 1, 400),
  };
  EXPECT_TRUE(ReturnLines(order, Wanted("MUG", 1)).ok());
  EXPECT_EQ(ReasonOf(ReturnLines(order, Wanted("MUG", 2)).status()), "RETURN_EXCEEDS_DELIVERED");
}

TEST(ReturnLinesTest, NothingDeliveredNothingReturnable) {
  auto lines = ReturnLines({}, Wanted("LAMP", 1));
  EXPECT_EQ(ReasonOf(lines.status()), "RETURN_EXCEEDS_DELIVERED");
  EXPECT_EQ(lines.status().message(), "lines: 1 x LAMP asked, 0 delivered and not yet returned");
}

TEST(ReturnAllowedTest, OneReturnShipmentPerReturnId) {
  EXPECT_TRUE(ReturnAllowed("rma-1", false).ok());
  absl::Status exists = ReturnAllowed("rma-1", true);
  EXPECT_EQ(exists.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(exists), "RETURN_EXISTS");
}

}  // namespace
}  // namespace oms::shipping
