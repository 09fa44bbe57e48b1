#include "gateway/src/forward.h"

#include "gateway/src/json_mapping.h"

namespace oms::gateway {

bool ParseBodyOrFail(Exchange& exchange, google::protobuf::Message* message,
                     const std::vector<std::string>& fields_not_in_body) {
  absl::Status parsed = ParseJsonBody(exchange.request().body, message, fields_not_in_body);
  if (!parsed.ok()) {
    exchange.Fail(parsed);
    return false;
  }
  return true;
}

bool CheckOrFail(Exchange& exchange, const absl::Status& status) {
  if (status.ok()) return true;
  exchange.Fail(status);
  return false;
}

}  // namespace oms::gateway
