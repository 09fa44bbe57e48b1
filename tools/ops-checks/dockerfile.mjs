// The Dockerfile against the build and the manifests: it builds on Debian 12 with the packages
// ./oms installs, builds exactly the binaries it copies, copies them from where CMake puts them
// to where the manifests' `command` runs them, installs in the runtime stage the package of
// every shared library they link, and runs as the numeric user the manifests' runAsUser names.
//
// usage: node dockerfile.mjs --build-dir=PATH --bin=NAME=PATH...
import { spawnSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { REPO, overlayNames, renderOverlay } from "./lib/render.mjs";
import { run } from "./lib/report.mjs";
import { containersOf, ofKind } from "./lib/workloads.mjs";

// Packages of ./oms's PACKAGES that only the tests, local runs and the benchmark use
// (clang-format: the format check of ./oms test; wrk: the load of ./oms bench; clang and
// libclang-rt-14-dev: the fuzzers of ./oms test; chromium: the console's browser tests).
const NOT_FOR_BUILDING = [
  "postgresql", "prometheus", "jq", "ccache", "clang-format", "wrk", "clang", "libclang-rt-14-dev",
  "chromium",
];
// Packages debian:12-slim already holds (apt itself needs them).
const IN_SLIM_BASE = ["libc6", "libgcc-s1", "libstdc++6", "zlib1g"];

function options() {
  const bins = new Map();
  let buildDir = null;
  for (const arg of process.argv.slice(2)) {
    const bin = /^--bin=([^=]+)=(.+)$/.exec(arg);
    const dir = /^--build-dir=(.+)$/.exec(arg);
    if (bin) bins.set(bin[1], bin[2]);
    else if (dir) buildDir = dir[1];
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!buildDir || bins.size === 0)
    throw new Error("usage: dockerfile.mjs --build-dir=PATH --bin=NAME=PATH...");
  return { bins, buildDir };
}

// Instructions with continuation lines joined and comments dropped, each tagged with its stage.
function parseDockerfile(text) {
  const instructions = [];
  let pending = "";
  let stage = -1;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line.startsWith("#") || line === "")) continue;
    if (line.startsWith("#")) continue;
    pending += ` ${line.replace(/\\$/, "")}`;
    if (line.endsWith("\\")) continue;
    const [, instruction, args] = /^\s*(\S+)\s*(.*)$/.exec(pending);
    pending = "";
    if (instruction.toUpperCase() === "FROM") stage++;
    instructions.push({ instruction: instruction.toUpperCase(), args: args.trim(), stage });
  }
  return instructions;
}

// `apt-get install [options] pkg...` in a RUN -> the packages.
function aptPackages(runArgs) {
  const packages = [];
  for (const command of runArgs.split("&&")) {
    const words = command.trim().split(/\s+/);
    const install = words.indexOf("install");
    if (!words.includes("apt-get") || install < 0) continue;
    packages.push(...words.slice(install + 1).filter((word) => !word.startsWith("-")));
  }
  return packages;
}

function omsPackages() {
  const result = spawnSync("bash", ["-c", 'source ./oms && printf "%s\\n" "${PACKAGES[@]}"'], {
    cwd: REPO,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`cannot read PACKAGES from ./oms: ${result.stderr}`);
  return result.stdout.split("\n").filter(Boolean);
}

// The libraries each binary links directly -> Map(binary -> Map(library -> resolved path)).
function linkedLibraries(binaries) {
  const result = new Map();
  for (const binary of binaries) {
    const dynamic = spawnSync("objdump", ["-p", binary], { encoding: "utf8" });
    if (dynamic.status !== 0)
      throw new Error(`objdump -p ${binary}: ${dynamic.stderr || dynamic.error?.message}`);
    const needed = [...dynamic.stdout.matchAll(/^\s*NEEDED\s+(\S+)$/gm)].map((m) => m[1]);
    const ldd = spawnSync("ldd", [binary], { encoding: "utf8" }).stdout ?? "";
    const libraries = new Map();
    for (const library of needed) {
      const resolved = new RegExp(`^\\s*${library.replace(/[.+]/g, "\\$&")} => (\\S+)`, "m").exec(
        ldd,
      )?.[1];
      if (!resolved) throw new Error(`${binary}: ldd does not resolve ${library}`);
      libraries.set(library, resolved);
    }
    result.set(binary, libraries);
  }
  return result;
}

// Resolved library paths -> Map(path -> Debian package), with one dpkg query. dpkg records a file
// under the path its package ships it at (/lib or /usr/lib, before or after symlinks).
function owningPackages(paths) {
  const variants = new Map();
  for (const file of paths) {
    variants.set(file, [
      ...new Set([
        file,
        realpathSync(file),
        file.replace(/^\/usr\/lib\//, "/lib/"),
        file.replace(/^\/lib\//, "/usr/lib/"),
      ]),
    ]);
  }
  const query = spawnSync("dpkg", ["-S", ...new Set([...variants.values()].flat())], {
    encoding: "utf8",
  });
  if (query.error) throw new Error(`dpkg -S: ${query.error.message}`);
  const owner = new Map();
  for (const line of query.stdout.split("\n")) {
    const match = /^([^:,\s]+)(?::[a-z0-9]+)?: (\S+)$/.exec(line);
    if (match) owner.set(match[2], match[1]);
  }
  return new Map(
    [...variants].map(([file, names]) => [
      file,
      names.map((name) => owner.get(name)).find(Boolean),
    ]),
  );
}

await run("dockerfile", async (checks) => {
  const { bins, buildDir } = options();
  const instructions = parseDockerfile(readFileSync(path.join(REPO, "Dockerfile"), "utf8"));
  const froms = instructions.filter((i) => i.instruction === "FROM");
  checks.ok(froms.length >= 2, "Dockerfile: a build stage and a run stage");
  const [builderImage, , builderName] = (froms[0]?.args ?? "").split(/\s+/);
  const finalStage = froms.length - 1;
  checks.ok(
    ["debian:12", "debian:bookworm"].includes(builderImage),
    `Dockerfile: builds on Debian 12 (found ${builderImage})`,
  );
  checks.ok(
    ["debian:12-slim", "debian:bookworm-slim"].includes(froms[finalStage]?.args),
    `Dockerfile: runs on Debian 12 slim (found ${froms[finalStage]?.args})`,
  );
  const inStage = (stage, instruction) =>
    instructions.filter((i) => i.stage === stage && i.instruction === instruction);

  // Build stage: ./oms's packages, cmake and the targets.
  const builderPackages = inStage(0, "RUN").flatMap((i) => aptPackages(i.args));
  for (const pkg of omsPackages().filter((p) => !NOT_FOR_BUILDING.includes(p))) {
    checks.ok(
      builderPackages.includes(pkg),
      `Dockerfile: the build stage installs ${pkg} (PACKAGES of ./oms)`,
    );
  }
  const workdir = inStage(0, "WORKDIR").at(-1)?.args ?? "/";
  const cmake = inStage(0, "RUN")
    .map((i) => i.args)
    .join(" && ");
  const binaryDir = /cmake\s[^&]*-B\s*(\S+)/.exec(cmake)?.[1];
  checks.ok(binaryDir, "Dockerfile: configures with cmake -B <dir>");
  checks.ok(/-G\s*Ninja/.test(cmake), "Dockerfile: configures for Ninja");
  const targets = (/cmake --build\s+\S+\s+--target\s+([^&]+)/.exec(cmake)?.[1] ?? "")
    .trim()
    .split(/\s+/)
    .filter(Boolean);

  // Run stage: what is copied where.
  const copies = inStage(finalStage, "COPY")
    .map((i) => /^--from=(\S+)\s+(\S+)\s+(\S+)$/.exec(i.args))
    .filter(Boolean)
    .map(([, from, source, destination]) => ({
      from,
      source,
      destination,
      name: path.posix.basename(destination),
    }));
  checks.ok(copies.length > 0, "Dockerfile: copies binaries from the build stage");
  checks.equal(
    [...copies.map((c) => c.name)].sort().join(" "),
    [...targets].sort().join(" "),
    "Dockerfile: the binaries copied are the targets built",
  );
  for (const copy of copies) {
    checks.ok(
      copy.from === builderName || copy.from === "0",
      `Dockerfile: ${copy.name} comes from the build stage`,
    );
    const binary = bins.get(copy.name);
    if (
      !checks.ok(
        binary,
        `Dockerfile: ${copy.name} is a binary of the build (${[...bins.keys()].join(", ")})`,
      )
    )
      continue;
    const expected = path.posix.join(workdir, binaryDir ?? "", path.relative(buildDir, binary));
    checks.equal(
      copy.source,
      expected,
      `Dockerfile: ${copy.name} is copied from where CMake builds it`,
    );
    checks.ok(
      copy.destination.startsWith("/usr/local/bin/"),
      `Dockerfile: ${copy.name} goes to /usr/local/bin`,
    );
  }

  // Runtime libraries.
  const runtimePackages = new Set([
    ...inStage(finalStage, "RUN").flatMap((i) => aptPackages(i.args)),
    ...IN_SLIM_BASE,
  ]);
  const shipped = copies.filter((copy) => bins.has(copy.name));
  const linked = linkedLibraries(shipped.map((copy) => bins.get(copy.name)));
  const owners = owningPackages(
    [...linked.values()].flatMap((libraries) => [...libraries.values()]),
  );
  for (const copy of shipped) {
    for (const [library, file] of linked.get(bins.get(copy.name))) {
      const pkg = owners.get(file);
      checks.ok(
        pkg,
        `Dockerfile: a Debian package ships ${file} (${library}, linked by ${copy.name})`,
      );
      checks.ok(
        runtimePackages.has(pkg),
        `Dockerfile: the run stage installs ${pkg} (${library}, linked by ${copy.name})`,
      );
    }
  }

  // The user, and what the manifests run.
  const user = inStage(finalStage, "USER").at(-1)?.args ?? "";
  const [uid, gid] = user.split(":");
  checks.ok(
    /^[1-9][0-9]*$/.test(uid ?? ""),
    `Dockerfile: USER is a numeric non-root uid (found "${user}")`,
  );
  const destinations = new Set(copies.map((c) => c.destination));
  // Files copied from the source tree (the console), by where they go.
  const sourceCopies = new Set(
    inStage(finalStage, "COPY")
      .filter((i) => !i.args.startsWith("--from="))
      .map((i) => i.args.split(/\s+/).at(-1).replace(/\/$/, "")),
  );
  for (const overlay of overlayNames()) {
    for (const deployment of ofKind(renderOverlay(overlay), "Deployment")) {
      const pod = deployment.spec.template.spec;
      for (const container of containersOf(deployment)) {
        const where = `${overlay}: ${deployment.metadata.name}`;
        checks.ok(
          destinations.has(container.command?.[0]),
          `${where}: runs ${container.command?.[0]}, which the image holds`,
        );
        for (const kind of ["startupProbe", "livenessProbe", "readinessProbe"]) {
          const probe = container[kind]?.exec?.command?.[0];
          if (probe === undefined) continue;
          checks.ok(
            destinations.has(probe),
            `${where}: ${kind} runs ${probe}, which the image holds`,
          );
        }
        const consoleDir = (container.args ?? [])
          .map((arg) => /^--console_dir=(.+)$/.exec(arg)?.[1])
          .find(Boolean);
        if (consoleDir !== undefined) {
          checks.ok(
            sourceCopies.has(consoleDir.replace(/\/$/, "")),
            `${where}: --console_dir=${consoleDir} is where the image copies console/`,
          );
        }
        checks.equal(
          String(container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser),
          uid,
          `${where}: runAsUser is the image's USER`,
        );
        if (gid !== undefined) {
          checks.equal(
            String(container.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup),
            gid,
            `${where}: runAsGroup is the image's group`,
          );
        }
      }
    }
  }
});
