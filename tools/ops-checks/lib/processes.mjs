// Starting the real binaries for a check: a fresh database and role per service on the test
// PostgreSQL (OMS_TEST_PG_URL), processes on loopback with ports they pick themselves, stopped by
// PID. Nothing here leaves the machine.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function psqlBinary() {
  const found = spawnSync("sh", ["-c", "command -v psql"], { encoding: "utf8" }).stdout.trim();
  if (found) return found;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const candidate = path.join(root, version, "bin", "psql");
    if (existsSync(candidate)) return candidate;
  }
  throw new Error("psql not found: install postgresql-client (./oms setup)");
}

function psql(adminUrl, sql) {
  const result = spawnSync(psqlBinary(), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", adminUrl], {
    input: sql,
    encoding: "utf8",
    timeout: 60000,
  });
  if (result.status !== 0)
    throw new Error(`psql failed: ${result.stderr || result.error?.message}`);
}

export class Databases {
  constructor(adminUrl) {
    if (!adminUrl)
      throw new Error("OMS_TEST_PG_URL is not set: run through ./oms test (or export it)");
    this.adminUrl = adminUrl;
    this.names = [];
  }

  // A database owned by a role of the same name that alone may connect -> its libpq URL.
  create(label) {
    const name = `k8s_${label.replace(/[^a-z0-9]/g, "_")}_${process.pid}_${this.names.length}`;
    const password = randomBytes(12).toString("hex");
    psql(
      this.adminUrl,
      [
        `CREATE ROLE ${name} LOGIN PASSWORD '${password}';`,
        `CREATE DATABASE ${name} OWNER ${name};`,
        `REVOKE CONNECT ON DATABASE ${name} FROM PUBLIC;`,
      ].join("\n"),
    );
    this.names.push(name);
    const url = new URL(this.adminUrl);
    url.username = name;
    url.password = password;
    url.pathname = `/${name}`;
    return url.toString();
  }

  dropAll() {
    for (const name of this.names.splice(0)) {
      try {
        psql(
          this.adminUrl,
          `DROP DATABASE IF EXISTS ${name} WITH (FORCE);\nDROP ROLE IF EXISTS ${name};`,
        );
      } catch (error) {
        console.error(`cannot drop ${name}: ${error.message}`);
      }
    }
  }
}

// Every process started and not yet reaped: killed by PID if this check is itself stopped.
const live = new Set();
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    for (const child of live) child.kill("SIGKILL");
    process.exit(1);
  });
}

export class Process {
  // Starts `binary args` with exactly `env` (nothing inherited); output goes to a log file.
  constructor(name, binary, args, env) {
    this.name = name;
    this.dir = mkdtempSync(path.join(os.tmpdir(), `oms-k8s-${name}-`));
    this.log = path.join(this.dir, "process.log");
    this.readyFile = path.join(this.dir, "ready.json");
    this.args = [...args, `--ready_file=${this.readyFile}`];
    const out = openSync(this.log, "w");
    this.child = spawn(binary, this.args, {
      env: Object.fromEntries(env),
      stdio: ["ignore", out, out],
    });
    closeSync(out); // the child holds its own copy
    live.add(this.child);
    this.exit = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        live.delete(this.child);
        resolve({ code, signal });
      });
      this.child.on("error", (error) => resolve({ code: null, signal: null, error }));
    });
    this.exited = null;
    this.exit.then((status) => {
      this.exited = status;
    });
  }

  logTail(lines = 30) {
    try {
      return readFileSync(this.log, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  // The ports it bound, from its ready file -> object, or throws with the end of its log.
  async ready(timeoutMs = 60000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited)
        throw new Error(`${this.name} exited (${JSON.stringify(this.exited)}):\n${this.logTail()}`);
      if (existsSync(this.readyFile)) return JSON.parse(readFileSync(this.readyFile, "utf8"));
      await sleep(50);
    }
    throw new Error(`${this.name} wrote no ready file in ${timeoutMs} ms:\n${this.logTail()}`);
  }

  // SIGTERM, then SIGKILL after timeoutMs -> { code, signal, ms }.
  async stop(timeoutMs) {
    const started = Date.now();
    if (!this.exited) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (!this.exited) this.child.kill("SIGKILL");
      }, timeoutMs);
      await this.exit;
      clearTimeout(timer);
    }
    return { ...this.exited, ms: Date.now() - started };
  }

  cleanup() {
    if (!this.exited) this.child.kill("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// Runs a command to its end, with `env` (a Map) or only PATH -> { status, output }.
export function runCommand(binary, args, { env = null, timeoutMs = 60000 } = {}) {
  const result = spawnSync(binary, args, {
    encoding: "utf8",
    timeout: timeoutMs,
    env: env ? Object.fromEntries(env) : { PATH: process.env.PATH },
  });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim() };
}

export async function httpGet(port, pathname, headers = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${pathname}`, {
    headers,
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, body: await response.text() };
}

// Polls GET until it answers `status` -> the last answer.
export async function httpGetUntil(port, pathname, status, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = { status: 0, body: "" };
  while (Date.now() < deadline) {
    try {
      last = await httpGet(port, pathname);
      if (last.status === status) return last;
    } catch (error) {
      last = { status: 0, body: error.message };
    }
    await sleep(200);
  }
  return last;
}

export function randomSecret() {
  return randomBytes(24).toString("hex");
}
