#include "gateway/src/route.h"

#include "common/log.h"
#include "gateway/src/error_mapping.h"
#include "gateway/src/json_mapping.h"

namespace oms::gateway {

Exchange::Exchange(const RouteSpec& route, Request request, PathParams params, QueryParams query,
                   Principal principal, std::string request_id,
                   std::chrono::system_clock::time_point deadline, Done done)
    : route_(route),
      request_(std::move(request)),
      params_(std::move(params)),
      query_(std::move(query)),
      principal_(std::move(principal)),
      request_id_(std::move(request_id)),
      deadline_(deadline),
      done_(std::move(done)) {}

Exchange::~Exchange() {
  if (!answered_.load()) Fail(absl::InternalError("the route gave no answer"));
}

const std::string& Exchange::param(const std::string& name) const {
  static const std::string kEmpty;
  auto it = params_.find(name);
  return it == params_.end() ? kEmpty : it->second;
}

const std::string* Exchange::query(const std::string& name) const {
  auto it = query_.find(name);
  return it == query_.end() ? nullptr : &it->second;
}

const std::string* Exchange::header(absl::string_view name) const {
  return FindHeader(request_.headers, name);
}

void Exchange::Reply(Response response) {
  if (response.status < 400 && route_.access.owner_guarded && principal_.customer_bound() &&
      !owner_verified_.load()) {
    // Fails closed: the route did not establish that this customer may see the answer.
    log::Warn(request_id_, "owner-guarded answer without an ownership check",
              {{"route", route_.path}});
    response = ErrorResponse(
        route_.not_found ? route_.not_found(*this) : absl::NotFoundError("not found"), request_id_);
  }
  if (answered_.exchange(true)) return;
  done_(std::move(response));
}

void Exchange::ReplyJson(int status, std::string json) {
  Response response;
  response.status = status;
  response.SetHeader("Content-Type", "application/json");
  response.body = std::move(json);
  Reply(std::move(response));
}

void Exchange::ReplyMessage(const google::protobuf::Message& message) {
  auto json = ToJson(message);
  if (!json.ok()) {
    Fail(json.status());
    return;
  }
  ReplyJson(route_.success_status, std::move(*json));
}

void Exchange::ReplyMessage(const google::protobuf::Message& message, int status) {
  auto json = ToJson(message);
  if (!json.ok()) {
    Fail(json.status());
    return;
  }
  ReplyJson(status, std::move(*json));
}

void Exchange::Fail(const absl::Status& status) {
  Response response = ErrorResponse(status, request_id_);
  // The client sees a generic message for these (error_mapping.h); the log keeps the cause.
  if (response.status >= 500) {
    log::Warn(request_id_, "request failed",
              {{"route", route_.path}, {"error", status.ToString()}});
  }
  Reply(std::move(response));
}

void Exchange::FailMappingNotFound(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kNotFound && route_.not_found) {
    Fail(route_.not_found(*this));
  } else {
    Fail(status);
  }
}

}  // namespace oms::gateway
