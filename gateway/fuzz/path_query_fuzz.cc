// Request targets and the Last-Event-ID header, as clients send them: the router matches the
// path against templates of the API's shapes (literals, variables, custom verbs) and decodes
// its variables, the query string is split and decoded, and the header is checked. Malformed
// input is refused (INVALID_ARGUMENT, or no match), never anything else; a decoded value never
// holds a NUL; an accepted Last-Event-ID is 1 to 4096 printable characters without spaces. The
// console's file names (static_files.h): a name accepted, whatever the router's decoding made of
// the path first, is a plain file name of a served kind, and a refusal is a 400 or a 404.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/fuzz/fuzz_input.h"
#include "gateway/src/router.h"
#include "gateway/src/sse.h"
#include "gateway/src/static_files.h"

namespace {

using oms::gateway::Router;

const Router& ApiRouter() {
  static const Router* router = [] {
    auto* built = new Router;
    const char* templates[][2] = {{"GET", "/v1/orders"},
                                  {"POST", "/v1/orders"},
                                  {"GET", "/v1/orders/{id}"},
                                  {"POST", "/v1/orders/{id}:cancel"},
                                  {"GET", "/v1/orders/{id}/timeline"},
                                  {"GET", "/v1/orders/{id}:watch"},
                                  {"POST", "/v1/orders/{id}/returns"},
                                  {"POST", "/v1/returns/{id}:receive"},
                                  {"POST", "/v1/stock:adjust"},
                                  {"GET", "/v1/products/{sku}"},
                                  {"GET", "/v1/products/{sku}/availability"},
                                  {"GET", "/healthz"},
                                  {"GET", "/console/"},
                                  {"GET", "/console/{file}"}};
    std::size_t index = 0;
    for (const auto& [method, path] : templates) {
      if (!built->Add(method, path, index++).ok()) oms::fuzz::Fail();  // the fuzzer is broken
    }
    return built;
  }();
  return *router;
}

bool HoldsNul(const std::string& text) { return text.find('\0') != std::string::npos; }

// A console file name, accepted or refused as the route would answer it.
void CheckConsoleName(const std::string& name) {
  const absl::Status status = oms::gateway::CheckStaticFileName(name);
  if (!status.ok()) {
    if (status.code() != absl::StatusCode::kInvalidArgument &&
        status.code() != absl::StatusCode::kNotFound) {
      oms::fuzz::Fail();
    }
    return;
  }
  if (name.empty() || name[0] == '.' || name.find("..") != std::string::npos ||
      oms::gateway::StaticContentType(name).empty()) {
    oms::fuzz::Fail();
  }
  for (char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_';
    if (!plain) oms::fuzz::Fail();  // no separator, backslash, escape, NUL or control character
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = oms::fuzz::Text(data, size);
  const std::size_t mark = text.find('?');
  const std::string path = text.substr(0, mark);
  for (const char* method : {"GET", "POST"}) {
    const Router::Match match = ApiRouter().Find(method, path);
    for (const auto& [name, value] : match.params) {
      if (match.outcome != Router::Outcome::kFound || HoldsNul(value)) oms::fuzz::Fail();
    }
  }
  // The raw segment the console route checks, and the input itself as a name.
  if (path.rfind("/console/", 0) == 0) CheckConsoleName(path.substr(9));
  CheckConsoleName(text);
  if (mark != std::string::npos) {
    auto query = oms::gateway::ParseQuery(text.substr(mark + 1));
    if (!query.ok() && query.status().code() != absl::StatusCode::kInvalidArgument) {
      oms::fuzz::Fail();
    }
    if (query.ok()) {
      for (const auto& [name, value] : *query) {
        if (HoldsNul(name) || HoldsNul(value)) oms::fuzz::Fail();
      }
    }
  }
  for (bool plus_is_space : {false, true}) {
    auto decoded = oms::gateway::PercentDecode(text, plus_is_space);
    if (decoded && HoldsNul(*decoded)) oms::fuzz::Fail();
  }
  if (oms::gateway::ValidateLastEventId(text).ok()) {
    if (text.empty() || text.size() > 4096) oms::fuzz::Fail();
    for (char c : text) {
      if (c <= ' ' || c > '~') oms::fuzz::Fail();
    }
  }
  return 0;
}
