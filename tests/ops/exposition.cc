#include "tests/ops/exposition.h"

#include <cstring>
#include <regex>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace oms::ops {
namespace {

absl::Status Bad(const std::string& line, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(why, ": ", line));
}

// Reads `{k="v",...}` starting at `i` (on '{'); leaves `i` past the '}'.
absl::Status ReadLabels(const std::string& line, std::size_t& i, Labels& labels) {
  ++i;
  while (i < line.size() && line[i] != '}') {
    const std::size_t eq = line.find('=', i);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
      return Bad(line, "bad label");
    }
    const std::string key = line.substr(i, eq - i);
    std::string value;
    i = eq + 2;
    for (; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        ++i;
        value.push_back(line[i] == 'n' ? '\n' : line[i]);
      } else {
        value.push_back(line[i]);
      }
    }
    if (i >= line.size()) return Bad(line, "unclosed label value");
    labels[key] = value;
    ++i;  // the closing quote
    if (i < line.size() && line[i] == ',') ++i;
  }
  if (i >= line.size()) return Bad(line, "unclosed label set");
  ++i;
  return absl::OkStatus();
}

std::string Key(const Sample& sample) {
  std::string key = sample.name + "{";
  for (const auto& [name, value] : sample.labels) absl::StrAppend(&key, name, "=\"", value, "\",");
  return key + "}";
}

}  // namespace

absl::StatusOr<Exposition> ParseExposition(absl::string_view text) {
  Exposition exposition;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (words.size() >= 4 && words[1] == "TYPE") exposition.types[words[2]] = words[3];
      continue;
    }
    Sample sample;
    std::size_t i = line.find_first_of("{ ");
    if (i == std::string::npos) return Bad(line, "no value");
    sample.name = line.substr(0, i);
    if (line[i] == '{') {
      absl::Status read = ReadLabels(line, i, sample.labels);
      if (!read.ok()) return read;
    }
    std::vector<std::string> rest = absl::StrSplit(line.substr(i), ' ', absl::SkipEmpty());
    if (rest.empty()) return Bad(line, "no value");
    if (rest[0] == "+Inf" || rest[0] == "-Inf" || rest[0] == "NaN") {
      sample.value = rest[0] == "NaN" ? 0 : (rest[0][0] == '-' ? -1e308 : 1e308);
    } else if (!absl::SimpleAtod(rest[0], &sample.value)) {
      return Bad(line, "bad value");
    }
    exposition.samples.push_back(std::move(sample));
  }
  return exposition;
}

std::string FamilyOf(const Exposition& exposition, const std::string& sample_name) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    if (!absl::EndsWith(sample_name, suffix)) continue;
    const std::string base = sample_name.substr(0, sample_name.size() - std::strlen(suffix));
    auto type = exposition.types.find(base);
    if (type != exposition.types.end() &&
        (type->second == "histogram" || type->second == "summary")) {
      return base;
    }
  }
  return sample_name;
}

std::set<std::string> SampleNames(const Exposition& exposition) {
  std::set<std::string> names;
  for (const auto& sample : exposition.samples) names.insert(sample.name);
  return names;
}

double Total(const Exposition& exposition, const std::string& name, const Labels& match) {
  double total = 0;
  bool found = false;
  for (const auto& sample : exposition.samples) {
    if (sample.name != name) continue;
    bool matches = true;
    for (const auto& [key, value] : match) {
      auto it = sample.labels.find(key);
      if (it == sample.labels.end() || it->second != value) matches = false;
    }
    if (!matches) continue;
    total += sample.value;
    found = true;
  }
  return found ? total : -1;
}

std::set<std::string> SeriesKeys(const Exposition& exposition) {
  std::set<std::string> keys;
  for (const auto& sample : exposition.samples) keys.insert(Key(sample));
  return keys;
}

std::vector<std::string> UnboundedLabelProblems(const Exposition& exposition,
                                                const LabelLimits& limits) {
  // What an id, a request id, a key or a person looks like; none belongs in a label.
  static const std::regex kIdLike(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
      "|[0-9a-fA-F]{16,}|[0-9]{6,}|@");
  std::vector<std::string> problems;
  std::map<std::string, std::size_t> series;
  std::map<std::string, std::map<std::string, std::set<std::string>>> values;
  for (const auto& sample : exposition.samples) {
    const std::string family = FamilyOf(exposition, sample.name);
    if (sample.name == family) ++series[family];  // a histogram's series, counted by _count
    if (absl::EndsWith(sample.name, "_count") && sample.name != family) ++series[family];
    for (const auto& [key, value] : sample.labels) {
      values[family][key].insert(value);
      if (std::regex_search(value, kIdLike)) {
        problems.push_back(
            absl::StrCat(family, ": label ", key, "=\"", value, "\" looks like an id"));
      }
    }
  }
  for (const auto& [family, count] : series) {
    if (count > limits.max_series_per_family) {
      problems.push_back(
          absl::StrCat(family, ": ", count, " series, more than ", limits.max_series_per_family));
    }
  }
  for (const auto& [family, labels] : values) {
    for (const auto& [key, distinct] : labels) {
      if (distinct.size() > limits.max_values_per_label) {
        problems.push_back(absl::StrCat(family, ": label ", key, " has ", distinct.size(),
                                        " values, more than ", limits.max_values_per_label));
      }
    }
  }
  return problems;
}

}  // namespace oms::ops
