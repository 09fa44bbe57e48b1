// Checks of ops/grafana/*.json: each dashboard is importable as it is (uid, title, a Prometheus
// datasource variable every panel uses, unique panel ids, targets with refIds), and every PromQL
// query parses, which promtool decides.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";

export function panelsOf(dashboard) {
  const panels = [];
  const walk = (list) => {
    for (const panel of list ?? []) {
      panels.push(panel);
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  return panels;
}

export function checkDashboard(file, dashboard) {
  const errors = [];
  const fail = (what) => errors.push(`${file}: ${what}`);
  if (typeof dashboard.uid !== "string" || !/^[a-z0-9-]{1,40}$/.test(dashboard.uid)) {
    fail("uid must be 1 to 40 of [a-z0-9-]");
  }
  if (typeof dashboard.title !== "string" || dashboard.title === "") fail("no title");
  if (typeof dashboard.schemaVersion !== "number") fail("no schemaVersion");
  const variables = dashboard.templating?.list ?? [];
  const datasource = variables.find((variable) => variable.name === "datasource");
  if (datasource?.type !== "datasource" || datasource?.query !== "prometheus") {
    fail("needs a `datasource` variable of type datasource for prometheus");
  }
  for (const variable of variables) {
    if (variable.type === "query" && variable.datasource?.uid !== "${datasource}") {
      fail(`variable ${variable.name} must query \${datasource}`);
    }
  }
  const ids = new Set();
  const panels = panelsOf(dashboard);
  if (panels.filter((panel) => panel.type !== "row").length === 0) fail("no panels");
  for (const panel of panels) {
    const name = `panel ${panel.id} "${panel.title}"`;
    if (!Number.isInteger(panel.id)) fail(`${name}: id must be an integer`);
    if (ids.has(panel.id)) fail(`${name}: id used twice`);
    ids.add(panel.id);
    if (!panel.title) fail(`${name}: no title`);
    if (!panel.gridPos) fail(`${name}: no gridPos`);
    if (panel.type === "row") continue;
    if (panel.datasource?.type !== "prometheus" || panel.datasource?.uid !== "${datasource}") {
      fail(`${name}: datasource must be the \${datasource} variable`);
    }
    const targets = panel.targets ?? [];
    if (targets.length === 0) fail(`${name}: no targets`);
    const refIds = new Set();
    for (const target of targets) {
      if (typeof target.expr !== "string" || target.expr.trim() === "") fail(`${name}: target without expr`);
      if (!target.refId || refIds.has(target.refId)) fail(`${name}: refIds must be present and unique`);
      refIds.add(target.refId);
    }
  }
  return errors;
}

export function panelExpressions(file, dashboard) {
  return panelsOf(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ where: `${file}: panel "${panel.title}"`, expr: target.expr })),
  );
}

// Grafana's variables as Prometheus would see them once Grafana substituted them.
export function substituted(expr) {
  return expr
    .replace(/\$__(rate_interval|interval|range)/g, "5m")
    .replace(/\$\{(\w+)(:\w+)?\}|\$(\w+)/g, "x");
}

// PromQL syntax errors of `expressions` ([{where, expr}]), from `promtool check rules` over a
// file with one recording rule each.
export function promqlErrors(expressions) {
  if (expressions.length === 0) return [];
  const rules = expressions.map((expression, i) => ({
    record: `dashboard:query:${i}`,
    expr: substituted(expression.expr),
  }));
  const dir = mkdtempSync(join(tmpdir(), "oms-dashboards-"));
  const file = join(dir, "queries.yml");
  writeFileSync(file, yaml.dump({ groups: [{ name: "dashboards", rules }] }, { lineWidth: -1 }));
  try {
    execFileSync("promtool", ["check", "rules", file], { encoding: "utf8", stdio: "pipe" });
    return [];
  } catch (error) {
    const output = `${error.stdout ?? ""}${error.stderr ?? ""}`;
    const errors = [];
    // promtool names the failing rule by its index in the group: map it back to the panel.
    for (const match of output.matchAll(/group "dashboards", rule (\d+), "[^"]*": (.*)/g)) {
      const expression = expressions[Number(match[1]) - 1];
      errors.push(`${expression?.where ?? "?"}: ${match[2]} in: ${expression?.expr}`);
    }
    return errors.length > 0 ? errors : [`promtool check rules failed: ${output || error.message}`];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
