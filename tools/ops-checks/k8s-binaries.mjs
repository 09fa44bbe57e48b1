// The manifests against the binaries they run, for every overlay:
// - every --flag a container passes is one its binary lists in --helpfull, and every peer
//   address the binary would otherwise default to loopback is set;
// - probe, Service, ServiceMonitor and peer-address ports are the ports the arguments give;
// - the real binaries, started with the containers' arguments and variables (Secrets and
//   ConfigMaps resolved as the kubelet would, a fresh database per database Secret, loopback
//   instead of the cluster's addresses), answer their probes: grpc.health.v1 SERVING for the very
//   service names the probes ask for, the gateway's HTTP probe paths, /metrics on the metrics
//   port; the gateway accepts the admin key from its Secret; each exits 0 on SIGTERM well
//   within its grace period.
//
// usage: node k8s-binaries.mjs --omsctl=PATH --bin=NAME=PATH...   (OMS_TEST_PG_URL set)
import path from "node:path";
import { tlsMountOf } from "./lib/certificates.mjs";
import { binaryFlags, loopbackPeerFlags } from "./lib/flags.mjs";
import {
  Databases,
  Process,
  httpGet,
  httpGetUntil,
  randomSecret,
  runCommand,
} from "./lib/processes.mjs";
import { TestPki } from "./lib/pki.mjs";
import { REPO, overlayNames, renderOverlay } from "./lib/render.mjs";
import { run } from "./lib/report.mjs";
import {
  containerEnv,
  containersOf,
  expand,
  ofKind,
  parseArgs,
  resolvePort,
  secretSource,
  selectorMatches,
  servicesOf,
} from "./lib/workloads.mjs";

const ADDRESS = /^dns:\/\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?):([0-9]+)$/;
// A route behind authentication whose backends the suite starts: 401 without a credential.
const AUTHENTICATED_ROUTE = "/v1/products";

function options() {
  const bins = new Map();
  let omsctl = null;
  for (const arg of process.argv.slice(2)) {
    const bin = /^--bin=([^=]+)=(.+)$/.exec(arg);
    const ctl = /^--omsctl=(.+)$/.exec(arg);
    if (bin) bins.set(bin[1], bin[2]);
    else if (ctl) omsctl = ctl[1];
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!omsctl || bins.size === 0)
    throw new Error("usage: k8s-binaries.mjs --omsctl=PATH --bin=NAME=PATH...");
  return { bins, omsctl };
}

function portNumber(text) {
  return /^[0-9]+$/.test(text ?? "") && Number(text) >= 1 && Number(text) <= 65535
    ? Number(text)
    : NaN;
}

// An exec probe `omsctl health --addr=127.0.0.1:<port> ...` -> { port, service, args }.
function omsctlHealth(probe) {
  const [binary, verb, ...args] = probe?.exec?.command ?? [];
  if (path.basename(binary ?? "") !== "omsctl" || verb !== "health") return null;
  const { flags } = parseArgs(args);
  const [, port] = /^127\.0\.0\.1:([0-9]+)$/.exec(flags.get("addr") ?? "") ?? [];
  return { port: Number(port), service: flags.get("service") ?? "", args };
}

// Static agreement of one Deployment with its binary -> what the live run needs.
function checkStatic(checks, overlay, objects, deployment, bins) {
  const name = deployment.metadata.name;
  const where = `${overlay}: ${name}`;
  const container = containersOf(deployment)[0];
  const command = container.command ?? [];
  checks.equal(command.length, 1, `${where}: command names the binary only`);
  const binaryName = path.basename(command[0] ?? "");
  const binary = bins.get(binaryName);
  if (
    !checks.ok(
      binary,
      `${where}: runs ${command[0]}, a binary the build makes (${[...bins.keys()].join(", ")})`,
    )
  )
    return null;
  const known = binaryFlags(binary);
  const { flags, malformed } = parseArgs(container.args);
  checks.equal(
    malformed.length,
    0,
    `${where}: arguments of the form --flag=value (${malformed.join(" ")})`,
  );
  for (const flag of flags.keys()) {
    checks.ok(known.has(flag), `${where}: --${flag} is a flag of ${binaryName} (its --helpfull)`);
  }
  for (const flag of loopbackPeerFlags(known)) {
    checks.ok(
      flags.has(flag),
      `${where}: sets --${flag} (its default ${known.get(flag)} is the pod itself)`,
    );
  }
  checks.equal(flags.get("listen_host"), "0.0.0.0", `${where}: --listen_host`);
  const port = portNumber(flags.get("port"));
  const metricsPort = portNumber(flags.get("metrics_port"));
  checks.ok(port > 0, `${where}: --port is given`);
  checks.ok(
    metricsPort > 0 && metricsPort !== port,
    `${where}: --metrics_port is given, apart from --port`,
  );

  const serving = (container.ports ?? []).find((p) => p.name === "grpc" || p.name === "http");
  checks.equal(serving?.containerPort, port, `${where}: container port ${serving?.name} is --port`);
  checks.equal(
    (container.ports ?? []).find((p) => p.name === "metrics")?.containerPort,
    metricsPort,
    `${where}: container port metrics is --metrics_port`,
  );
  const probes = [];
  for (const kind of ["startupProbe", "livenessProbe", "readinessProbe"]) {
    const probe = container[kind];
    const health = omsctlHealth(probe);
    if (health) {
      checks.equal(health.port, port, `${where}: ${kind} asks --port`);
      probes.push({ kind, grpc: health.service, args: health.args });
    } else if (probe?.httpGet) {
      checks.equal(
        resolvePort(container, probe.httpGet.port),
        port,
        `${where}: ${kind} HTTP port is --port`,
      );
      probes.push({ kind, http: probe.httpGet.path ?? "/" });
    } else {
      checks.fail(`${where}: ${kind} is omsctl health or an HTTP probe`);
    }
  }
  // Services in front of it: their ports reach --port and --metrics_port.
  for (const service of servicesOf(objects, deployment)) {
    for (const servicePort of service.spec.ports ?? []) {
      const target = resolvePort(container, servicePort.targetPort ?? servicePort.port);
      checks.ok(
        target === port || target === metricsPort,
        `${where}: Service ${service.metadata.name} port ${servicePort.name} reaches --port or --metrics_port (found ${target})`,
      );
    }
  }
  for (const monitor of ofKind(objects, "ServiceMonitor")) {
    for (const service of servicesOf(objects, deployment).filter((s) =>
      selectorMatches(monitor.spec.selector, s.metadata.labels),
    )) {
      for (const endpoint of monitor.spec.endpoints ?? []) {
        const servicePort = service.spec.ports?.find((p) => p.name === endpoint.port);
        checks.equal(
          resolvePort(container, servicePort?.targetPort ?? servicePort?.port),
          metricsPort,
          `${where}: ServiceMonitor ${monitor.metadata.name} scrapes --metrics_port`,
        );
      }
    }
  }
  return { name, binary, container, flags, probes };
}

// A peer address flag -> the Deployment it reaches, checked against the Service's ports.
function peerOf(checks, overlay, objects, byName, where, flag, value) {
  const match = ADDRESS.exec(value);
  if (
    !checks.ok(
      match,
      `${where}: --${flag}=${value} is dns:///<service>:<port> (resolves to every ready pod)`,
    )
  )
    return null;
  const [, serviceName, , portText] = match;
  const service = objects.find((o) => o.kind === "Service" && o.metadata.name === serviceName);
  if (!checks.ok(service, `${where}: --${flag} names Service ${serviceName}, which is rendered`))
    return null;
  checks.equal(service.spec.clusterIP, "None", `${where}: --${flag} names a headless Service`);
  const target = [...byName.values()].find((entry) =>
    Object.entries(service.spec.selector ?? {}).every(
      ([k, v]) => entry.deployment.spec.template.metadata.labels?.[k] === v,
    ),
  );
  if (!checks.ok(target, `${where}: Service ${serviceName} selects a Deployment`)) return null;
  const servicePort = (service.spec.ports ?? []).find((p) => p.port === Number(portText));
  checks.ok(
    servicePort,
    `${where}: --${flag} port ${portText} is a port of Service ${serviceName}`,
  );
  checks.equal(
    Number(portText),
    Number(target.flags.get("port")),
    `${where}: --${flag} port is ${target.name}'s --port`,
  );
  return { flag, target: target.name };
}

// The pod's certificate Secret, issued by `pki` as cert-manager would from the rendered
// Certificate, with the OMS_TLS_* variables pointed at it instead of the mount.
function mountCertificate(checks, where, objects, entry, env, pki) {
  const pod = entry.deployment.spec.template.spec;
  const tls = tlsMountOf(objects, entry.deployment.metadata.namespace, pod, entry.container);
  if (!checks.ok(tls.certificate, `${where}: a certificate to mount (${tls.problems.join("; ")})`))
    return;
  const dir = pki.issue(tls.secretName, tls.certificate.spec.uris ?? []);
  for (const [variable, file] of Object.entries(tls.files))
    env.set(variable, path.join(dir, path.relative(tls.mountPath, file)));
}

async function runLive(checks, overlay, objects, entries, omsctl) {
  const databases = new Databases(process.env.OMS_TEST_PG_URL);
  const pki = new TestPki();
  const started = new Map(); // name -> { process, ports }
  const secretValues = new Map();
  const valueOf = (source, name, key) => {
    const id = `${name}/${key}`;
    if (!secretValues.has(id)) {
      if (key === "uri") secretValues.set(id, databases.create(name));
      else if (source.kind === "rendered") secretValues.set(id, source.value);
      else secretValues.set(id, randomSecret());
    }
    return secretValues.get(id);
  };
  try {
    // Callees first: a process starts once every peer it names is serving.
    const pending = [...entries.values()];
    while (pending.length > 0) {
      const index = pending.findIndex((entry) =>
        entry.peers.every((peer) => started.has(peer.target)),
      );
      if (!checks.ok(index >= 0, `${overlay}: the calls between Deployments have no cycle`)) return;
      const entry = pending.splice(index, 1)[0];
      const where = `${overlay}: ${entry.name} (live)`;
      const { env, problems } = containerEnv(objects, entry.deployment, entry.container, {
        secretValue: valueOf,
        fieldValue: (field) =>
          ({
            "metadata.name": `${entry.name}-0`,
            "metadata.namespace": entry.deployment.metadata.namespace,
            "status.podIP": "127.0.0.1",
          })[field] ?? "unknown",
      });
      checks.equal(problems.length, 0, `${where}: variables resolve (${problems.join("; ")})`);
      if (env.has("PGSSLMODE")) {
        // The manifests make every database connection verify the server's certificate; the
        // test cluster here has none, so the live run connects as the test URL says.
        checks.equal(env.get("PGSSLMODE"), "verify-full", `${where}: database TLS is verify-full`);
        env.delete("PGSSLMODE");
        env.delete("PGSSLROOTCERT");
      }
      mountCertificate(checks, where, objects, entry, env, pki);
      env.set("PATH", process.env.PATH);
      const args = (entry.container.args ?? []).map((arg) => {
        const { value } = expand(arg, env);
        const [, flag] = /^--([A-Za-z0-9_]+)=/.exec(value) ?? [];
        if (flag === "listen_host") return "--listen_host=127.0.0.1"; // loopback only here
        if (flag === "port" || flag === "metrics_port") return `--${flag}=0`;
        // The image's copy of console/ (the Dockerfile check ties the two): here the source's.
        if (flag === "console_dir") return `--console_dir=${path.join(REPO, "console")}`;
        const peer = entry.peers.find((p) => p.flag === flag);
        if (peer) return `--${flag}=dns:///127.0.0.1:${started.get(peer.target).ports.serving}`;
        return value;
      });
      const proc = new Process(entry.name, entry.binary, args, env);
      started.set(entry.name, { process: proc, entry, env });
      let ready;
      try {
        ready = await proc.ready();
      } catch (error) {
        checks.fail(
          `${where}: starts with the manifest's arguments and variables: ${error.message}`,
        );
        return;
      }
      const serving = ready.grpc_port ?? ready.http_port;
      checks.ok(
        serving > 0 && ready.metrics_port > 0,
        `${where}: serves (ready file ${JSON.stringify(ready)})`,
      );
      started.get(entry.name).ports = { serving, metrics: ready.metrics_port };
      checks.note(
        `${where}: pid ${proc.child.pid} serving on 127.0.0.1:${serving}, metrics on ${ready.metrics_port}`,
      );
    }

    for (const [name, { entry, ports, env }] of started) {
      const where = `${overlay}: ${name} (live)`;
      // The probe's own command, in the pod's environment (its certificate), on the live port.
      const address = `--addr=127.0.0.1:${ports.serving}`;
      const health = (args) =>
        runCommand(omsctl, ["health", ...args.filter((a) => !a.startsWith("--addr=")), address], {
          env,
        });
      for (const probe of entry.probes) {
        if (probe.grpc !== undefined) {
          const result = health([...probe.args, "--wait=20"]);
          checks.equal(
            result.status,
            0,
            `${where}: ${probe.kind} grpc.health.v1 Check("${probe.grpc}") is SERVING over mutual TLS (${result.output})`,
          );
        } else {
          const answer = await httpGetUntil(ports.serving, probe.http, 200, 30000);
          checks.equal(
            answer.status,
            200,
            `${where}: ${probe.kind} GET ${probe.http} (${answer.body.slice(0, 200)})`,
          );
        }
      }
      if (entry.probes.some((probe) => probe.grpc !== undefined)) {
        // The health service tells names apart: a name it does not serve is NOT_FOUND.
        const unknown = health(["--service=oms.unknown.v1.NoSuchService", "--wait=0"]);
        checks.ok(
          unknown.status !== 0 && /\(code 5\)/.test(unknown.output),
          `${where}: health of an unknown service name is NOT_FOUND (${unknown.output})`,
        );
        // And the service speaks mutual TLS only: plain text, or no certificate, gets nothing.
        const plain = runCommand(omsctl, [
          "health",
          "--insecure_plaintext",
          `--addr=127.0.0.1:${ports.serving}`,
        ]);
        checks.ok(
          plain.status !== 0 && /\(code 14\)/.test(plain.output),
          `${where}: a plain-text health check is refused (${plain.output})`,
        );
      }
      const metrics = await httpGet(ports.metrics, "/metrics");
      checks.ok(
        metrics.status === 200 && metrics.body.includes("oms_build_info"),
        `${where}: /metrics on the metrics port (HTTP ${metrics.status})`,
      );
      // A key from a Secret that is not a database's is the gateway's admin key: it must work.
      for (const variable of entry.container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (!ref || ref.key === "uri" || !entry.probes.some((probe) => probe.http)) continue;
        const key = started.get(name).env.get(variable.name);
        const without = await httpGet(ports.serving, AUTHENTICATED_ROUTE);
        const withKey = await httpGet(ports.serving, AUTHENTICATED_ROUTE, {
          Authorization: `Bearer ${key}`,
        });
        checks.equal(
          without.status,
          401,
          `${where}: GET ${AUTHENTICATED_ROUTE} without a credential`,
        );
        checks.equal(
          withKey.status,
          200,
          `${where}: GET ${AUTHENTICATED_ROUTE} with the key of Secret ${ref.name} (${variable.name})`,
        );
      }
    }
  } finally {
    // Callers first, as a rolling update would find them; each must drain and exit 0 in time.
    for (const [name, { process: proc, entry, ports }] of [...started].reverse()) {
      if (!ports) {
        // never served: its start-up failure is reported already
        proc.cleanup();
        continue;
      }
      const pod = entry.deployment.spec.template.spec;
      const pause = Number(
        entry.container.lifecycle?.preStop?.exec?.command?.[1] ??
          entry.container.lifecycle?.preStop?.sleep?.seconds ??
          0,
      );
      const budgetMs = ((pod.terminationGracePeriodSeconds ?? 30) - pause) * 1000;
      const stopped = await proc.stop(budgetMs);
      checks.ok(
        stopped.code === 0 && stopped.ms < budgetMs,
        `${overlay}: ${name} (live) exits 0 on SIGTERM within the grace period less the preStop pause (${JSON.stringify(stopped)})\n${stopped.code === 0 ? "" : proc.logTail()}`,
      );
      checks.note(`${overlay}: ${name} (live) stopped in ${stopped.ms} ms`);
      proc.cleanup();
    }
    databases.dropAll();
    pki.cleanup();
  }
}

await run("k8s-binaries", async (checks) => {
  const { bins, omsctl } = options();
  for (const overlay of overlayNames()) {
    const objects = renderOverlay(overlay);
    const entries = new Map();
    for (const deployment of ofKind(objects, "Deployment")) {
      const entry = checkStatic(checks, overlay, objects, deployment, bins);
      if (entry) entries.set(entry.name, { ...entry, deployment });
    }
    checks.ok(entries.size > 0, `${overlay}: Deployments to check`);
    for (const entry of entries.values()) {
      entry.peers = [];
      for (const [flag, value] of entry.flags) {
        if (!/_addr$/.test(flag)) continue;
        const peer = peerOf(
          checks,
          overlay,
          objects,
          entries,
          `${overlay}: ${entry.name}`,
          flag,
          value,
        );
        if (peer) entry.peers.push(peer);
      }
    }
    await runLive(checks, overlay, objects, entries, omsctl);
  }
});
