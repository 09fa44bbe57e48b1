// What the rendered objects say about each process: its container, flags, variables, ports and
// the objects that point at it. Shared by the checks; knows nothing about any one service.

export function ofKind(objects, kind) {
  return objects.filter((object) => object.kind === kind);
}

export function named(objects, kind, name) {
  return objects.find((object) => object.kind === kind && object.metadata?.name === name);
}

// LabelSelector semantics (matchLabels and matchExpressions); an empty selector matches all.
export function selectorMatches(selector, labels = {}) {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    if (operator === "In" && !(has && values.includes(labels[key]))) return false;
    if (operator === "NotIn" && has && values.includes(labels[key])) return false;
    if (operator === "Exists" && !has) return false;
    if (operator === "DoesNotExist" && has) return false;
  }
  return true;
}

export function podLabels(deployment) {
  return deployment.spec?.template?.metadata?.labels ?? {};
}

// Services whose selector picks the Deployment's pods.
export function servicesOf(objects, deployment) {
  const labels = podLabels(deployment);
  return ofKind(objects, "Service").filter(
    (service) =>
      service.metadata?.namespace === deployment.metadata?.namespace &&
      service.spec?.selector &&
      Object.entries(service.spec.selector).every(([key, value]) => labels[key] === value),
  );
}

export function containersOf(deployment) {
  return deployment.spec?.template?.spec?.containers ?? [];
}

// `--name=value` arguments -> Map(name -> value); anything else is reported in `malformed`.
export function parseArgs(args = []) {
  const flags = new Map();
  const malformed = [];
  for (const arg of args) {
    const match = /^--([A-Za-z0-9_]+)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      malformed.push(arg);
    } else if (flags.has(match[1])) {
      malformed.push(`${arg} (given twice)`);
    } else {
      flags.set(match[1], match[2] ?? "true");
    }
  }
  return { flags, malformed };
}

// The container port a probe or Service names, by number or by name -> number or undefined.
export function resolvePort(container, port) {
  if (typeof port === "number") return port;
  if (typeof port === "string" && /^[0-9]+$/.test(port)) return Number(port);
  return (container.ports ?? []).find((p) => p.name === port)?.containerPort;
}

// The name of the Secret a CloudNativePG Cluster's application role gets, and the keys it holds.
export const CNPG_APP_SECRET_SUFFIX = "-app";
export const CNPG_APP_SECRET_KEYS = [
  "username",
  "password",
  "host",
  "port",
  "dbname",
  "uri",
  "jdbc-uri",
  "pgpass",
];

function configMapValue(objects, namespace, name, key) {
  const map = objects.find(
    (o) =>
      o.kind === "ConfigMap" && o.metadata?.name === name && o.metadata?.namespace === namespace,
  );
  if (!map) return { missing: `ConfigMap ${name}` };
  if (!Object.prototype.hasOwnProperty.call(map.data ?? {}, key))
    return { missing: `key ${key} of ConfigMap ${name}` };
  return { value: String(map.data[key]) };
}

// Where a Secret reference comes from: a rendered Secret, a CloudNativePG Cluster's app Secret,
// or nowhere in the rendered objects (made by hand).
export function secretSource(objects, namespace, name, key) {
  const secret = objects.find(
    (o) => o.kind === "Secret" && o.metadata?.name === name && o.metadata?.namespace === namespace,
  );
  if (secret) {
    if (Object.prototype.hasOwnProperty.call(secret.stringData ?? {}, key))
      return { kind: "rendered", value: String(secret.stringData[key]) };
    if (Object.prototype.hasOwnProperty.call(secret.data ?? {}, key)) {
      return { kind: "rendered", value: Buffer.from(secret.data[key], "base64").toString("utf8") };
    }
    return { kind: "missing", missing: `key ${key} of Secret ${name}` };
  }
  if (name.endsWith(CNPG_APP_SECRET_SUFFIX)) {
    const clusterName = name.slice(0, -CNPG_APP_SECRET_SUFFIX.length);
    const cluster = objects.find(
      (o) =>
        o.kind === "Cluster" &&
        o.apiVersion?.startsWith("postgresql.cnpg.io/") &&
        o.metadata?.name === clusterName &&
        o.metadata?.namespace === namespace,
    );
    if (cluster) {
      return CNPG_APP_SECRET_KEYS.includes(key)
        ? { kind: "cnpg", cluster }
        : { kind: "missing", missing: `key ${key} of CloudNativePG Secret ${name}` };
    }
  }
  return { kind: "external", name, key };
}

// The container's variables as the kubelet builds them. Secret values come from
// `secretValue(source, name, key)`, field references from `fieldValue(path)`; `problems` lists
// references that resolve to nothing.
export function containerEnv(objects, deployment, container, { secretValue, fieldValue }) {
  const namespace = deployment.metadata?.namespace;
  const env = new Map();
  const problems = [];
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      const map = objects.find(
        (o) =>
          o.kind === "ConfigMap" &&
          o.metadata?.name === from.configMapRef.name &&
          o.metadata?.namespace === namespace,
      );
      if (!map) problems.push(`envFrom ConfigMap ${from.configMapRef.name} is not rendered`);
      for (const [key, value] of Object.entries(map?.data ?? {}))
        env.set(`${from.prefix ?? ""}${key}`, String(value));
    } else {
      problems.push(`unsupported envFrom ${JSON.stringify(from)}`);
    }
  }
  for (const variable of container.env ?? []) {
    if (Object.prototype.hasOwnProperty.call(variable, "value")) {
      env.set(variable.name, expand(String(variable.value), env).value);
      continue;
    }
    const from = variable.valueFrom ?? {};
    if (from.configMapKeyRef) {
      const found = configMapValue(
        objects,
        namespace,
        from.configMapKeyRef.name,
        from.configMapKeyRef.key,
      );
      if (found.missing) problems.push(`${variable.name}: ${found.missing} is not rendered`);
      else env.set(variable.name, found.value);
    } else if (from.secretKeyRef) {
      const { name, key } = from.secretKeyRef;
      const source = secretSource(objects, namespace, name, key);
      if (source.kind === "missing")
        problems.push(`${variable.name}: ${source.missing} is not rendered`);
      else env.set(variable.name, secretValue(source, name, key));
    } else if (from.fieldRef) {
      env.set(variable.name, fieldValue(from.fieldRef.fieldPath));
    } else {
      problems.push(`${variable.name}: unsupported valueFrom ${JSON.stringify(from)}`);
    }
  }
  return { env, problems };
}

// Kubernetes' $(VAR) expansion of command, args and env values: a defined variable is replaced,
// $$ escapes, an undefined reference stays as written (reported in `unresolved`).
export function expand(text, env) {
  const unresolved = [];
  const value = text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name) => {
    if (match === "$$") return "$";
    if (env.has(name)) return env.get(name);
    unresolved.push(name);
    return match;
  });
  return { value, unresolved };
}

// Kubernetes quantities -> numbers (bytes, cores), for comparisons.
export function quantity(text) {
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(text));
  if (!match) return NaN;
  const units = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  return units[match[2]] === undefined ? NaN : Number(match[1]) * units[match[2]];
}
