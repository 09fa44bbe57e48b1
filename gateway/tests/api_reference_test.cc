// docs/api.md, the reference integrators code against, agrees with what the gateway serves: the
// same routes (method and path), each with the scope and the query parameters the route table
// gives it, the same paths as the OpenAPI document, and the same enum values, so a drift of any
// of them fails the build.
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gateway/src/backends.h"
#include "gateway/src/enum_names.h"
#include "gateway/src/gateway.h"
#include "gateway/src/openapi.h"
#include "gateway/src/routes.h"

namespace oms::gateway {
namespace {

namespace pb = google::protobuf;

struct DocumentedRoute {
  std::string scope;  // "public", "authenticated" or a scope in backquotes
  std::set<std::string> query;
  bool operator==(const DocumentedRoute& other) const {
    return scope == other.scope && query == other.query;
  }
};
using RouteKey = std::string;  // "GET /v1/orders"

std::string Reference() {
  std::ifstream in(std::string(OMS_SOURCE_DIR) + "/docs/api.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Backquoted(const std::string& text) {
  std::vector<std::string> names;
  static const std::regex kQuoted("`([^`]+)`");
  for (std::sregex_iterator it(text.begin(), text.end(), kQuoted), end; it != end; ++it) {
    names.push_back((*it)[1]);
  }
  return names;
}

// The rows of the route table: "| `GET /v1/orders` | `orders:read` | `customerId`, ... | ... |".
std::map<RouteKey, DocumentedRoute> DocumentedRoutes(const std::string& reference) {
  std::map<RouteKey, DocumentedRoute> routes;
  static const std::regex kRow(
      R"(^\| `((?:GET|HEAD|POST|PUT|PATCH|DELETE) [^`]+)` \|([^|]*)\|([^|]*)\|)");
  std::istringstream lines(reference);
  for (std::string line; std::getline(lines, line);) {
    std::smatch row;
    if (!std::regex_search(line, row, kRow)) continue;
    const std::vector<std::string> query = Backquoted(row[3]);
    EXPECT_EQ(routes.count(row[1]), 0u) << "listed twice: " << row[1];
    routes[row[1]] = {std::string(absl::StripAsciiWhitespace(std::string(row[2]))),
                      {query.begin(), query.end()}};
  }
  return routes;
}

// The enum list: "- `OrderStatus` (`ORDER_STATUS_`): `PENDING`, `CONFIRMED`, ...".
std::map<std::string, std::vector<std::string>> DocumentedEnums(const std::string& reference) {
  std::map<std::string, std::vector<std::string>> enums;
  static const std::regex kLine(R"(^- `(\w+)` \(`(\w+)`\): (.*)$)");
  std::istringstream lines(reference);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (!std::regex_match(line, match, kLine)) continue;
    std::vector<std::string> values = {match[2]};  // the prefix first
    for (const std::string& value : Backquoted(match[3])) values.push_back(value);
    enums[match[1]] = values;
  }
  return enums;
}

// Every enum a body or an answer of the routes can carry, by name.
void CollectEnums(const pb::Descriptor& message, std::set<const pb::Descriptor*>& seen,
                  std::map<std::string, const pb::EnumDescriptor*>& enums) {
  if (absl::StartsWith(message.full_name(), "google.protobuf.") || !seen.insert(&message).second) {
    return;
  }
  for (int i = 0; i < message.field_count(); ++i) {
    const pb::FieldDescriptor& field = *message.field(i);
    if (field.enum_type() != nullptr) enums[field.enum_type()->name()] = field.enum_type();
    if (field.message_type() != nullptr) CollectEnums(*field.message_type(), seen, enums);
  }
}

class ApiReferenceTest : public ::testing::Test {
 protected:
  ApiReferenceTest()
      : backends_(BackendAddresses{}, nullptr),  // channels connect lazily: nothing is called
        gateway_({}, std::make_unique<Authenticator>("", nullptr), nullptr) {}

  void SetUp() override {
    ASSERT_TRUE(AddAllRoutes(gateway_, backends_, {}).ok());
    reference_ = Reference();
    ASSERT_FALSE(reference_.empty()) << "docs/api.md not found under " << OMS_SOURCE_DIR;
  }

  Backends backends_;
  Gateway gateway_;
  std::string reference_;
};

TEST_F(ApiReferenceTest, ListsEveryServedRouteWithItsScopeAndQueryParameters) {
  std::map<RouteKey, DocumentedRoute> served;
  for (const RouteSpec* route : gateway_.routes()) {
    DocumentedRoute expected;
    expected.scope = !route->access.authenticate   ? "public"
                     : route->access.scope.empty() ? "authenticated"
                                                   : "`" + route->access.scope + "`";
    for (const QueryParamSpec& query : route->query) expected.query.insert(query.name);
    served[route->method + " " + route->path] = expected;
  }
  const std::map<RouteKey, DocumentedRoute> documented = DocumentedRoutes(reference_);
  for (const auto& [key, route] : served) {
    auto it = documented.find(key);
    if (it == documented.end()) {
      ADD_FAILURE() << key << " is served but not in docs/api.md";
      continue;
    }
    EXPECT_EQ(it->second.scope, route.scope) << key;
    EXPECT_EQ(absl::StrJoin(it->second.query, ","), absl::StrJoin(route.query, ",")) << key;
  }
  for (const auto& [key, route] : documented) {
    EXPECT_EQ(served.count(key), 1u) << key << " is in docs/api.md but not served";
  }

  // And the OpenAPI document has the same operations.
  const auto openapi = nlohmann::json::parse(BuildOpenApi(gateway_.routes(), "v1"));
  std::set<RouteKey> operations;
  for (const auto& [path, methods] : openapi["paths"].items()) {
    for (const auto& [method, operation] : methods.items()) {
      operations.insert(absl::AsciiStrToUpper(method) + " " + path);
    }
  }
  std::set<RouteKey> listed;
  for (const auto& [key, route] : documented) listed.insert(key);
  EXPECT_EQ(operations, listed);
}

TEST_F(ApiReferenceTest, ListsEveryEnumOfTheBodiesWithItsValuesInOrder) {
  std::set<const pb::Descriptor*> seen;
  std::map<std::string, const pb::EnumDescriptor*> enums;
  for (const RouteSpec* route : gateway_.routes()) {
    if (route->body != nullptr) CollectEnums(*route->body, seen, enums);
    if (route->response != nullptr) CollectEnums(*route->response, seen, enums);
  }
  ASSERT_GE(enums.size(), 10u);
  const auto documented = DocumentedEnums(reference_);
  for (const auto& [name, type] : enums) {
    std::vector<std::string> expected = {EnumPrefix(*type)};
    for (int i = 0; i < type->value_count(); ++i) {
      if (type->value(i)->number() == 0) continue;  // UNSPECIFIED: never a value to send
      expected.push_back(type->value(i)->name().substr(expected[0].size()));
    }
    auto it = documented.find(name);
    if (it == documented.end()) {
      ADD_FAILURE() << "enum " << name << " is not in docs/api.md";
      continue;
    }
    EXPECT_EQ(absl::StrJoin(it->second, " "), absl::StrJoin(expected, " ")) << name;
  }
  for (const auto& [name, values] : documented) {
    EXPECT_EQ(enums.count(name), 1u) << "docs/api.md lists enum " << name << ", which no body has";
  }
}

}  // namespace
}  // namespace oms::gateway
