#include "common/status.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"

namespace oms {
namespace {

TEST(StatusTest, InvalidFieldNamesTheFieldInMessageAndDetails) {
  absl::Status status = InvalidField("product.sku", "must not be empty");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "product.sku: must not be empty");
  EXPECT_EQ(ReasonOf(status), "INVALID_FIELD");
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(bad_request.ParseFromString(std::string(*payload)));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "product.sku");
}

TEST(StatusTest, WithReasonCarriesTheReason) {
  absl::Status status =
      WithReason(absl::StatusCode::kFailedPrecondition, "INSUFFICIENT_STOCK", "not enough");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(status), "INSUFFICIENT_STOCK");
  EXPECT_EQ(ReasonOf(absl::InternalError("x")), "");
}

}  // namespace
}  // namespace oms
