// Validates objects against the Kubernetes and operator schemas of the kubernetes-models packages
// and rejects fields the schema does not know.
//
// The packages ship their schemas as compiled validators that accept unknown properties, as the
// OpenAPI documents do. To reject them, the object is validated through proxies that record every
// property the validator reads: a validator reads each property its schema names (`data.spec`)
// and every key of a map (`for (k in data) data[k]`), so a key of an object the validator looked
// into but never read is unknown to the schema. An object the validator never looks into has a
// free-form schema (x-kubernetes-preserve-unknown-fields) and may hold anything.

// API groups served by operators, and the package that models each.
const CRD_PACKAGES = {
  "postgresql.cnpg.io": "@kubernetes-models/cloudnative-pg",
  "cert-manager.io": "@kubernetes-models/cert-manager",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

const modules = new Map();

async function groupVersionModule(apiVersion) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  let specifier;
  if (group === "") specifier = `kubernetes-models/${version}`;
  else if (CRD_PACKAGES[group]) specifier = `${CRD_PACKAGES[group]}/${group}/${version}`;
  else specifier = `kubernetes-models/${group}/${version}`;
  if (!modules.has(specifier)) {
    modules.set(
      specifier,
      import(specifier).catch(() => null),
    );
  }
  return modules.get(specifier);
}

// The model class of apiVersion/kind, or null when no installed package has a schema for it.
export async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") return null;
  const module = await groupVersionModule(apiVersion);
  const Model = module?.[kind];
  if (typeof Model !== "function" || Model.apiVersion !== apiVersion || Model.kind !== kind) {
    return null;
  }
  return Model;
}

function tracked(value, pointer, records) {
  if (value === null || typeof value !== "object") return value;
  const record = { pointer, value, read: new Set() };
  records.push(record);
  const copy = Array.isArray(value)
    ? value.map((item, i) => tracked(item, `${pointer}/${i}`, records))
    : Object.fromEntries(
        Object.entries(value).map(([key, item]) => [
          key,
          tracked(item, `${pointer}/${key}`, records),
        ]),
      );
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === "string") record.read.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
}

// -> a list of problems (empty when the object is valid and has no unknown field).
export async function validateStrict(object) {
  const Model = await modelFor(object?.apiVersion, object?.kind);
  if (!Model) {
    return [`no schema for apiVersion ${object?.apiVersion} kind ${object?.kind}`];
  }
  const records = [];
  const proxy = tracked(object, "", records);
  const problems = [];
  try {
    // The model's validate() runs the compiled schema on `this`.
    Model.prototype.validate.call(proxy);
  } catch (error) {
    problems.push(`schema: ${error.message}`);
  }
  for (const record of records) {
    if (Array.isArray(record.value) || record.read.size === 0) continue;
    for (const key of Object.keys(record.value)) {
      if (!record.read.has(key)) problems.push(`unknown field ${record.pointer}/${key}`);
    }
  }
  return problems;
}
