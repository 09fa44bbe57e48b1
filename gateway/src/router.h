// Path templates and the router that picks a route for a method and a path. Templates follow
// Google's HTTP rules: literal segments, `{name}` variables, and custom verbs written as a
// `:verb` suffix of the last segment ("/v1/stock:adjust", "/v1/orders/{id}:cancel"). A template
// may end in a slash ("/console/"): it matches only the path with that slash.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oms::gateway {

using PathParams = std::map<std::string, std::string>;
using QueryParams = std::map<std::string, std::string>;

class PathTemplate {
 public:
  // Fails on an empty segment, an unclosed brace, a repeated or malformed variable name.
  [[nodiscard]] static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // True when `path` (no query string) matches; variables are percent-decoded into `params`.
  bool Match(absl::string_view path, PathParams* params) const;

  const std::string& text() const { return text_; }
  std::vector<std::string> variables() const;
  // Orders templates so that the most literal one wins when several match: per segment, a
  // literal beats a variable with a verb suffix, which beats a bare variable.
  const std::vector<int>& specificity() const { return specificity_; }

 private:
  struct Segment {
    std::string literal;   // whole segment when variable is empty
    std::string variable;  // name, when the segment is a variable
    std::string suffix;    // ":verb" after a variable, or ""
  };
  std::string text_;
  std::vector<Segment> segments_;
  std::vector<int> specificity_;
};

// Decodes %XX escapes; nullopt on a malformed escape or a NUL, escaped or not. `plus_is_space`
// for query strings.
std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space);

// Splits "a=1&b=two" into decoded pairs. A repeated name or a malformed escape is an error
// (INVALID_ARGUMENT), so that a parameter never means two things.
[[nodiscard]] absl::StatusOr<QueryParams> ParseQuery(absl::string_view query);

class Router {
 public:
  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    std::size_t route = 0;      // index given to Add, when found
    std::string path_template;  // the matching template, unless kNotFound
    PathParams params;
    std::vector<std::string> allowed;  // methods of the path, when kMethodNotAllowed
  };

  // Registers a route under `index`. Fails on a malformed template or a duplicate
  // (method, template).
  [[nodiscard]] absl::Status Add(absl::string_view method, absl::string_view path_template,
                                 std::size_t index);

  Match Find(absl::string_view method, absl::string_view path) const;

 private:
  struct Entry {
    std::string method;
    PathTemplate path;
    std::size_t index;
  };
  std::vector<Entry> entries_;
};

}  // namespace oms::gateway
