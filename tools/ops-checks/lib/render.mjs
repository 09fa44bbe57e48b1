// Renders the kustomize overlays with `kubectl kustomize` (kustomize as built into kubectl) and
// parses the output into plain objects.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

// tools/ops-checks/lib -> the repository root.
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const K8S = path.join(REPO, "k8s");

// Every directory of k8s/overlays that holds a kustomization.yaml, sorted.
export function overlayNames() {
  const dir = path.join(K8S, "overlays");
  const names = readdirSync(dir, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() && existsSync(path.join(dir, entry.name, "kustomization.yaml")),
    )
    .map((entry) => entry.name)
    .sort();
  if (names.length === 0) throw new Error(`no overlay in ${dir}`);
  return names;
}

export function kustomize(dir) {
  try {
    return execFileSync("kubectl", ["kustomize", dir], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 << 20,
    });
  } catch (error) {
    if (error.code === "ENOENT") {
      throw new Error(
        "kubectl is not on PATH: install kubectl (it brings kustomize) to run these checks",
      );
    }
    throw new Error(`kubectl kustomize ${dir} failed: ${error.stderr || error.message}`);
  }
}

// The objects of one overlay, in kustomize's order.
export function renderOverlay(name) {
  const text = kustomize(path.join(K8S, "overlays", name));
  return yaml.loadAll(text).filter((doc) => doc !== null && doc !== undefined);
}

export function renderAll() {
  return new Map(overlayNames().map((name) => [name, renderOverlay(name)]));
}

export function describe(object) {
  const ns = object?.metadata?.namespace ? `${object.metadata.namespace}/` : "";
  return `${object?.kind}/${ns}${object?.metadata?.name}`;
}
