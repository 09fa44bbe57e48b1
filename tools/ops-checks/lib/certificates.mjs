// The mutual-TLS identity of a pod's container as the manifests give it: the OMS_TLS_* variables,
// the Secret volume they point into, the cert-manager Certificate that fills that Secret, and the
// chain of Issuers that signs it.
import { named } from "./workloads.mjs";

export const SPIFFE_PREFIX = "spiffe://oms/";
// Variable -> the key of a cert-manager Secret it must name.
export const TLS_FILES = {
  OMS_TLS_CA_FILE: "ca.crt",
  OMS_TLS_CERT_FILE: "tls.crt",
  OMS_TLS_KEY_FILE: "tls.key",
};

// -> { problems, secretName, mountPath, mode, certificate, files } where files maps each
// variable to its path; `problems` says what does not resolve.
export function tlsMountOf(objects, namespace, pod, container) {
  const problems = [];
  const value = (name) => (container.env ?? []).find((v) => v.name === name)?.value;
  const files = {};
  let mount = null;
  for (const [variable, key] of Object.entries(TLS_FILES)) {
    const file = value(variable);
    if (!file) {
      problems.push(`${variable} is not set to a path`);
      continue;
    }
    files[variable] = file;
    const found = (container.volumeMounts ?? []).find((m) => file === `${m.mountPath}/${key}`);
    if (!found) problems.push(`${variable}=${file} is not <a volume mount>/${key}`);
    else if (mount && mount !== found) problems.push(`${variable} points into another mount`);
    else mount = found;
  }
  if (!mount) return { problems, files };
  if (mount.subPath) problems.push(`the certificate mount uses subPath (never updated in place)`);
  const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
  const secretName = volume?.secret?.secretName;
  if (!secretName) {
    problems.push(`volume ${mount.name} is not a Secret volume`);
    return { problems, files };
  }
  const certificate = (objects ?? []).find(
    (o) =>
      o.kind === "Certificate" &&
      o.apiVersion?.startsWith("cert-manager.io/") &&
      o.metadata?.namespace === namespace &&
      o.spec?.secretName === secretName,
  );
  if (!certificate)
    problems.push(`no rendered cert-manager Certificate fills Secret ${secretName}`);
  return {
    problems,
    files,
    secretName,
    mountPath: mount.mountPath,
    mode: volume.secret.defaultMode ?? 0o644,
    certificate,
  };
}

// The Issuer a Certificate names, and what it signs with -> { problems, ca } where `ca` is the CA
// Certificate behind a CA Issuer, itself issued by a self-signed Issuer.
export function issuerChainOf(objects, namespace, certificate) {
  const problems = [];
  const issuerOf = (cert) => {
    const ref = cert.spec?.issuerRef ?? {};
    const group = ref.group ?? "cert-manager.io";
    if ((ref.kind ?? "Issuer") !== "Issuer" || group !== "cert-manager.io") {
      problems.push(`Certificate ${cert.metadata.name} is issued by a ${ref.kind} of ${ref.group}`);
      return null;
    }
    const issuer = named(objects, "Issuer", ref.name);
    if (!issuer || issuer.metadata.namespace !== namespace)
      problems.push(`Issuer ${ref.name} of Certificate ${cert.metadata.name} is not rendered`);
    return issuer;
  };
  const issuer = issuerOf(certificate);
  if (!issuer) return { problems };
  const caSecret = issuer.spec?.ca?.secretName;
  if (!caSecret) {
    problems.push(`Issuer ${issuer.metadata.name} is not a CA Issuer`);
    return { problems };
  }
  const ca = (objects ?? []).find(
    (o) => o.kind === "Certificate" && o.spec?.secretName === caSecret && o.spec?.isCA === true,
  );
  if (!ca) {
    problems.push(`no rendered CA Certificate (isCA) fills Secret ${caSecret}`);
    return { problems };
  }
  const root = issuerOf(ca);
  if (root && !root.spec?.selfSigned)
    problems.push(`Issuer ${root.metadata.name} is not self-signed`);
  return { problems, ca };
}
