#include "common/audit_page.h"

#include <gtest/gtest.h>

#include "common/pagination.h"

namespace oms {
namespace {

common::v1::AuditPageRequest Request(int size, const std::string& token = "") {
  common::v1::AuditPageRequest request;
  request.set_page_size(size);
  request.set_page_token(token);
  return request;
}

TEST(AuditPageTest, SizeDefaultsAndOutOfBoundsSizesAreRefusedNamingTheField) {
  EXPECT_EQ(ParseAuditPage(Request(0))->size, kDefaultAuditPageSize);
  EXPECT_EQ(ParseAuditPage(Request(kMaxAuditPageSize))->size, kMaxAuditPageSize);
  for (int size : {-1, kMaxAuditPageSize + 1}) {
    auto page = ParseAuditPage(Request(size));
    ASSERT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument) << size;
    EXPECT_NE(page.status().message().find("page.page_size"), absl::string_view::npos);
  }
}

TEST(AuditPageTest, TokensCarryTheCursorAndForeignOnesAreRefused) {
  EXPECT_EQ(ParseAuditPage(Request(5))->after, "");
  EXPECT_EQ(ParseAuditPage(Request(5, EncodePageToken("order-7")))->after, "order-7");
  auto bad = ParseAuditPage(Request(5, "forged"));
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("page.page_token"), absl::string_view::npos);
}

TEST(AuditPageTest, TheFirstFullSourceBoundsThePage) {
  // Two sources read a full page of 3; the page ends at the lesser of their last ids, so the
  // other source's orders beyond it come with the next page.
  const AuditRange range = AuditRangeOf({{3, "c"}, {1, "z"}, {3, "b"}}, 3);
  EXPECT_EQ(range.last_order_id, "b");
  EXPECT_TRUE(range.more);
  common::v1::AuditPageResponse response;
  SetAuditPageResponse(range, &response);
  EXPECT_EQ(*DecodePageToken(response.next_page_token()), "b");
  EXPECT_EQ(response.last_order_id(), "b");
}

TEST(AuditPageTest, WithoutAFullSourceThePageRunsToTheEnd) {
  const AuditRange range = AuditRangeOf({{2, "c"}, {0, ""}, {1, "x"}}, 3);
  EXPECT_EQ(range.last_order_id, "x");
  EXPECT_FALSE(range.more);
  common::v1::AuditPageResponse response;
  SetAuditPageResponse(range, &response);
  EXPECT_TRUE(response.next_page_token().empty());
  EXPECT_EQ(AuditRangeOf({{0, ""}}, 3).last_order_id, "");
}

}  // namespace
}  // namespace oms
