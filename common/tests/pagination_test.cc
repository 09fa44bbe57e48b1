#include "common/pagination.h"

#include <gtest/gtest.h>

namespace oms {
namespace {

TEST(PaginationTest, PageSizeDefaultsAndCeiling) {
  EXPECT_EQ(*PageSize(0), kDefaultPageSize);
  EXPECT_EQ(*PageSize(7), 7);
  EXPECT_EQ(*PageSize(100000), kMaxPageSize);
  EXPECT_EQ(PageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PaginationTest, TokenRoundTripsAndRejectsForeignTokens) {
  EXPECT_EQ(*DecodePageToken(""), "");
  EXPECT_EQ(*DecodePageToken(EncodePageToken("SKU-42")), "SKU-42");
  EXPECT_EQ(*DecodePageToken(EncodePageToken("")), "");
  auto bad = DecodePageToken("not-a-token");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("page_token"), absl::string_view::npos);
}

TEST(PaginationTest, ATimeIdKeyRoundTripsAndAnythingElseIsRefused) {
  const std::string id = "22222222-2222-4222-8222-222222222222";
  auto key = ParseTimeIdPayload(TimeIdPayload(1'765'000'000'000'000, id));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->micros, 1'765'000'000'000'000);
  EXPECT_EQ(key->id, id);
  auto first = ParseTimeIdPayload("");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->micros, 0);
  EXPECT_EQ(first->id, "00000000-0000-0000-0000-000000000000");
  for (const char* bad : {"12",
                          "x:"
                          "22222222-2222-4222-8222-222222222222",
                          "12:not-a-uuid", ":"}) {
    EXPECT_EQ(ParseTimeIdPayload(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace oms
