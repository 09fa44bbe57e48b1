#include "tests/ops/rules_file.h"

#include <algorithm>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace oms::ops {
namespace {

std::size_t IndentOf(const std::string& line) {
  std::size_t indent = 0;
  while (indent < line.size() && line[indent] == ' ') ++indent;
  return indent;
}

bool Blank(const std::string& line) {
  return line.find_first_not_of(" \t\r\n") == std::string::npos;
}

// A one-line scalar: plain, 'single' or "double" quoted; a trailing comment dropped.
absl::StatusOr<std::string> Scalar(absl::string_view value) {
  if (value.empty()) return std::string();
  if (value.front() == '\'' || value.front() == '"') {
    const char quote = value.front();
    std::string out;
    std::size_t i = 1;
    for (; i < value.size(); ++i) {
      const char c = value[i];
      if (quote == '\'' && c == '\'' && i + 1 < value.size() && value[i + 1] == '\'') {
        out.push_back('\'');
        ++i;
      } else if (quote == '"' && c == '\\' && i + 1 < value.size()) {
        const char escaped = value[++i];
        out.push_back(escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped);
      } else if (c == quote) {
        break;
      } else {
        out.push_back(c);
      }
    }
    if (i >= value.size())
      return absl::InvalidArgumentError(absl::StrCat("unclosed quote: ", value));
    return out;
  }
  std::string plain(value);
  const std::size_t comment = plain.find(" #");
  if (comment != std::string::npos) plain.erase(comment);
  return std::string(absl::StripAsciiWhitespace(plain));
}

}  // namespace

absl::StatusOr<RuleExpressions> ReadRuleExpressions(absl::string_view yaml) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(yaml)};
  for (std::string line; std::getline(in, line);) {
    if (line.find('\t') != std::string::npos && !Blank(line)) {
      return absl::InvalidArgumentError(absl::StrCat("tab in rules file: ", line));
    }
    lines.push_back(line);
  }
  RuleExpressions result;
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    std::size_t key_at = IndentOf(line);
    absl::string_view rest(line);
    rest.remove_prefix(key_at);
    if (absl::ConsumePrefix(&rest, "- ")) key_at += 2;
    const bool record = absl::ConsumePrefix(&rest, "record:");
    const bool expr = !record && absl::ConsumePrefix(&rest, "expr:");
    if (!record && !expr) continue;
    const absl::string_view value = absl::StripAsciiWhitespace(rest);
    // What follows on deeper-indented lines belongs to this value: a block scalar's body or a
    // plain scalar's continuation.
    // A block keeps its lines' indentation beyond that of its first line.
    std::string body;
    std::size_t last = n;
    std::size_t body_indent = std::string::npos;
    for (std::size_t m = n + 1; m < lines.size(); ++m) {
      if (!Blank(lines[m]) && IndentOf(lines[m]) <= key_at) break;
      if (body_indent == std::string::npos && !Blank(lines[m])) body_indent = IndentOf(lines[m]);
      const std::size_t cut = std::min(IndentOf(lines[m]), body_indent);
      absl::StrAppend(&body, lines[m].substr(cut == std::string::npos ? 0 : cut), "\n");
      last = m;
    }
    std::string text;
    if (!value.empty() && (value.front() == '|' || value.front() == '>')) {
      text = body;
    } else {
      auto scalar = Scalar(value);
      if (!scalar.ok()) return scalar.status();
      text = *scalar;
      if (!value.empty() && (value.front() == '\'' || value.front() == '"')) {
        if (!Blank(body)) {
          return absl::InvalidArgumentError(absl::StrCat("quoted value over lines: ", line));
        }
      } else {
        absl::StrAppend(&text, "\n", body);
      }
    }
    n = last;
    if (Blank(text)) return absl::InvalidArgumentError(absl::StrCat("empty value: ", line));
    if (record) {
      result.recorded.insert(std::string(absl::StripAsciiWhitespace(text)));
    } else {
      result.expressions.push_back(text);
    }
  }
  return result;
}

}  // namespace oms::ops
