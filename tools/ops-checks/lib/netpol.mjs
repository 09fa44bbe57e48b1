// Decides whether NetworkPolicies let one endpoint open a connection to another, as the
// Kubernetes API defines it: a pod selected by no policy of a direction is open in that
// direction; a selected pod accepts (sends) only what some rule of a selecting policy allows; a
// connection needs both the sender's egress and the receiver's ingress.
//
// An endpoint: { name, namespace?, nsLabels?, labels?, ip, ports: [{name?, port, protocol}] }.
// Endpoints without a namespace are addresses outside the cluster's pods.
import { selectorMatches } from "./workloads.mjs";

function ipToNumber(ip) {
  return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function inCidr(ip, cidr) {
  if (!ip || cidr.includes(":")) return false;
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToNumber(base) / size) * size;
  const n = ipToNumber(ip);
  return n >= start && n < start + size;
}

function peerMatches(peer, endpoint, policyNamespace) {
  if (peer.ipBlock) {
    return (
      inCidr(endpoint.ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((cidr) => inCidr(endpoint.ip, cidr))
    );
  }
  if (!endpoint.namespace) return false; // selectors pick pods only
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, endpoint.nsLabels)) return false;
  } else if (endpoint.namespace !== policyNamespace) {
    return false;
  }
  return peer.podSelector ? selectorMatches(peer.podSelector, endpoint.labels) : true;
}

// A rule's port entry against the receiving endpoint's port {name, port, protocol}.
function portMatches(entry, target) {
  if ((entry.protocol ?? "TCP") !== target.protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === "string" && !/^[0-9]+$/.test(entry.port)) {
    return target.name === entry.port;
  }
  const first = Number(entry.port);
  const last = entry.endPort ?? first;
  return target.port >= first && target.port <= last;
}

function ruleAllows(rule, peers, endpoint, target, policyNamespace) {
  const list = rule[peers];
  const peerOk =
    !list || list.length === 0 || list.some((peer) => peerMatches(peer, endpoint, policyNamespace));
  const portOk =
    !rule.ports ||
    rule.ports.length === 0 ||
    rule.ports.some((entry) => portMatches(entry, target));
  return peerOk && portOk;
}

function policyTypes(policy) {
  if (policy.spec.policyTypes) return policy.spec.policyTypes;
  return policy.spec.egress ? ["Ingress", "Egress"] : ["Ingress"];
}

function directionAllows(policies, subject, direction, other, target) {
  if (!subject.namespace) return true; // not a pod: no policy applies to it
  const selecting = policies.filter(
    (policy) =>
      policy.metadata.namespace === subject.namespace &&
      policyTypes(policy).includes(direction) &&
      selectorMatches(policy.spec.podSelector ?? {}, subject.labels),
  );
  if (selecting.length === 0) return true;
  const [rules, peers] = direction === "Ingress" ? ["ingress", "from"] : ["egress", "to"];
  return selecting.some((policy) =>
    (policy.spec[rules] ?? []).some((rule) =>
      ruleAllows(rule, peers, other, target, policy.metadata.namespace),
    ),
  );
}

// May `from` connect to `to` on `target` (one of to.ports)?
export function connectionAllowed(policies, from, to, target) {
  return (
    directionAllows(policies, from, "Egress", to, target) &&
    directionAllows(policies, to, "Ingress", from, target)
  );
}
