#include "gateway/src/router.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace oms::gateway {
namespace {

bool IsVariableName(absl::string_view name) {
  if (name.empty() || !absl::ascii_isalpha(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;  // escaped or not: no value may hold one
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  if (text.empty() || text[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("template must start with '/': ", text));
  }
  PathTemplate result;
  result.text_ = std::string(text);
  std::set<std::string> names;
  std::vector<absl::string_view> parts = absl::StrSplit(text.substr(1), '/');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    absl::string_view part = parts[i];
    // A trailing slash ("/console/") is a literal empty last segment: a directory's own page.
    const bool trailing_slash = i + 1 == parts.size() && i > 0;
    if (part.empty() && !trailing_slash) {
      return absl::InvalidArgumentError(absl::StrCat("empty segment in ", text));
    }
    Segment segment;
    if (!part.empty() && part[0] == '{') {
      const std::size_t close = part.find('}');
      if (close == absl::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("unclosed variable in ", text));
      }
      segment.variable = std::string(part.substr(1, close - 1));
      segment.suffix = std::string(part.substr(close + 1));
      if (!IsVariableName(segment.variable) || !names.insert(segment.variable).second) {
        return absl::InvalidArgumentError(absl::StrCat("bad variable in ", text));
      }
      if (!segment.suffix.empty() && (segment.suffix[0] != ':' || segment.suffix.size() < 2)) {
        return absl::InvalidArgumentError(absl::StrCat("bad verb suffix in ", text));
      }
      result.specificity_.push_back(segment.suffix.empty() ? 0 : 1);
    } else {
      if (part.find_first_of("{}") != absl::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("brace inside a literal in ", text));
      }
      segment.literal = std::string(part);
      result.specificity_.push_back(2);
    }
    result.segments_.push_back(std::move(segment));
  }
  return result;
}

bool PathTemplate::Match(absl::string_view path, PathParams* params) const {
  if (path.empty() || path[0] != '/') return false;
  std::vector<absl::string_view> parts = absl::StrSplit(path.substr(1), '/');
  if (parts.size() != segments_.size()) return false;
  PathParams found;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Segment& segment = segments_[i];
    absl::string_view part = parts[i];
    if (segment.variable.empty()) {
      if (part != segment.literal) return false;
      continue;
    }
    if (!segment.suffix.empty()) {
      if (part.size() <= segment.suffix.size() ||
          part.substr(part.size() - segment.suffix.size()) != segment.suffix) {
        return false;
      }
      part.remove_suffix(segment.suffix.size());
    }
    if (part.empty()) return false;
    std::optional<std::string> decoded = PercentDecode(part, /*plus_is_space=*/false);
    if (!decoded) return false;
    found[segment.variable] = std::move(*decoded);
  }
  if (params != nullptr) *params = std::move(found);
  return true;
}

std::vector<std::string> PathTemplate::variables() const {
  std::vector<std::string> names;
  for (const auto& segment : segments_) {
    if (!segment.variable.empty()) names.push_back(segment.variable);
  }
  return names;
}

absl::StatusOr<QueryParams> ParseQuery(absl::string_view query) {
  QueryParams params;
  if (query.empty()) return params;
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    if (pair.empty()) continue;
    const std::size_t equals = pair.find('=');
    absl::string_view raw_name = pair.substr(0, equals);
    absl::string_view raw_value =
        equals == absl::string_view::npos ? absl::string_view() : pair.substr(equals + 1);
    std::optional<std::string> name = PercentDecode(raw_name, true);
    std::optional<std::string> value = PercentDecode(raw_value, true);
    if (!name || !value || name->empty()) {
      return absl::InvalidArgumentError("malformed query string");
    }
    if (!params.emplace(*name, *value).second) {
      return absl::InvalidArgumentError(absl::StrCat("query parameter ", *name, " is repeated"));
    }
  }
  return params;
}

absl::Status Router::Add(absl::string_view method, absl::string_view path_template,
                         std::size_t index) {
  auto parsed = PathTemplate::Parse(path_template);
  if (!parsed.ok()) return parsed.status();
  for (const auto& entry : entries_) {
    if (entry.method == method && entry.path.text() == path_template) {
      return absl::AlreadyExistsError(absl::StrCat("duplicate route ", method, " ", path_template));
    }
  }
  entries_.push_back({std::string(method), std::move(*parsed), index});
  return absl::OkStatus();
}

Router::Match Router::Find(absl::string_view method, absl::string_view path) const {
  Match best;
  const Entry* best_entry = nullptr;
  const std::vector<int>* best_for_path = nullptr;
  std::set<std::string> allowed;
  for (const auto& entry : entries_) {
    PathParams params;
    if (!entry.path.Match(path, &params)) continue;
    // Another template with a more literal shape may claim the same path for its own methods;
    // only the most specific matching shape decides which methods the path has.
    if (best_for_path == nullptr || entry.path.specificity() > *best_for_path) {
      best_for_path = &entry.path.specificity();
      best.path_template = entry.path.text();
      allowed.clear();
      best_entry = nullptr;
    } else if (entry.path.specificity() < *best_for_path) {
      continue;
    }
    allowed.insert(entry.method);
    if (entry.method == method) {
      best_entry = &entry;
      best.params = std::move(params);
    }
  }
  if (best_entry != nullptr) {
    best.outcome = Outcome::kFound;
    best.route = best_entry->index;
    return best;
  }
  best.params.clear();
  if (!allowed.empty()) {
    best.outcome = Outcome::kMethodNotAllowed;
    best.allowed.assign(allowed.begin(), allowed.end());
  }
  return best;
}

}  // namespace oms::gateway
