// The rules the rendered manifests must follow beyond their schemas: the restricted Pod Security
// Standard, probes, resources, graceful shutdown, rolling updates, Services, disruption budgets,
// autoscalers, the replica counts of dev and prod, configuration references, the database of each
// service, monitoring, and NetworkPolicies that allow exactly the calls of the architecture.
import { readFileSync } from "node:fs";
import path from "node:path";
import { SPIFFE_PREFIX, issuerChainOf, tlsMountOf } from "./lib/certificates.mjs";
import { connectionAllowed } from "./lib/netpol.mjs";
import { K8S, describe, overlayNames, renderOverlay } from "./lib/render.mjs";
import { run } from "./lib/report.mjs";
import {
  containerEnv,
  containersOf,
  expand,
  named,
  ofKind,
  parseArgs,
  podLabels,
  quantity,
  resolvePort,
  secretSource,
  selectorMatches,
  servicesOf,
} from "./lib/workloads.mjs";

// ARCHITECTURE.md: who calls whom. External clients reach the gateway only; each service owns one
// database; Prometheus scrapes every metrics port.
const ARCHITECTURE = {
  gateway: {
    protocol: "http",
    calls: ["order-service", "inventory-service", "billing-service", "shipping-service"],
    database: false,
  },
  "order-service": {
    protocol: "grpc",
    calls: ["inventory-service", "billing-service", "shipping-service"],
    database: true,
  },
  "inventory-service": { protocol: "grpc", calls: [], database: true },
  "billing-service": { protocol: "grpc", calls: [], database: true },
  "shipping-service": { protocol: "grpc", calls: [], database: true },
};

// The label kube-prometheus-stack's Prometheus selects monitors and rules by.
const PROMETHEUS_SELECTOR_LABEL = "release";

function preStopSeconds(container) {
  const handler = container.lifecycle?.preStop;
  if (handler?.sleep) return Number(handler.sleep.seconds);
  const command = handler?.exec?.command ?? [];
  if (command.length === 2 && /(^|\/)sleep$/.test(command[0]) && /^[0-9]+$/.test(command[1]))
    return Number(command[1]);
  return NaN;
}

// An exec probe `omsctl health --addr=127.0.0.1:<port> [--service=<name>]` -> { port, service }.
function omsctlHealthProbe(handler) {
  const [binary, verb, ...args] = handler?.exec?.command ?? [];
  if (!/(^|\/)omsctl$/.test(binary ?? "") || verb !== "health") return null;
  const { flags, malformed } = parseArgs(args);
  const [, port] = /^127\.0\.0\.1:([0-9]+)$/.exec(flags.get("addr") ?? "") ?? [];
  if (malformed.length > 0 || !port) return null;
  return { port: Number(port), service: flags.get("service") ?? "" };
}

// Mutual TLS for every process and job: no plain text, and certificates from cert-manager that
// carry the identity the services authorize by (spiffe://oms/<name>), readable by the pod's
// group only, renewed with a new key, signed by the namespace's own CA.
function checkTransportSecurity(checks, overlay, objects, workload, identity, pod, container) {
  const where = `${overlay}: ${workload.kind} ${workload.metadata.name}`;
  const namespace = workload.metadata.namespace;
  const { flags } = parseArgs(container.args);
  checks.ok(!flags.has("insecure_plaintext"), `${where}: no --insecure_plaintext`);
  checks.ok(
    !(container.env ?? []).some((v) => v.name === "OMS_INSECURE_PLAINTEXT"),
    `${where}: no OMS_INSECURE_PLAINTEXT`,
  );
  const tls = tlsMountOf(objects, namespace, pod, container);
  checks.equal(
    tls.problems.length,
    0,
    `${where}: its certificate files (${tls.problems.join("; ")})`,
  );
  if (!tls.certificate) return;
  const spec = tls.certificate.spec;
  const name = `Certificate ${tls.certificate.metadata.name}`;
  checks.equal(
    JSON.stringify(spec.uris ?? []),
    JSON.stringify([`${SPIFFE_PREFIX}${identity}`]),
    `${where}: ${name} carries exactly the identity ${SPIFFE_PREFIX}${identity}`,
  );
  for (const usage of ["client auth", "server auth"])
    checks.ok((spec.usages ?? []).includes(usage), `${where}: ${name} allows ${usage}`);
  checks.equal(
    spec.privateKey?.rotationPolicy,
    "Always",
    `${where}: ${name} renews with a new key`,
  );
  checks.equal(tls.mode & 0o007, 0, `${where}: the key is not readable by others (defaultMode)`);
  const group = container.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup;
  checks.ok(
    pod.securityContext?.fsGroup === group && group !== undefined && (tls.mode & 0o040) !== 0,
    `${where}: the process's group owns and may read the mounted key (fsGroup, defaultMode)`,
  );
  const chain = issuerChainOf(objects, namespace, tls.certificate);
  checks.equal(
    chain.problems.length,
    0,
    `${where}: ${name}'s issuer chain (${chain.problems.join("; ")})`,
  );
}

function checkNamespace(checks, overlay, objects) {
  const namespaces = ofKind(objects, "Namespace");
  checks.equal(namespaces.length, 1, `${overlay}: Namespaces rendered`);
  const namespace = namespaces[0];
  const labels = namespace?.metadata?.labels ?? {};
  checks.equal(
    labels["pod-security.kubernetes.io/enforce"],
    "restricted",
    `${overlay}: namespace enforces the restricted Pod Security Standard`,
  );
  for (const object of objects) {
    if (object.kind === "Namespace") continue;
    checks.equal(
      object.metadata?.namespace,
      namespace?.metadata?.name,
      `${overlay}: ${describe(object)} is in the oms namespace`,
    );
  }
}

function checkPodSecurity(checks, where, pod, container) {
  const podContext = pod.securityContext ?? {};
  const context = container.securityContext ?? {};
  checks.ok(
    podContext.runAsNonRoot === true || context.runAsNonRoot === true,
    `${where}: runAsNonRoot`,
  );
  const uid = context.runAsUser ?? podContext.runAsUser;
  checks.ok(
    Number.isInteger(uid) && uid > 0,
    `${where}: a numeric non-root runAsUser (found ${uid})`,
  );
  const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
  checks.equal(seccomp, "RuntimeDefault", `${where}: seccomp profile`);
  checks.equal(context.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
  checks.equal(context.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
  checks.ok((context.capabilities?.drop ?? []).includes("ALL"), `${where}: drops ALL capabilities`);
  checks.ok((context.capabilities?.add ?? []).length === 0, `${where}: adds no capability`);
  checks.ok(context.privileged !== true, `${where}: not privileged`);
  checks.equal(
    pod.automountServiceAccountToken,
    false,
    `${where}: no service account token (oms calls no Kubernetes API)`,
  );
  for (const field of ["hostNetwork", "hostPID", "hostIPC"])
    checks.ok(pod[field] !== true, `${where}: no ${field}`);
  checks.ok(!(pod.volumes ?? []).some((volume) => volume.hostPath), `${where}: no hostPath volume`);
}

// A CronJob's pods (the invariant check) run under the same restrictions as the processes', with
// resources, one container of the shared image, and runs that cannot pile up.
function checkCronJob(checks, overlay, cronJob, image) {
  const where = `${overlay}: CronJob ${cronJob.metadata.name}`;
  const job = cronJob.spec?.jobTemplate?.spec ?? {};
  const pod = job.template?.spec ?? {};
  const containers = pod.containers ?? [];
  checks.equal(containers.length, 1, `${where}: containers`);
  const container = containers[0] ?? {};
  checkPodSecurity(checks, where, pod, container);
  checks.equal(container.image, image, `${where}: the processes' image`);
  checks.ok(quantity(container.resources?.requests?.cpu) > 0, `${where}: a CPU request`);
  checks.ok(quantity(container.resources?.requests?.memory) > 0, `${where}: a memory request`);
  checks.ok(quantity(container.resources?.limits?.memory) > 0, `${where}: a memory limit`);
  checks.equal(cronJob.spec?.concurrencyPolicy, "Forbid", `${where}: one run at a time`);
  checks.ok(Number(job.activeDeadlineSeconds) > 0, `${where}: a run has a deadline`);
}

function checkDeployment(checks, overlay, objects, deployment) {
  const name = deployment.metadata.name;
  const where = `${overlay}: Deployment ${name}`;
  const spec = deployment.spec;
  const pod = spec.template.spec;
  const containers = containersOf(deployment);
  checks.equal(containers.length, 1, `${where}: containers`);
  const container = containers[0] ?? {};
  const protocol = ARCHITECTURE[name]?.protocol;

  checks.ok(
    selectorMatches(spec.selector, podLabels(deployment)),
    `${where}: selector matches its pod template`,
  );
  checks.equal(spec.strategy?.type, "RollingUpdate", `${where}: strategy`);
  checks.ok(
    [0, "0", "0%"].includes(spec.strategy?.rollingUpdate?.maxUnavailable),
    `${where}: rolling update never below the desired replicas (maxUnavailable 0)`,
  );
  checks.ok([1, "1"].includes(spec.strategy?.rollingUpdate?.maxSurge), `${where}: maxSurge 1`);
  checkPodSecurity(checks, where, pod, container);

  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  checks.ok(quantity(requests.cpu) > 0, `${where}: a CPU request`);
  checks.ok(quantity(requests.memory) > 0, `${where}: a memory request`);
  checks.ok(
    quantity(limits.memory) >= quantity(requests.memory),
    `${where}: a memory limit at least the request`,
  );

  // Probes of the right kind on the serving port.
  const servingPort = container.ports?.find((port) => port.name === protocol);
  checks.ok(servingPort, `${where}: a container port named ${protocol}`);
  for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
    const handler = container[probe];
    checks.ok(handler, `${where}: ${probe}`);
    if (!handler) continue;
    if (protocol === "grpc") {
      // The kubelet's native gRPC probe speaks plain text only: the probe runs omsctl in the
      // pod, over mutual TLS with the pod's own certificate.
      const health = omsctlHealthProbe(handler);
      checks.ok(health, `${where}: ${probe} runs omsctl health (found ${JSON.stringify(handler)})`);
      checks.equal(
        health?.port,
        servingPort?.containerPort,
        `${where}: ${probe} asks the gRPC port`,
      );
      if (probe === "readinessProbe")
        checks.ok(health?.service, `${where}: readiness asks for the service's own name`);
    } else {
      checks.ok(handler.httpGet, `${where}: ${probe} is an HTTP probe`);
      checks.equal(
        resolvePort(container, handler.httpGet?.port),
        servingPort?.containerPort,
        `${where}: ${probe} port`,
      );
    }
  }
  if (protocol === "http") {
    checks.equal(container.livenessProbe?.httpGet?.path, "/healthz", `${where}: liveness path`);
    checks.equal(container.readinessProbe?.httpGet?.path, "/readyz", `${where}: readiness path`);
  }

  // Shutdown: the pause, then the drain, both inside the grace period.
  const pause = preStopSeconds(container);
  checks.ok(pause > 0, `${where}: a preStop pause (sleep)`);
  const { flags, malformed } = parseArgs(container.args);
  checks.equal(
    malformed.length,
    0,
    `${where}: arguments not of the form --flag=value: ${malformed.join(" ")}`,
  );
  const drain = Number(flags.get("drain_seconds"));
  checks.ok(Number.isInteger(drain), `${where}: --drain_seconds is given explicitly`);
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  checks.ok(
    grace > pause + drain,
    `${where}: terminationGracePeriodSeconds ${grace} > preStop ${pause} + drain ${drain}`,
  );

  // Configuration references resolve within the rendered objects (or name a documented Secret).
  const { env, problems } = containerEnv(objects, deployment, container, {
    secretValue: (source) => (source.kind === "external" ? `<${source.name}>` : "<secret>"),
    fieldValue: (fieldPath) => `<${fieldPath}>`,
  });
  checks.equal(problems.length, 0, `${where}: configuration references: ${problems.join("; ")}`);
  for (const arg of container.args ?? []) {
    const { unresolved } = expand(arg, env);
    checks.equal(
      unresolved.length,
      0,
      `${where}: ${arg} refers to undefined variables ${unresolved.join(", ")}`,
    );
  }
  return { container };
}

function checkService(checks, overlay, objects, deployment, container) {
  const name = deployment.metadata.name;
  const protocol = ARCHITECTURE[name]?.protocol;
  const services = servicesOf(objects, deployment);
  checks.equal(services.length, 1, `${overlay}: Services selecting Deployment ${name}`);
  const service = services[0];
  if (!service) return;
  const where = `${overlay}: Service ${service.metadata.name}`;
  if (protocol === "grpc") {
    checks.equal(
      service.spec.clusterIP,
      "None",
      `${where}: headless, for gRPC client-side balancing`,
    );
  }
  const serving = service.spec.ports?.find((port) => port.name === protocol);
  checks.ok(serving, `${where}: a port named ${protocol}`);
  const target = resolvePort(container, serving?.targetPort ?? serving?.port);
  checks.equal(
    target,
    container.ports?.find((port) => port.name === protocol)?.containerPort,
    `${where}: ${protocol} port reaches the container's`,
  );
  if (protocol === "grpc") {
    // Clients dial pod addresses with the port of the address: it must be the pod's own.
    checks.equal(serving?.port, target, `${where}: headless port equals the container port`);
  }
}

function checkDisruptionAndScaling(checks, overlay, objects, deployment) {
  const name = deployment.metadata.name;
  const where = `${overlay}: Deployment ${name}`;
  const budgets = ofKind(objects, "PodDisruptionBudget").filter((pdb) =>
    selectorMatches(pdb.spec.selector, podLabels(deployment)),
  );
  checks.equal(budgets.length, 1, `${where}: PodDisruptionBudgets selecting it`);
  const autoscalers = ofKind(objects, "HorizontalPodAutoscaler").filter(
    (hpa) =>
      hpa.spec.scaleTargetRef?.kind === "Deployment" && hpa.spec.scaleTargetRef?.name === name,
  );
  const minReplicas = autoscalers[0]?.spec.minReplicas ?? deployment.spec.replicas ?? 1;
  const budget = budgets[0]?.spec ?? {};
  if (budget.maxUnavailable !== undefined) {
    checks.ok(
      budget.maxUnavailable === 1 || budget.maxUnavailable === "1",
      `${where}: PodDisruptionBudget maxUnavailable 1`,
    );
  } else {
    checks.ok(
      Number(budget.minAvailable) >= 1 && Number(budget.minAvailable) < minReplicas,
      `${where}: PodDisruptionBudget minAvailable ${budget.minAvailable} keeps a pod and still lets a drain evict one of ${minReplicas}`,
    );
  }
  checks.ok(autoscalers.length <= 1, `${where}: at most one autoscaler`);
  for (const hpa of autoscalers) {
    checks.ok(
      hpa.spec.maxReplicas >= (hpa.spec.minReplicas ?? 1),
      `${where}: autoscaler max >= min`,
    );
    checks.ok(
      hpa.spec.scaleTargetRef.apiVersion === "apps/v1",
      `${where}: autoscaler targets apps/v1`,
    );
  }
  if (overlay === "dev") {
    checks.equal(deployment.spec.replicas, 1, `${where}: one replica in dev`);
    checks.equal(autoscalers.length, 0, `${where}: no autoscaler in dev`);
  }
  if (overlay === "prod") {
    checks.equal(autoscalers.length, 1, `${where}: an autoscaler in prod`);
    checks.ok(
      (autoscalers[0]?.spec.minReplicas ?? 1) >= 2,
      `${where}: at least two replicas in prod (autoscaler minimum)`,
    );
    checks.ok(
      deployment.spec.replicas === undefined || deployment.spec.replicas >= 2,
      `${where}: replicas left to the autoscaler, or at least two`,
    );
  }
}

// Each service reads the `uri` of exactly one CloudNativePG cluster's app Secret, and no two
// services share a cluster.
function checkDatabases(checks, overlay, objects, deployments) {
  const clusters = ofKind(objects, "Cluster");
  const owner = new Map();
  const databaseOf = new Map();
  for (const deployment of deployments) {
    const name = deployment.metadata.name;
    const refs = [];
    for (const variable of containersOf(deployment)[0]?.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (!ref) continue;
      const source = secretSource(objects, deployment.metadata.namespace, ref.name, ref.key);
      if (source.kind === "cnpg")
        refs.push({ variable: variable.name, key: ref.key, cluster: source.cluster });
    }
    if (!ARCHITECTURE[name]?.database) {
      checks.equal(refs.length, 0, `${overlay}: ${name} reads no database Secret`);
      continue;
    }
    if (clusters.length === 0) continue; // an overlay bringing its own database Secrets
    checks.equal(refs.length, 1, `${overlay}: ${name} reads one CloudNativePG app Secret`);
    const ref = refs[0];
    if (!ref) continue;
    checks.equal(ref.key, "uri", `${overlay}: ${name} reads the key uri`);
    checks.ok(
      /_DATABASE_URL$/.test(ref.variable),
      `${overlay}: ${name} passes it as its *_DATABASE_URL variable (found ${ref.variable})`,
    );
    const clusterName = ref.cluster.metadata.name;
    checks.ok(
      !owner.has(clusterName),
      `${overlay}: ${clusterName} is read by ${name} only (also ${owner.get(clusterName)})`,
    );
    owner.set(clusterName, name);
    databaseOf.set(name, ref.cluster);
    // TLS to the database, verified against the cluster's own CA and the URL's host name.
    const container = containersOf(deployment)[0];
    const envValue = (variable) => container.env?.find((v) => v.name === variable)?.value;
    checks.equal(
      envValue("PGSSLMODE"),
      "verify-full",
      `${overlay}: ${name} verifies its database's certificate and host (PGSSLMODE)`,
    );
    const caVolume = (deployment.spec.template.spec.volumes ?? []).find(
      (volume) => volume.secret?.secretName === `${clusterName}-ca`,
    );
    const caMount = caVolume && container.volumeMounts?.find((m) => m.name === caVolume.name);
    checks.ok(
      caMount && envValue("PGSSLROOTCERT")?.startsWith(`${caMount.mountPath}/`),
      `${overlay}: ${name} trusts ${clusterName}-ca, mounted where PGSSLROOTCERT points`,
    );
  }
  for (const cluster of clusters) {
    const where = `${overlay}: Cluster ${cluster.metadata.name}`;
    checks.ok(owner.has(cluster.metadata.name), `${where}: read by a service`);
    checks.ok(
      cluster.spec.bootstrap?.initdb?.database && cluster.spec.bootstrap?.initdb?.owner,
      `${where}: initdb names the database and its owner`,
    );
    if (overlay === "dev") checks.equal(cluster.spec.instances, 1, `${where}: one instance in dev`);
    if (overlay === "prod")
      checks.equal(cluster.spec.instances, 3, `${where}: three instances in prod`);
  }
  if (overlay === "dev" || overlay === "prod") {
    checks.ok(clusters.length > 0, `${overlay}: renders the CloudNativePG clusters`);
  }
  return databaseOf;
}

function checkMonitoring(checks, overlay, objects, deployments) {
  const monitors = ofKind(objects, "ServiceMonitor");
  if (overlay === "prod")
    checks.ok(monitors.length > 0, `${overlay}: has the monitoring component`);
  if (monitors.length === 0) return;
  for (const kind of ["ServiceMonitor", "PodMonitor", "PrometheusRule"]) {
    for (const object of ofKind(objects, kind)) {
      checks.ok(
        object.metadata.labels?.[PROMETHEUS_SELECTOR_LABEL],
        `${overlay}: ${describe(object)} has the label ${PROMETHEUS_SELECTOR_LABEL}`,
      );
    }
  }
  checks.ok(ofKind(objects, "PrometheusRule").length > 0, `${overlay}: renders the PrometheusRule`);
  for (const deployment of deployments) {
    const services = servicesOf(objects, deployment);
    const container = containersOf(deployment)[0];
    const scraping = monitors.filter((monitor) =>
      services.some(
        (service) =>
          (monitor.spec.namespaceSelector?.matchNames ?? [monitor.metadata.namespace]).includes(
            service.metadata.namespace,
          ) && selectorMatches(monitor.spec.selector, service.metadata.labels),
      ),
    );
    checks.equal(
      scraping.length,
      1,
      `${overlay}: ServiceMonitors scraping ${deployment.metadata.name}`,
    );
    for (const monitor of scraping) {
      for (const endpoint of monitor.spec.endpoints ?? []) {
        const port = services[0].spec.ports?.find((p) => p.name === endpoint.port);
        checks.ok(
          port,
          `${overlay}: ServiceMonitor ${monitor.metadata.name} endpoint port ${endpoint.port} is a port of Service ${services[0].metadata.name}`,
        );
        checks.equal(
          resolvePort(container, port?.targetPort ?? port?.port),
          container.ports?.find((p) => p.name === "metrics")?.containerPort,
          `${overlay}: ServiceMonitor ${monitor.metadata.name} scrapes the container port named metrics`,
        );
      }
    }
  }
  for (const monitor of ofKind(objects, "PodMonitor")) {
    const cluster = monitor.spec.selector?.matchLabels?.["cnpg.io/cluster"];
    checks.ok(
      named(objects, "Cluster", cluster),
      `${overlay}: PodMonitor ${monitor.metadata.name} selects the pods of a rendered Cluster`,
    );
  }
}

// -- NetworkPolicies: every connection among the namespace's pods and their neighbours, allowed
// exactly when the architecture calls for it.

const CNPG_INSTANCE_PORTS = [
  { name: "postgresql", port: 5432, protocol: "TCP" },
  { name: "status", port: 8000, protocol: "TCP" },
  { name: "metrics", port: 9187, protocol: "TCP" },
];

function endpoints(objects, namespace) {
  const nsLabels = { "kubernetes.io/metadata.name": namespace };
  const list = [];
  let host = 10;
  for (const deployment of ofKind(objects, "Deployment")) {
    list.push({
      name: deployment.metadata.name,
      role: "process",
      namespace,
      nsLabels,
      labels: podLabels(deployment),
      ip: `10.244.0.${host++}`,
      ports: (containersOf(deployment)[0]?.ports ?? []).map((p) => ({
        name: p.name,
        port: p.containerPort,
        protocol: p.protocol ?? "TCP",
      })),
    });
  }
  for (const cluster of ofKind(objects, "Cluster")) {
    // Two instances: replication between them must be allowed, and is between distinct pods.
    for (const instance of [1, 2]) {
      list.push({
        name: `${cluster.metadata.name}-${instance}`,
        role: "database",
        cluster: cluster.metadata.name,
        namespace,
        nsLabels,
        labels: { "cnpg.io/cluster": cluster.metadata.name, "cnpg.io/podRole": "instance" },
        ip: `10.244.1.${host++}`,
        ports: CNPG_INSTANCE_PORTS,
      });
    }
  }
  const outside = (name, ns, labels, ip, ports) => ({
    name,
    role: name,
    namespace: ns,
    nsLabels: ns ? { "kubernetes.io/metadata.name": ns } : undefined,
    labels,
    ip,
    ports,
  });
  list.push(
    outside("prometheus", "monitoring", { "app.kubernetes.io/name": "prometheus" }, "10.244.2.1", [
      { name: "web", port: 9090, protocol: "TCP" },
    ]),
  );
  list.push(
    outside("kube-dns", "kube-system", { "k8s-app": "kube-dns" }, "10.244.2.2", [
      { name: "dns", port: 53, protocol: "UDP" },
      { name: "dns-tcp", port: 53, protocol: "TCP" },
    ]),
  );
  list.push(
    outside(
      "cnpg-operator",
      "cnpg-system",
      { "app.kubernetes.io/name": "cloudnative-pg" },
      "10.244.2.3",
      [{ name: "webhook", port: 9443, protocol: "TCP" }],
    ),
  );
  list.push(
    outside("other-pod", "default", { app: "other" }, "10.244.2.4", [
      { name: "http", port: 8080, protocol: "TCP" },
    ]),
  );
  list.push(
    outside("api-server", undefined, {}, "172.18.0.2", [
      { name: "https", port: 6443, protocol: "TCP" },
      { name: "https-svc", port: 443, protocol: "TCP" },
    ]),
  );
  list.push(
    outside("internet", undefined, {}, "203.0.113.7", [
      { name: "https", port: 443, protocol: "TCP" },
    ]),
  );
  return list;
}

function expectedConnection(from, to, target, databaseOf) {
  const named = (endpoint) => (endpoint.role === "process" ? endpoint.name : undefined);
  // Clients from anywhere outside the namespace reach the gateway's HTTP port.
  if (named(to) === "gateway" && target.name === "http") return from.namespace !== to.namespace;
  if (named(from) && named(to) && target.name === "grpc")
    return ARCHITECTURE[named(from)]?.calls.includes(named(to));
  if (named(from) && to.role === "database" && target.port === 5432)
    return databaseOf.get(named(from))?.metadata.name === to.cluster;
  if (from.role === "prometheus")
    return (
      (named(to) && target.name === "metrics") || (to.role === "database" && target.port === 9187)
    );
  if (to.role === "kube-dns") return named(from) !== undefined || from.role === "database";
  if (from.role === "cnpg-operator" && to.role === "database")
    return target.port === 5432 || target.port === 8000;
  if (from.role === "database" && to.role === "database")
    return from.cluster === to.cluster && (target.port === 5432 || target.port === 8000);
  if (from.role === "database" && (to.role === "api-server" || to.role === "internet"))
    return target.port === 443 || target.port === 6443;
  return false;
}

function checkNetworkPolicies(checks, overlay, objects, databaseOf) {
  const policies = ofKind(objects, "NetworkPolicy");
  if (overlay === "prod" || overlay === "dev")
    checks.ok(policies.length > 0, `${overlay}: has the NetworkPolicies`);
  if (policies.length === 0) return;
  const namespace = ofKind(objects, "Namespace")[0]?.metadata.name;
  const all = endpoints(objects, namespace);
  let allowed = 0;
  for (const from of all) {
    for (const to of all) {
      if (from === to || (from.namespace !== namespace && to.namespace !== namespace)) continue;
      for (const target of to.ports) {
        const actual = connectionAllowed(policies, from, to, target);
        const expected = Boolean(expectedConnection(from, to, target, databaseOf));
        if (actual) allowed++;
        checks.ok(
          actual === expected,
          `${overlay}: ${from.name} -> ${to.name}:${target.port}/${target.protocol} (${target.name}) is ${actual ? "allowed" : "denied"}, should be ${expected ? "allowed" : "denied"}`,
        );
      }
    }
  }
  checks.ok(allowed > 0, `${overlay}: the NetworkPolicies allow some connection`);
}

await run("k8s-policy", async (checks) => {
  for (const overlay of overlayNames()) {
    const objects = renderOverlay(overlay);
    const kustomization = readFileSync(
      path.join(K8S, "overlays", overlay, "kustomization.yaml"),
      "utf8",
    );
    checkNamespace(checks, overlay, objects);
    const deployments = ofKind(objects, "Deployment");
    checks.equal(
      deployments
        .map((d) => d.metadata.name)
        .sort()
        .join(","),
      Object.keys(ARCHITECTURE).sort().join(","),
      `${overlay}: Deployments`,
    );
    const images = new Set();
    for (const deployment of deployments) {
      const { container } = checkDeployment(checks, overlay, objects, deployment);
      const pod = deployment.spec.template.spec;
      checkTransportSecurity(checks, overlay, objects, deployment, deployment.metadata.name, pod, container);
      images.add(container.image);
      checkService(checks, overlay, objects, deployment, container);
      checkDisruptionAndScaling(checks, overlay, objects, deployment);
      // A Secret the overlay does not render must be one its kustomization.yaml tells how to make.
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (
          ref &&
          secretSource(objects, deployment.metadata.namespace, ref.name, ref.key).kind ===
            "external"
        ) {
          checks.ok(
            kustomization.includes(ref.name),
            `${overlay}: Secret ${ref.name} (read by ${deployment.metadata.name}) is rendered or documented in the overlay`,
          );
        }
      }
    }
    checks.equal(
      images.size,
      1,
      `${overlay}: one image for every process (${[...images].join(", ")})`,
    );
    for (const cronJob of ofKind(objects, "CronJob")) {
      checkCronJob(checks, overlay, cronJob, [...images][0]);
      const pod = cronJob.spec.jobTemplate.spec.template.spec;
      checkTransportSecurity(checks, overlay, objects, cronJob, "omsctl", pod, pod.containers[0]);
    }
    const databaseOf = checkDatabases(checks, overlay, objects, deployments);
    checkMonitoring(checks, overlay, objects, deployments);
    checkNetworkPolicies(checks, overlay, objects, databaseOf);
  }
});
