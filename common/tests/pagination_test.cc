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

}  // namespace
}  // namespace oms
