#include "common/audit_page.h"

#include "absl/strings/str_cat.h"
#include "common/pagination.h"
#include "common/status.h"

namespace oms {

absl::StatusOr<AuditPage> ParseAuditPage(const common::v1::AuditPageRequest& request) {
  AuditPage page;
  if (request.page_size() < 0 || request.page_size() > kMaxAuditPageSize) {
    return InvalidField("page.page_size",
                        absl::StrCat("must be 0 (the default, ", kDefaultAuditPageSize, ") to ",
                                     kMaxAuditPageSize, ", not ", request.page_size()));
  }
  if (request.page_size() > 0) page.size = request.page_size();
  auto after = DecodePageToken(request.page_token());
  if (!after.ok()) return InvalidField("page.page_token", "is not a token this server issued");
  page.after = *std::move(after);
  return page;
}

AuditRange AuditRangeOf(const std::vector<AuditSourceBound>& sources, int page_size) {
  AuditRange range;
  for (const AuditSourceBound& source : sources) {
    if (source.orders < page_size) continue;
    if (!range.more || source.last_order_id < range.last_order_id) {
      range = {source.last_order_id, true};
    }
  }
  if (range.more) return range;
  for (const AuditSourceBound& source : sources) {
    if (source.last_order_id > range.last_order_id) range.last_order_id = source.last_order_id;
  }
  return range;
}

void SetAuditPageResponse(const AuditRange& range, common::v1::AuditPageResponse* out) {
  out->set_last_order_id(range.last_order_id);
  out->set_next_page_token(range.more ? EncodePageToken(range.last_order_id) : "");
}

}  // namespace oms
