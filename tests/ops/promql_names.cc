#include "tests/ops/promql_names.h"

#include <cctype>
#include <vector>

namespace oms::ops {
namespace {

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

std::string Lower(absl::string_view word) {
  std::string lower(word);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// Words followed by a parenthesised list of label names.
bool TakesLabelList(const std::string& word) {
  static const std::set<std::string> kWords = {"by",       "without",    "on",
                                               "ignoring", "group_left", "group_right"};
  return kWords.count(word) > 0;
}

// Words that are never metric names even when no parenthesis follows them.
bool IsKeyword(const std::string& word) {
  static const std::set<std::string> kWords = {
      // binary operators and modifiers
      "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
      // aggregations, which may be followed by `by (...)` before their parenthesis
      "sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk",
      "quantile", "count_values", "limitk", "limit_ratio"};
  return kWords.count(word) > 0;
}

// Index just past the quoted string that starts at `i`.
std::size_t SkipString(absl::string_view text, std::size_t i) {
  const char quote = text[i++];
  while (i < text.size() && text[i] != quote) {
    if (text[i] == '\\' && quote != '`') ++i;
    ++i;
  }
  return i + 1;
}

// Index just past the bracket that closes the one at `i`, stepping over strings inside.
std::size_t SkipGroup(absl::string_view text, std::size_t i) {
  const char open = text[i];
  const char close = open == '(' ? ')' : open == '{' ? '}' : ']';
  int depth = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = SkipString(text, i);
      continue;
    }
    if (c == open) ++depth;
    if (c == close && --depth == 0) return i + 1;
    ++i;
  }
  return i;
}

std::size_t SkipSpace(absl::string_view text, std::size_t i) {
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

// The top-level, comma-separated arguments of the call whose '(' is at `open`.
std::vector<absl::string_view> Arguments(absl::string_view text, std::size_t open) {
  const std::size_t end = SkipGroup(text, open);
  std::vector<absl::string_view> arguments;
  std::size_t start = open + 1;
  for (std::size_t i = start; i + 1 < end;) {
    const char c = text[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = SkipString(text, i);
    } else if (c == '(' || c == '{' || c == '[') {
      i = SkipGroup(text, i);
    } else if (c == ',') {
      arguments.push_back(text.substr(start, i - start));
      start = ++i;
    } else {
      ++i;
    }
  }
  arguments.push_back(text.substr(start, end - 1 - start));
  return arguments;
}

void Collect(absl::string_view text, std::set<std::string>& names) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '#') {  // a comment runs to the end of its line
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '"' || c == '\'' || c == '`') {
      i = SkipString(text, i);
    } else if (c == '{' || c == '[') {  // label matchers; ranges, subqueries
      i = SkipGroup(text, i);
    } else if (c == '$') {  // a Grafana variable: $name or ${name}
      ++i;
      if (i < text.size() && text[i] == '{') {
        i = SkipGroup(text, i);
      } else {
        while (i < text.size() && IsNameChar(text[i])) ++i;
      }
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < text.size() &&
                std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      // A number or a duration (5m, 1h30m, 1e3, 0x1f).
      while (i < text.size() && (IsNameChar(text[i]) || text[i] == '.')) ++i;
    } else if (IsNameStart(c)) {
      const std::size_t start = i;
      while (i < text.size() && IsNameChar(text[i])) ++i;
      const std::string word(text.substr(start, i - start));
      const std::string lower = Lower(word);
      const std::size_t next = SkipSpace(text, i);
      const bool call = next < text.size() && text[next] == '(';
      if (TakesLabelList(lower)) {
        if (call) i = SkipGroup(text, next);
      } else if (call && lower == "label_values") {
        // Grafana: label_values(label) or label_values(metric_selector, label).
        auto arguments = Arguments(text, next);
        if (arguments.size() == 2) Collect(arguments[0], names);
        i = SkipGroup(text, next);
      } else if (!call && !IsKeyword(lower)) {
        names.insert(word);
      }
    } else {
      ++i;
    }
  }
}

}  // namespace

std::set<std::string> MetricNamesIn(absl::string_view expr) {
  std::set<std::string> names;
  Collect(expr, names);
  return names;
}

}  // namespace oms::ops
