#include "gateway/src/openapi.h"

#include <algorithm>
#include <set>

#include <google/protobuf/descriptor.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/src/enum_names.h"
#include "gateway/src/idempotency.h"
#include "gateway/src/route.h"
#include "gateway/src/router.h"

namespace oms::gateway {
namespace {

namespace pb = google::protobuf;
using nlohmann::json;

std::string Ref(const pb::Descriptor& descriptor) {
  return "#/components/schemas/" + descriptor.full_name();
}

class SchemaBuilder {
 public:
  // The schema of a field's value (one element for repeated fields).
  json ValueSchema(const pb::FieldDescriptor& field) {
    switch (field.type()) {
      case pb::FieldDescriptor::TYPE_INT32:
      case pb::FieldDescriptor::TYPE_SINT32:
      case pb::FieldDescriptor::TYPE_SFIXED32:
        return {{"type", "integer"}, {"format", "int32"}};
      case pb::FieldDescriptor::TYPE_UINT32:
      case pb::FieldDescriptor::TYPE_FIXED32:
        return {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}};
      case pb::FieldDescriptor::TYPE_INT64:
      case pb::FieldDescriptor::TYPE_SINT64:
      case pb::FieldDescriptor::TYPE_SFIXED64:
      case pb::FieldDescriptor::TYPE_UINT64:
      case pb::FieldDescriptor::TYPE_FIXED64:
        // The proto3 JSON mapping prints 64-bit integers as strings.
        return {{"type", "string"}, {"format", "int64"}};
      case pb::FieldDescriptor::TYPE_DOUBLE:
        return {{"type", "number"}, {"format", "double"}};
      case pb::FieldDescriptor::TYPE_FLOAT:
        return {{"type", "number"}, {"format", "float"}};
      case pb::FieldDescriptor::TYPE_BOOL:
        return {{"type", "boolean"}};
      case pb::FieldDescriptor::TYPE_STRING:
        return {{"type", "string"}};
      case pb::FieldDescriptor::TYPE_BYTES:
        return {{"type", "string"}, {"format", "byte"}};
      case pb::FieldDescriptor::TYPE_ENUM: {
        json names = json::array();
        const pb::EnumDescriptor* e = field.enum_type();
        for (int i = 0; i < e->value_count(); ++i) names.push_back(e->value(i)->name());
        json schema = {{"type", "string"}, {"enum", names}};
        // Answers spell values in full; requests may leave the prefix out (enum_names.h).
        if (const std::string prefix = EnumPrefix(*e); !prefix.empty()) {
          schema["description"] =
              absl::StrCat("in a request, also without the ", prefix, " prefix");
        }
        return schema;
      }
      case pb::FieldDescriptor::TYPE_MESSAGE:
      case pb::FieldDescriptor::TYPE_GROUP:
        return MessageSchemaRef(*field.message_type());
    }
    return json::object();
  }

  json MessageSchemaRef(const pb::Descriptor& descriptor) {
    const std::string& name = descriptor.full_name();
    if (name == "google.protobuf.Timestamp") return {{"type", "string"}, {"format", "date-time"}};
    if (name == "google.protobuf.Duration") return {{"type", "string"}, {"example", "1.5s"}};
    if (name == "google.protobuf.FieldMask") {
      return {{"type", "string"}, {"description", "comma-separated lowerCamelCase paths"}};
    }
    Define(descriptor);
    return {{"$ref", Ref(descriptor)}};
  }

  // The schema object of a message (not a reference), without the `excluded` fields.
  json MessageSchema(const pb::Descriptor& descriptor,
                     const std::vector<std::string>& excluded = {}) {
    json properties = json::object();
    for (int i = 0; i < descriptor.field_count(); ++i) {
      const pb::FieldDescriptor* field = descriptor.field(i);
      if (std::find(excluded.begin(), excluded.end(), field->json_name()) != excluded.end()) {
        continue;
      }
      json value = ValueSchema(*field);
      if (field->is_map()) {
        value = {{"type", "object"},
                 {"additionalProperties", ValueSchema(*field->message_type()->map_value())}};
      } else if (field->is_repeated()) {
        value = {{"type", "array"}, {"items", value}};
      }
      properties[field->json_name()] = value;
    }
    return {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
  }

  json TakeSchemas() { return std::move(schemas_); }

 private:
  void Define(const pb::Descriptor& descriptor) {
    const std::string& name = descriptor.full_name();
    if (schemas_.contains(name)) return;
    schemas_[name] = json::object();  // placeholder: recursive messages terminate
    schemas_[name] = MessageSchema(descriptor);
  }

  json schemas_ = json::object();
};

const char* ErrorDescription(const RouteSpec& route, int status) {
  const bool keyed = route.idempotency_key != IdempotencyKey::kNone;
  switch (status) {
    case 400:
      return "bad input: malformed JSON, unknown field, wrong type, invalid value or parameter";
    case 401:
      return "no credentials, or credentials not accepted (WWW-Authenticate: Bearer)";
    case 403:
      return "the credential lacks the scope this route needs (MISSING_SCOPE), or it is bound "
             "to a customer and grants a scope a customer may not hold "
             "(SCOPE_NOT_ALLOWED_FOR_CUSTOMER)";
    case 404:
      return "the resource does not exist (or the credential may not see it)";
    case 409:
      return keyed ? "conflicts with the resource's current state; or IDEMPOTENCY_KEY_IN_USE: "
                     "the first request with this Idempotency-Key is still running (Retry-After)"
                   : "conflicts with the resource's current state";
    case 413:
      return "request body over the size limit";
    case 415:
      return "Content-Type is not application/json";
    case 422:
      return keyed ? "a business rule refused the request; or IDEMPOTENCY_KEY_REUSED: this "
                     "Idempotency-Key was used for a different request"
                   : "a business rule refused the request";
    case 429:
      return "rate limit of the credential exceeded, or too many failed authentications from "
             "this address (Retry-After)";
    case 500:
      return "internal error";
    case 503:
      return "a backend is unavailable, or the gateway is overloaded";
    case 504:
      return "the request's deadline passed";
    default:
      return "error";
  }
}

json Parameter(const std::string& name, const std::string& in, bool required, json schema,
               const std::string& description) {
  json parameter = {{"name", name}, {"in", in}, {"required", required}, {"schema", schema}};
  if (!description.empty()) parameter["description"] = description;
  return parameter;
}

}  // namespace

std::vector<int> ErrorStatuses(const RouteSpec& route) {
  std::set<int> statuses(route.extra_errors.begin(), route.extra_errors.end());
  statuses.insert(500);
  if (route.access.authenticate) {
    statuses.insert({401, 429, 503});
    if (!route.access.scope.empty()) statuses.insert(403);
  }
  if (route.body != nullptr) statuses.insert({400, 413, 415});
  if (!route.query.empty()) statuses.insert(400);
  // The Idempotency-Key: malformed (400), its first request still running (409), used for
  // another request (422).
  if (route.idempotency_key != IdempotencyKey::kNone) statuses.insert({400, 409, 422});
  auto parsed = PathTemplate::Parse(route.path);
  if (parsed.ok() && !parsed->variables().empty()) statuses.insert({400, 404});
  if (route.not_found) statuses.insert(404);
  if (route.tag != "system") statuses.insert({503, 504});
  return {statuses.begin(), statuses.end()};
}

std::string BuildOpenApi(const std::vector<const RouteSpec*>& routes, const std::string& version) {
  SchemaBuilder schemas;
  json paths = json::object();
  for (const RouteSpec* route : routes) {
    json operation = {{"operationId", route->operation_id},
                      {"summary", route->summary},
                      {"tags", json::array({route->tag})}};
    json parameters = json::array();
    auto parsed = PathTemplate::Parse(route->path);
    if (parsed.ok()) {
      for (const std::string& name : parsed->variables()) {
        parameters.push_back(Parameter(name, "path", true, {{"type", "string"}}, ""));
      }
    }
    for (const QueryParamSpec& query : route->query) {
      json schema = query.type == ParamType::kInteger   ? json{{"type", "integer"}}
                    : query.type == ParamType::kBoolean ? json{{"type", "boolean"}}
                                                        : json{{"type", "string"}};
      parameters.push_back(
          Parameter(query.name, "query", query.required, schema, query.description));
    }
    if (route->idempotency_key != IdempotencyKey::kNone) {
      parameters.push_back(Parameter(
          "Idempotency-Key", "header", route->idempotency_key == IdempotencyKey::kRequired,
          {{"type", "string"}, {"maxLength", 128}},
          "the request id: the first answer is stored (for 24 h) and a retry with the same key "
          "and request gets it again, with Idempotent-Replayed: true, and has no second "
          "effect; the same key with another request: 422 IDEMPOTENCY_KEY_REUSED; while the "
          "first is still running: 409 IDEMPOTENCY_KEY_IN_USE. Answers that say the request "
          "did not run (400, 409, 429, 5xx) are not stored: a retry runs again"));
    }
    parameters.push_back(Parameter("X-Request-Id", "header", false,
                                   {{"type", "string"}, {"maxLength", 128}},
                                   "echoed, and passed to every service; generated when absent"));
    operation["parameters"] = parameters;
    if (route->body != nullptr) {
      operation["requestBody"] = {
          {"required", !route->body_optional},
          {"content",
           {{"application/json",
             {{"schema", schemas.MessageSchema(*route->body, route->body_excluded)}}}}}};
    }
    json success_schema = route->response != nullptr ? schemas.MessageSchemaRef(*route->response)
                          : route->response_schema.empty() ? json{{"type", "object"}}
                                                           : json::parse(route->response_schema);
    json success = {{"description", "success"},
                    {"content", {{route->response_content_type, {{"schema", success_schema}}}}}};
    json headers = json::object();
    if (route->idempotency_key != IdempotencyKey::kNone) {
      headers[kReplayedHeader] = {{"description",
                                   "true when this is the stored answer of an earlier request "
                                   "with the same Idempotency-Key"},
                                  {"schema", {{"type", "string"}, {"enum", {"true"}}}}};
    }
    if (route->secret_answer) {
      headers["Cache-Control"] = {
          {"description", "no-store: the answer holds a secret that nothing may keep"},
          {"schema", {{"type", "string"}, {"enum", {"no-store"}}}}};
    }
    if (!headers.empty()) success["headers"] = headers;
    json responses = {{std::to_string(route->success_status), success}};
    for (int status : route->other_successes) responses[std::to_string(status)] = success;
    for (int status : ErrorStatuses(*route)) {
      responses[std::to_string(status)] = {
          {"description", ErrorDescription(*route, status)},
          {"content",
           {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
    }
    operation["responses"] = responses;
    operation["security"] =
        route->access.authenticate ? json::array({{{"bearer", json::array()}}}) : json::array();
    if (!route->access.scope.empty()) {
      operation["x-oms-scope"] = route->access.scope;
    }
    paths[route->path][absl::AsciiStrToLower(route->method)] = operation;
  }

  json components_schemas = schemas.TakeSchemas();
  components_schemas["Error"] = {
      {"type", "object"},
      {"required", {"error"}},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", {"code", "status", "message", "reason", "requestId"}},
          {"properties",
           {{"code", {{"type", "integer"}, {"description", "the HTTP status"}}},
            {"status", {{"type", "string"}, {"description", "the gRPC code name"}}},
            {"message", {{"type", "string"}}},
            {"reason", {{"type", "string"}, {"description", "google.rpc.ErrorInfo reason"}}},
            {"requestId", {{"type", "string"}}}}}}}}}};
  json document = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "oms gateway"},
        {"version", version},
        {"description",
         "HTTP/JSON API of the order management system. Bodies are the proto3 JSON mapping. "
         "Unknown paths answer 404, unknown methods 405, both with the Error body."}}},
      {"paths", paths},
      {"components",
       {{"schemas", components_schemas},
        {"securitySchemes",
         {{"bearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description", "an API key or a JWT (RS256/ES256) from the configured issuer"}}}}}}}};
  return document.dump(2);
}

}  // namespace oms::gateway
