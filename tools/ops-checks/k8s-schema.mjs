// Every overlay renders with `kubectl kustomize`, and every object it renders validates against
// the Kubernetes, CloudNativePG and Prometheus operator schemas with unknown fields rejected.
// The validator is tested first: objects with a misspelt field, a wrong type, a missing required
// field or an unknown kind must fail, so this check cannot pass by accepting everything.
import { describe, renderOverlay, overlayNames } from "./lib/render.mjs";
import { run } from "./lib/report.mjs";
import { validateStrict } from "./lib/schema.mjs";

// A deep copy of `object` changed by edit(copy): the self-test never touches the real objects.
function mutated(object, edit) {
  const copy = structuredClone(object);
  edit(copy);
  return copy;
}

function findKind(objects, kind, predicate = () => true) {
  return objects.find((object) => object.kind === kind && predicate(object));
}

// Wrong objects, each with the problem the validator must report.
function wrongObjects(objects) {
  const cases = [];
  const add = (what, object, expected, edit) => {
    if (!object) throw new Error(`self-test: no ${what.split(":")[0]} rendered to mutate`);
    cases.push({ what, object: mutated(object, edit), expected });
  };
  // One unknown field beside the real ones, in every rendered object.
  for (const object of objects) {
    const where = object.spec && typeof object.spec === "object" ? "spec" : "metadata";
    add(
      `${describe(object)}: unknown ${where}.omsUnknownField`,
      object,
      `unknown field /${where}/omsUnknownField`,
      (copy) => {
        copy[where].omsUnknownField = 1;
      },
    );
  }
  const deployment = findKind(objects, "Deployment");
  add(
    "Deployment: misspelt container field readinessprobe",
    deployment,
    "unknown field /spec/template/spec/containers/0/readinessprobe",
    (copy) => {
      const container = copy.spec.template.spec.containers[0];
      container.readinessprobe = container.readinessProbe;
      delete container.readinessProbe;
    },
  );
  add(
    "Deployment: misspelt securityContext field readOnlyRootFileSystem",
    deployment,
    "unknown field /spec/template/spec/containers/0/securityContext/readOnlyRootFileSystem",
    (copy) => {
      copy.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    },
  );
  add("Deployment: replicas as a string", deployment, "schema:", (copy) => {
    copy.spec.replicas = "2";
  });
  add("Deployment: container without a name", deployment, "schema:", (copy) => {
    delete copy.spec.template.spec.containers[0].name;
  });
  add("Deployment: misspelt kind", deployment, "no schema", (copy) => {
    copy.kind = "Deploymnt";
  });
  add("Widget: a kind no package models", deployment, "no schema", (copy) => {
    copy.apiVersion = "example.com/v1";
    copy.kind = "Widget";
  });
  const service = findKind(objects, "Service");
  add(
    "Service: misspelt port field targetport",
    service,
    "unknown field /spec/ports/0/targetport",
    (copy) => {
      copy.spec.ports[0].targetport = copy.spec.ports[0].targetPort;
    },
  );
  const cluster = findKind(objects, "Cluster");
  add(
    "Cluster: misspelt bootstrap.initdb.databse",
    cluster,
    "unknown field /spec/bootstrap/initdb/databse",
    (copy) => {
      copy.spec.bootstrap.initdb.databse = "x";
    },
  );
  add("Cluster: instances as a string", cluster, "schema:", (copy) => {
    copy.spec.instances = "3";
  });
  const policy = findKind(objects, "NetworkPolicy", (p) => (p.spec.ingress || []).length > 0);
  add(
    "NetworkPolicy: misspelt ingress rule field form",
    policy,
    "unknown field /spec/ingress/0/form",
    (copy) => {
      copy.spec.ingress[0].form = [];
    },
  );
  const monitor = findKind(objects, "ServiceMonitor");
  if (monitor) {
    add(
      "ServiceMonitor: misspelt endpoint field ports",
      monitor,
      "unknown field /spec/endpoints/0/ports",
      (copy) => {
        copy.spec.endpoints[0].ports = "metrics";
      },
    );
  }
  const rule = findKind(objects, "PrometheusRule");
  if (rule) {
    add("PrometheusRule: groups as a string", rule, "schema:", (copy) => {
      copy.spec.groups = "none";
    });
  }
  return cases;
}

await run("k8s-schema", async (checks) => {
  const rendered = new Map();
  for (const name of overlayNames()) {
    let objects = null;
    try {
      objects = renderOverlay(name);
    } catch (error) {
      checks.fail(`overlay ${name} renders: ${error.message}`);
      continue;
    }
    checks.ok(objects.length > 0, `overlay ${name} renders at least one object`);
    rendered.set(name, objects);
  }

  // The validator's self-test, on mutations of real rendered objects (prod has every kind).
  const sample = rendered.get("prod") ?? [...rendered.values()][0];
  checks.ok(rendered.has("prod") && rendered.has("dev"), "overlays dev and prod both exist");
  for (const { what, object, expected } of wrongObjects(sample ?? [])) {
    const problems = await validateStrict(object);
    checks.ok(
      problems.some((problem) => problem.startsWith(expected)),
      `self-test: ${what} is rejected with "${expected}..." (validator said: ${problems.join("; ") || "valid"})`,
    );
  }

  for (const [name, objects] of rendered) {
    for (const object of objects) {
      const problems = await validateStrict(object);
      checks.ok(problems.length === 0, `${name}: ${describe(object)}: ${problems.join("; ")}`);
    }
    checks.note(`${name}: ${objects.length} objects validated`);
  }
});
