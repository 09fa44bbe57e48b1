// The flags a binary accepts, as it lists them itself (`--helpfull` of Abseil's flags library):
// the checks compare the manifests with this, never with a copy of the flags.
import { spawnSync } from "node:child_process";

const cache = new Map();

// -> Map(flag name -> default value as printed, e.g. "10" or "\"127.0.0.1:50052\"").
export function binaryFlags(binary) {
  if (cache.has(binary)) return cache.get(binary);
  const result = spawnSync(binary, ["--helpfull"], {
    encoding: "utf8",
    timeout: 30000,
    env: { PATH: process.env.PATH },
  });
  if (result.error) throw new Error(`cannot run ${binary} --helpfull: ${result.error.message}`);
  const text = `${result.stdout}\n${result.stderr}`;
  // Each flag: "    --name (help); default: value;" with continuation lines indented further.
  const flags = new Map();
  let current = null;
  for (const line of text.split("\n")) {
    const start = /^ {4}--([A-Za-z0-9_]+) \((.*)$/.exec(line);
    if (start) {
      current = { name: start[1], text: start[2] };
      flags.set(current.name, "");
    } else if (current && /^ {6}\S/.test(line)) {
      current.text += ` ${line.trim()}`;
    } else {
      current = null;
      continue;
    }
    const value = /; default: (.*);$/.exec(current.text);
    if (value) flags.set(current.name, value[1]);
  }
  if (flags.size === 0)
    throw new Error(`${binary} --helpfull listed no flag:\n${text.slice(0, 2000)}`);
  cache.set(binary, flags);
  return flags;
}

// Flags whose default is a peer on this host: a container must always set them, or it would
// call itself.
export function loopbackPeerFlags(flags) {
  return [...flags]
    .filter(([, value]) => /^"(127\.0\.0\.1|localhost|\[::1\]):[0-9]+"$/.test(value))
    .map(([name]) => name);
}
