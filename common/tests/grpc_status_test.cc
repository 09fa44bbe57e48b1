#include "common/grpc_status.h"

#include <gtest/gtest.h>

#include "common/status.h"
#include "google/rpc/status.pb.h"

namespace oms {
namespace {

TEST(GrpcStatusTest, CodeMessageAndDetailsSurviveTheRoundTrip) {
  absl::Status original = InvalidField("warehouse.code", "must match [A-Z0-9-]{1,32}");
  grpc::Status wire = ToGrpcStatus(original);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(wire.error_message(), "warehouse.code: must match [A-Z0-9-]{1,32}");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(wire.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(details.details_size(), 2);  // ErrorInfo and BadRequest

  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(back), "INVALID_FIELD");
}

TEST(GrpcStatusTest, OkStaysOkAndPlainErrorsHaveNoDetails) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  grpc::Status wire = ToGrpcStatus(absl::NotFoundError("no such product"));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(wire.error_details().empty());
}

}  // namespace
}  // namespace oms
