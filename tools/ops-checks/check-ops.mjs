// Offline checks of ops/: the PrometheusRule in k8s/components/monitoring equals the plain rules
// file; every alert has a severity, a summary, a description and a runbook_url that resolves to a
// heading of a runbook in the repository; every alert is unit-tested firing and quiet; the
// dashboards are importable and their PromQL parses.
//
//   node tools/ops-checks/check-ops.mjs <repo>                 the checks
//   node tools/ops-checks/check-ops.mjs --self-test <repo>     each check must catch a broken copy
//   node tools/ops-checks/check-ops.mjs --write-prometheusrule <repo>
//                                      regenerates the PrometheusRule from ops/prometheus/rules.yml
//
// Which metrics the rules and dashboards read is checked against live processes by
// tests/ops/metrics_e2e_test.cc.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import yaml from "js-yaml";
import { checkDashboard, panelExpressions, promqlErrors } from "./ops/dashboards.mjs";
import {
  alertsOf,
  checkAlerts,
  checkPrometheusRule,
  checkRuleTests,
  checkRunbookSections,
} from "./ops/rules.mjs";

const PROMETHEUS_RULE = "k8s/components/monitoring/prometheusrule.yaml";

function load(repo) {
  const read = (path) => readFileSync(join(repo, path), "utf8");
  const runbookDir = join(repo, "ops/runbooks");
  const runbooks = Object.fromEntries(
    readdirSync(runbookDir)
      .filter((file) => file.endsWith(".md"))
      .map((file) => [`ops/runbooks/${file}`, readFileSync(join(runbookDir, file), "utf8")]),
  );
  const grafanaDir = join(repo, "ops/grafana");
  const dashboards = Object.fromEntries(
    readdirSync(grafanaDir)
      .filter((file) => file.endsWith(".json"))
      .map((file) => [file, JSON.parse(readFileSync(join(grafanaDir, file), "utf8"))]),
  );
  return {
    plain: yaml.load(read("ops/prometheus/rules.yml")),
    ruleTests: yaml.load(read("ops/prometheus/rules_test.yml")),
    resource: yaml.load(read(PROMETHEUS_RULE)),
    runbooks,
    dashboards,
    readRepoFile: (path) => {
      if (path in runbooks) return runbooks[path];
      const full = join(repo, path);
      return existsSync(full) ? readFileSync(full, "utf8") : null;
    },
  };
}

// Every check, each with what it looked at: [{name, errors}].
function checkAll(files) {
  const results = [
    { name: "PrometheusRule equals rules.yml", errors: checkPrometheusRule(files.plain, files.resource) },
    { name: "alerts: severity, annotations, runbooks", errors: checkAlerts(files.plain, files.readRepoFile) },
    { name: "alerts: unit tests firing and quiet", errors: checkRuleTests(files.plain, files.ruleTests) },
    { name: "runbook sections name alerts", errors: checkRunbookSections(files.plain, files.runbooks) },
  ];
  const expressions = [];
  for (const [file, dashboard] of Object.entries(files.dashboards)) {
    results.push({ name: `dashboard ${file}`, errors: checkDashboard(file, dashboard) });
    expressions.push(...panelExpressions(file, dashboard));
  }
  if (Object.keys(files.dashboards).length === 0) {
    results.push({ name: "dashboards", errors: ["ops/grafana has no dashboards"] });
  }
  results.push({ name: "dashboard queries parse", errors: promqlErrors(expressions) });
  return results;
}

// Broken copies of the real files, each with the check that must catch it.
function brokenCopies(files) {
  const copy = (edit) => {
    const cloned = structuredClone({
      plain: files.plain,
      ruleTests: files.ruleTests,
      resource: files.resource,
      dashboards: files.dashboards,
    });
    const broken = { ...files, ...cloned };
    edit(broken);
    return broken;
  };
  // An alert edited alike in rules.yml and the PrometheusRule, which therefore still agree.
  const editAlert = (edit) =>
    copy((broken) => {
      for (const rules of [broken.plain, broken.resource.spec]) edit(alertsOf(rules)[0]);
    });
  const firstDashboard = (broken) => Object.values(broken.dashboards)[0];
  const firstTarget = (broken) =>
    firstDashboard(broken).panels.find((panel) => panel.targets).targets[0];
  const withoutTests = (firing) =>
    copy((broken) => {
      const name = alertsOf(broken.plain)[0].alert;
      for (const test of broken.ruleTests.tests) {
        test.alert_rule_test = (test.alert_rule_test ?? []).filter(
          (expected) => expected.alertname !== name || ((expected.exp_alerts ?? []).length > 0) !== firing,
        );
      }
    });
  const rules = "PrometheusRule equals rules.yml";
  const alerts = "alerts: severity, annotations, runbooks";
  const tests = "alerts: unit tests firing and quiet";
  const queries = "dashboard queries parse";
  return [
    ["a PrometheusRule expression edited", rules,
      copy((b) => { b.resource.spec.groups[0].rules[0].expr += " > 0"; })],
    ["a PrometheusRule without a group", rules, copy((b) => { b.resource.spec.groups.pop(); })],
    ["an alert without severity", alerts, editAlert((alert) => { delete alert.labels.severity; })],
    ["an alert with an unknown severity", alerts, editAlert((alert) => { alert.labels.severity = "page"; })],
    ["an alert without description", alerts, editAlert((alert) => { delete alert.annotations.description; })],
    ["a runbook anchor with no heading", alerts, editAlert((alert) => { alert.annotations.runbook_url += "-gone"; })],
    ["a runbook file that does not exist", alerts, editAlert((alert) => {
      alert.annotations.runbook_url = alert.annotations.runbook_url.replace(/[^/]+\.md#/, "missing.md#");
    })],
    ["an alert no test shows quiet", tests, withoutTests(false)],
    ["an alert no test shows firing", tests, withoutTests(true)],
    ["a runbook section for no alert", "runbook sections name alerts", copy((b) => {
      b.runbooks = { ...b.runbooks, "ops/runbooks/extra.md": "# Extra\n\n## OmsNoSuchAlert\n" };
    })],
    ["a dashboard query that does not parse", queries, copy((b) => { firstTarget(b).expr = "sum(rate(up[5m])"; })],
    ["a dashboard panel id used twice", null, copy((b) => {
      const panels = firstDashboard(b).panels;
      panels.push(structuredClone(panels[panels.length - 1]));
    })],
    ["a panel on another datasource", null, copy((b) => {
      const panel = firstDashboard(b).panels.find((p) => p.type !== "row");
      panel.datasource = { type: "prometheus", uid: "prod-prometheus" };
    })],
  ];
}

function main() {
  const args = process.argv.slice(2);
  const flags = new Set(args.filter((arg) => arg.startsWith("--")));
  const repo = resolve(args.find((arg) => !arg.startsWith("--")) ?? ".");
  const files = load(repo);
  let passed = 0;
  let failed = 0;

  if (flags.has("--write-prometheusrule")) {
    const header = [
      "# The alert and recording rules of oms for the Prometheus operator: spec.groups is",
      "# ops/prometheus/rules.yml's groups, generated by",
      "#   node tools/ops-checks/check-ops.mjs --write-prometheusrule .",
      "# and checked equal by ./oms test. Edit rules.yml, never this file.",
      "",
    ].join("\n");
    const resource = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "oms", labels: { "app.kubernetes.io/part-of": "oms" } },
      spec: { groups: files.plain.groups },
    };
    writeFileSync(join(repo, PROMETHEUS_RULE), header + yaml.dump(resource, { lineWidth: -1, noRefs: true }));
    console.log(`wrote ${PROMETHEUS_RULE}`);
    return;
  }

  if (flags.has("--self-test")) {
    // The real files pass, and each broken copy fails: the checks cannot pass everything.
    const clean = checkAll(files).flatMap((result) => result.errors);
    if (clean.length > 0) {
      console.error(`FAIL the real files do not pass, so the self-test means nothing:\n  ${clean.join("\n  ")}`);
      failed++;
    }
    // `check` names the check that must notice (null: the first dashboard's own check).
    const firstDashboardCheck = `dashboard ${Object.keys(files.dashboards)[0]}`;
    for (const [what, check, broken] of brokenCopies(files)) {
      const errors = checkAll(broken)
        .filter((result) => result.name === (check ?? firstDashboardCheck))
        .flatMap((result) => result.errors);
      if (errors.length > 0) {
        passed++;
        console.log(`ok   ${what}: ${errors[0]}`);
      } else {
        failed++;
        console.error(`FAIL ${what}: no check noticed`);
      }
    }
  } else {
    for (const result of checkAll(files)) {
      if (result.errors.length === 0) {
        passed++;
        console.log(`ok   ${result.name}`);
      } else {
        failed++;
        console.error(`FAIL ${result.name}:\n  ${result.errors.join("\n  ")}`);
      }
    }
  }
  if (passed + failed === 0) failed++;
  console.log(`ops checks: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main();
