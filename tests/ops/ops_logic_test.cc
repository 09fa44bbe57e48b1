// The readers the metrics review relies on: PromQL names, the rules file, the exposition format,
// the label checks and the dashboard walk.
#include <gtest/gtest.h>

#include "tests/ops/dashboard_queries.h"
#include "tests/ops/exposition.h"
#include "tests/ops/promql_names.h"
#include "tests/ops/rules_file.h"

namespace oms::ops {
namespace {

using Names = std::set<std::string>;

TEST(PromqlNamesTest, KeepsMetricsAndSkipsFunctionsKeywordsAndLabels) {
  EXPECT_EQ(
      MetricNamesIn(
          R"x(sum by (job, grpc_code) (rate(grpc_server_handled_total{grpc_code!="OK", job=~"order.*"}[5m])))x"),
      Names({"grpc_server_handled_total"}));
  EXPECT_EQ(MetricNamesIn("histogram_quantile(0.99, sum without (instance) "
                          "(rate(oms_db_pool_wait_seconds_bucket[$__rate_interval])))"),
            Names({"oms_db_pool_wait_seconds_bucket"}));
  EXPECT_EQ(MetricNamesIn("sum(rate(a_total[5m])) by (le) / ignoring(code) group_left(phase) "
                          "b_total offset 1h > bool 0.5 and on(job) c unless d or vector(1)"),
            Names({"a_total", "b_total", "c", "d"}));
  EXPECT_EQ(MetricNamesIn("max(x) BY (job) > Inf"), Names({"x"}));
}

TEST(PromqlNamesTest, KeepsRecordingRuleNamesAndSkipsStringsNumbersAndVariables) {
  EXPECT_EQ(MetricNamesIn(R"x(job:errors:ratio5m{job="$job"} > 0.05 * 1e3 - 0x1f)x"),
            Names({"job:errors:ratio5m"}));
  EXPECT_EQ(MetricNamesIn(R"x(label_replace(up, "dst", "$1", "src", "(.*)") * ${factor})x"),
            Names({"up"}));
  EXPECT_EQ(MetricNamesIn("count_values(\"version\", oms_build_info) # a comment naming foo\n"),
            Names({"oms_build_info"}));
  EXPECT_EQ(MetricNamesIn("rate(x[5m:30s])"), Names({"x"}));
  EXPECT_TRUE(MetricNamesIn("time() - 3600").empty());
}

TEST(PromqlNamesTest, ReadsGrafanaLabelValuesQueries) {
  EXPECT_EQ(MetricNamesIn("label_values(oms_build_info{service=~\".+\"}, job)"),
            Names({"oms_build_info"}));
  EXPECT_TRUE(MetricNamesIn("label_values(namespace)").empty());
}

TEST(RulesFileTest, ReadsEveryExpressionFormAndTheRecordedNames) {
  auto rules = ReadRuleExpressions(R"x(groups:
  - name: g
    rules:
      - record: job:a:rate5m
        expr: sum by (job) (rate(a_total[5m]))
      - alert: A
        expr: |
          job:a:rate5m
            > 1
        for: 5m
        labels:
          severity: warning
      - alert: B
        expr: 'b{x="y"} > 0'
      - alert: C
        expr: >-
          c
          > 0
      - expr: d
          > 0  # plain, over two lines
        alert: D
)x");
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->expressions.size(), 5u);
  EXPECT_EQ(rules->expressions[0], "sum by (job) (rate(a_total[5m]))\n");
  EXPECT_EQ(rules->expressions[1], "job:a:rate5m\n  > 1\n");
  EXPECT_EQ(rules->expressions[2], "b{x=\"y\"} > 0");
  EXPECT_EQ(MetricNamesIn(rules->expressions[4]), Names({"d"}));
  EXPECT_EQ(rules->recorded, Names({"job:a:rate5m"}));
}

TEST(RulesFileTest, RefusesWhatItCannotRead) {
  EXPECT_FALSE(ReadRuleExpressions("      - alert: A\n        expr:\n        for: 5m\n").ok());
  EXPECT_FALSE(ReadRuleExpressions("      - alert: A\n        expr: 'a > 0\n").ok());
  EXPECT_FALSE(ReadRuleExpressions("\t- alert: A\n").ok());
}

constexpr char kExposition[] = R"x(# HELP rpc_seconds Latency.
# TYPE rpc_seconds histogram
rpc_seconds_bucket{method="Get",le="0.1"} 1
rpc_seconds_bucket{method="Get",le="+Inf"} 2
rpc_seconds_sum{method="Get"} 0.3
rpc_seconds_count{method="Get"} 2
# TYPE calls_total counter
calls_total{outcome="ok"} 3
calls_total{outcome="bad \"one\""} 1
# TYPE up_seconds gauge
up_seconds 12.5
)x";

TEST(ExpositionTest, ReadsSamplesFamiliesAndTotals) {
  auto exposition = ParseExposition(kExposition);
  ASSERT_TRUE(exposition.ok()) << exposition.status();
  EXPECT_EQ(exposition->samples.size(), 7u);
  EXPECT_EQ(SampleNames(*exposition), Names({"rpc_seconds_bucket", "rpc_seconds_sum",
                                             "rpc_seconds_count", "calls_total", "up_seconds"}));
  EXPECT_EQ(FamilyOf(*exposition, "rpc_seconds_count"), "rpc_seconds");
  EXPECT_EQ(FamilyOf(*exposition, "calls_total"), "calls_total");
  EXPECT_EQ(Total(*exposition, "calls_total"), 4);
  EXPECT_EQ(Total(*exposition, "calls_total", {{"outcome", "bad \"one\""}}), 1);
  EXPECT_EQ(Total(*exposition, "calls_total", {{"outcome", "none"}}), -1);
  EXPECT_EQ(Total(*exposition, "up_seconds"), 12.5);
  EXPECT_EQ(SeriesKeys(*exposition).count("rpc_seconds_sum{method=\"Get\",}"), 1u);
  EXPECT_FALSE(ParseExposition("broken{a=\"1\" 2\n").ok());
}

TEST(ExpositionTest, FindsLabelsThatCouldGrowWithoutBound) {
  auto bounded = ParseExposition(kExposition);
  ASSERT_TRUE(bounded.ok());
  EXPECT_TRUE(UnboundedLabelProblems(*bounded, {10, 10}).empty());
  EXPECT_EQ(UnboundedLabelProblems(*bounded, {1, 10}).size(), 1u);  // calls_total: 2 series
  EXPECT_EQ(UnboundedLabelProblems(*bounded, {10, 1}).size(), 2u);  // le and outcome: 2 values

  for (const char* id : {"0b7e4a52-5f0c-4f7b-9a55-3c1f1e2d3a4b", "9f86d081884c7d659a2feaa0c55ad015",
                         "order-1234567", "erika@example.com"}) {
    auto with_id = ParseExposition(std::string("x_total{order=\"") + id + "\"} 1\n");
    ASSERT_TRUE(with_id.ok());
    EXPECT_EQ(UnboundedLabelProblems(*with_id, {10, 10}).size(), 1u) << id;
  }
}

TEST(DashboardQueriesTest, FindsTargetsInNestedPanelsAndQueryVariables) {
  auto dashboard = nlohmann::json::parse(R"x({
    "panels": [
      {"type": "row", "panels": [{"targets": [{"expr": "a"}, {"expr": "b"}]}]},
      {"targets": [{"expr": "c", "refId": "A"}]}
    ],
    "templating": {"list": [
      {"type": "datasource", "query": "prometheus"},
      {"type": "query", "query": {"query": "label_values(d, job)", "refId": "V"}},
      {"type": "query", "query": "label_values(e, job)"}
    ]}
  })x");
  EXPECT_EQ(
      DashboardQueries(dashboard),
      (std::vector<std::string>{"a", "b", "c", "label_values(d, job)", "label_values(e, job)"}));
}

}  // namespace
}  // namespace oms::ops
