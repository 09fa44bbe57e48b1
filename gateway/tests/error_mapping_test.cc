// The gRPC to HTTP table, the 409/422 split of FAILED_PRECONDITION, and the error body.
#include "gateway/src/error_mapping.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/status.h"

namespace oms::gateway {
namespace {

TEST(ErrorMappingTest, MapsEveryCodeAsGrpcGatewayDoes) {
  using C = absl::StatusCode;
  const std::vector<std::pair<C, int>> table = {
      {C::kInvalidArgument, 400},   {C::kOutOfRange, 400},       {C::kNotFound, 404},
      {C::kAlreadyExists, 409},     {C::kAborted, 409},          {C::kFailedPrecondition, 409},
      {C::kResourceExhausted, 429}, {C::kUnauthenticated, 401},  {C::kPermissionDenied, 403},
      {C::kUnavailable, 503},       {C::kDeadlineExceeded, 504}, {C::kUnimplemented, 501},
      {C::kCancelled, 499},         {C::kInternal, 500},         {C::kUnknown, 500},
      {C::kDataLoss, 500}};
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFor(code, ""), http) << CodeName(code);
  }
}

TEST(ErrorMappingTest, SplitsFailedPreconditionByReason) {
  for (const char* refusal :
       {"INSUFFICIENT_STOCK", "PAYMENT_DECLINED", "RETURN_EXCEEDS_DELIVERED",
        "IDEMPOTENCY_KEY_REUSED", "DESTINATION_NOT_SERVED", "RECEIPT_EXCEEDS_RETURN"}) {
    EXPECT_EQ(HttpStatusFor(absl::StatusCode::kFailedPrecondition, refusal), 422) << refusal;
  }
  for (const char* conflict :
       {"SHIPMENT_ALREADY_SHIPPED", "RESERVATION_RELEASED", "AUTHORIZATION_VOIDED",
        "NOTHING_TO_CANCEL", "ORDER_NOT_DELIVERED", ""}) {
    EXPECT_EQ(HttpStatusFor(absl::StatusCode::kFailedPrecondition, conflict), 409) << conflict;
  }
  // API.md: a reused idempotency key is 422 whichever code carries it.
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInvalidArgument, "IDEMPOTENCY_KEY_REUSED"), 422);
}

TEST(ErrorMappingTest, WritesTheErrorBodyOfApiMd) {
  Response response = ErrorResponse(
      WithReason(absl::StatusCode::kFailedPrecondition, "INSUFFICIENT_STOCK", "not enough SKU-1"),
      "rid-1");
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(*FindHeader(response.headers, "content-type"), "application/json");
  EXPECT_EQ(response.body,
            R"({"error":{"code":422,"status":"FAILED_PRECONDITION","message":"not enough SKU-1",)"
            R"("reason":"INSUFFICIENT_STOCK","requestId":"rid-1"}})");
}

TEST(ErrorMappingTest, HidesInternalMessages) {
  auto body = nlohmann::json::parse(
      ErrorBody(500, absl::InternalError("pqxx: relation x does not exist"), "r"));
  EXPECT_EQ(body["error"]["message"], "internal error");
  body = nlohmann::json::parse(
      ErrorBody(503, absl::UnavailableError("ipv4:10.0.0.7:50052: connection refused"), "r"));
  EXPECT_EQ(body["error"]["message"], "a service is unavailable; retry later");
  body = nlohmann::json::parse(ErrorBody(
      503, WithReason(absl::StatusCode::kUnavailable, "PROVIDER_UNAVAILABLE", "provider down"),
      "r"));
  EXPECT_EQ(body["error"]["message"], "provider down");
}

}  // namespace
}  // namespace oms::gateway
