// The Prometheus text format as the processes serve it, read into samples, and the checks a
// metrics review makes on them: which families are there, what a series counts, and whether any
// label could grow without bound.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oms::ops {

using Labels = std::map<std::string, std::string>;

struct Sample {
  std::string name;  // as exposed: a histogram's name_bucket, name_sum, name_count
  Labels labels;
  double value = 0;
};

struct Exposition {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // family name -> counter, gauge, histogram, ...
};

[[nodiscard]] absl::StatusOr<Exposition> ParseExposition(absl::string_view text);

// The family a sample belongs to: name_bucket/_sum/_count of a histogram or summary -> name.
std::string FamilyOf(const Exposition& exposition, const std::string& sample_name);

// Every sample name exposed (histograms as name_bucket, name_sum and name_count).
std::set<std::string> SampleNames(const Exposition& exposition);

// The sum of the samples named `name` whose labels include `match`; -1 when none matches.
double Total(const Exposition& exposition, const std::string& name, const Labels& match = {});

// One string per series (name and sorted labels), to compare two scrapes' series.
std::set<std::string> SeriesKeys(const Exposition& exposition);

struct LabelLimits {
  std::size_t max_series_per_family;
  std::size_t max_values_per_label;  // distinct values of one label name within a family
};

// Why labels might grow without bound: values that look like ids (UUIDs, long hex or digit
// runs, e-mail addresses), families with too many series, labels with too many values.
// Empty when every label is bounded.
std::vector<std::string> UnboundedLabelProblems(const Exposition& exposition,
                                                const LabelLimits& limits);

}  // namespace oms::ops
