// A throw-away CA for a check, made with openssl: it stands in for cert-manager, issuing each
// Certificate's Secret (ca.crt, tls.crt, tls.key) with the URIs the manifest asks for.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

function openssl(args, what) {
  const result = spawnSync("openssl", args, { encoding: "utf8", timeout: 30000 });
  if (result.status !== 0)
    throw new Error(`openssl could not ${what}: ${result.stderr || result.error?.message}`);
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export class TestPki {
  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), "oms-k8s-pki-"));
    this.caCert = path.join(this.dir, "ca.crt");
    this.caKey = path.join(this.dir, "ca.key");
    openssl(
      ["req", "-x509", ...EC_KEY, "-keyout", this.caKey, "-out", this.caCert, "-days", "1"]
        .concat(["-subj", "/CN=oms check CA"]),
      "make a CA",
    );
  }

  // The Secret `secretName` as cert-manager would fill it -> its directory.
  issue(secretName, uris) {
    const dir = path.join(this.dir, secretName);
    mkdirSync(dir, { recursive: true });
    const ext = path.join(dir, "ext.cnf");
    writeFileSync(
      ext,
      [
        "[leaf]",
        "basicConstraints=CA:FALSE",
        "keyUsage=digitalSignature",
        "extendedKeyUsage=serverAuth,clientAuth",
        `subjectAltName=${uris.map((uri) => `URI:${uri}`).join(",")}`,
      ].join("\n"),
    );
    const request = path.join(dir, "req.pem");
    const key = path.join(dir, "tls.key");
    openssl(
      ["req", ...EC_KEY, "-keyout", key, "-out", request, "-subj", `/CN=${secretName}`],
      `make a key for ${secretName}`,
    );
    const signing = ["-CA", this.caCert, "-CAkey", this.caKey, "-CAcreateserial", "-days", "1"];
    openssl(
      ["x509", "-req", "-in", request, ...signing, "-extfile", ext, "-extensions", "leaf"].concat(
        ["-out", path.join(dir, "tls.crt")],
      ),
      `sign ${secretName}`,
    );
    openssl(["x509", "-in", this.caCert, "-out", path.join(dir, "ca.crt")], "copy the CA");
    return dir;
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
