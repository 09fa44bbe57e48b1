// Checks of ops/prometheus/: the PrometheusRule carries exactly the plain file's groups; every
// alert has a severity, a summary, a description and a runbook_url whose file and heading exist
// in the repository; every alert has unit tests that show it firing and staying quiet.

export const SEVERITIES = ["critical", "warning"];
export const RUNBOOK_BASE = "https://github.com/oms/oms/blob/main/";

// The path of the first difference between two parsed YAML values, or null when equal.
export function firstDifference(a, b, path = "") {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    return `${path || "."}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a)) {
    if (a.length !== b.length) return `${path}: ${a.length} items vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const found = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (a !== null && typeof a === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of [...keys].sort()) {
      if (!(key in a) || !(key in b)) return `${path}.${key}: present on one side only`;
      const found = firstDifference(a[key], b[key], `${path}.${key}`);
      if (found) return found;
    }
    return null;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

export function checkPrometheusRule(plain, resource) {
  const errors = [];
  if (resource?.apiVersion !== "monitoring.coreos.com/v1" || resource?.kind !== "PrometheusRule") {
    errors.push("prometheusrule.yaml is not a monitoring.coreos.com/v1 PrometheusRule");
    return errors;
  }
  const difference = firstDifference(plain?.groups, resource?.spec?.groups, "groups");
  if (difference) errors.push(`prometheusrule.yaml differs from rules.yml at ${difference}`);
  return errors;
}

export function alertsOf(plain) {
  return (plain?.groups ?? []).flatMap((group) => group.rules ?? []).filter((rule) => rule.alert);
}

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats -1, -2.
export function headingAnchors(markdown) {
  const anchors = new Set();
  const seen = new Map();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

// `readRepoFile(path)` gives a repository file's text, or null when there is none.
export function checkAlerts(plain, readRepoFile) {
  const errors = [];
  const names = new Set();
  for (const group of plain?.groups ?? []) {
    for (const rule of group.rules ?? []) {
      if (Boolean(rule.alert) === Boolean(rule.record)) {
        errors.push(`${group.name}: a rule must be either an alert or a recording rule`);
      }
    }
  }
  const alerts = alertsOf(plain);
  if (alerts.length === 0) errors.push("rules.yml has no alerts");
  for (const alert of alerts) {
    const name = alert.alert;
    if (names.has(name)) errors.push(`${name}: defined twice`);
    names.add(name);
    if (!SEVERITIES.includes(alert.labels?.severity)) {
      errors.push(`${name}: severity must be one of ${SEVERITIES.join(", ")}`);
    }
    for (const key of ["summary", "description", "runbook_url"]) {
      if (typeof alert.annotations?.[key] !== "string" || alert.annotations[key].trim() === "") {
        errors.push(`${name}: no ${key} annotation`);
      }
    }
    const url = alert.annotations?.runbook_url ?? "";
    if (!url.startsWith(RUNBOOK_BASE)) {
      errors.push(`${name}: runbook_url must start with ${RUNBOOK_BASE}`);
      continue;
    }
    const [path, anchor] = url.slice(RUNBOOK_BASE.length).split("#");
    if (!path.startsWith("ops/runbooks/") || !path.endsWith(".md") || !anchor) {
      errors.push(`${name}: runbook_url must name ops/runbooks/<file>.md#<heading>`);
      continue;
    }
    const text = readRepoFile(path);
    if (text === null) {
      errors.push(`${name}: ${path} does not exist`);
    } else if (!headingAnchors(text).has(anchor)) {
      errors.push(`${name}: ${path} has no heading for #${anchor}`);
    }
  }
  return errors;
}

// Every alert is expected to fire in some test case and to stay quiet in another.
export function checkRuleTests(plain, ruleTests) {
  const errors = [];
  if (!(ruleTests?.rule_files ?? []).includes("rules.yml")) {
    errors.push("rules_test.yml does not load rules.yml");
  }
  const firing = new Set();
  const quiet = new Set();
  for (const test of ruleTests?.tests ?? []) {
    for (const expectation of test.alert_rule_test ?? []) {
      const expected = expectation.exp_alerts ?? [];
      (expected.length > 0 ? firing : quiet).add(expectation.alertname);
    }
  }
  for (const alert of alertsOf(plain)) {
    if (!firing.has(alert.alert)) errors.push(`${alert.alert}: no test shows it firing`);
    if (!quiet.has(alert.alert)) errors.push(`${alert.alert}: no test shows it staying quiet`);
  }
  return errors;
}

// Runbook sections named like alerts must belong to an alert: no stale instructions.
export function checkRunbookSections(plain, runbooks) {
  const errors = [];
  const alerts = new Set(alertsOf(plain).map((alert) => alert.alert));
  for (const [file, text] of Object.entries(runbooks)) {
    for (const match of text.matchAll(/^##\s+(Oms\w+)\s*$/gm)) {
      if (!alerts.has(match[1])) errors.push(`${file}: section ${match[1]} names no alert`);
    }
  }
  return errors;
}
