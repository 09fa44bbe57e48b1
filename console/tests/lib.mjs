// What every console scenario shares: Debian's chromium (never a browser Playwright downloads)
// started headless with a fresh profile, the console opened and signed in, failures saved as a
// screenshot, and the API called directly to make things happen while the page watches.
//
// Environment (set by gateway/tests/console_e2e_test.cc):
//   OMS_CONSOLE_URL      the gateway, e.g. http://127.0.0.1:41234
//   OMS_CONSOLE_KEY      an API key with the admin scope
//   OMS_SCREENSHOT_DIR   where a failed scenario saves its screenshot
// and the ids each scenario names (OMS_ORDER_ID, ...).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

// Each condition waited on has this long; a scenario as a whole gets SCENARIO_MS.
const WAIT_MS = 20000;
const SCENARIO_MS = 120000;

export class Failure extends Error {}
export function check(condition, message) {
  if (!condition) throw new Failure(message);
}

// Runs `scenario({ page, base, api })` and exits 0 when it finishes, 1 (after a screenshot)
// when it throws, when the page logs an error (a CSP violation, an uncaught exception), or when
// it takes too long.
export async function runScenario(name, scenario) {
  const base = env("OMS_CONSOLE_URL");
  const profile = mkdtempSync(path.join(tmpdir(), "oms-console-chromium-"));
  let context;
  let page;
  const pageErrors = [];
  const timer = setTimeout(() => {
    console.error(`${name}: did not finish within ${SCENARIO_MS} ms`);
    process.exit(1);
  }, SCENARIO_MS);
  let status = 0;
  try {
    // A persistent context, because it is Playwright's way to give chromium its own
    // --user-data-dir: a fresh profile per run, removed afterwards.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
      viewport: { width: 1400, height: 1000 },
    });
    context.setDefaultTimeout(WAIT_MS);
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => pageErrors.push(`uncaught: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(`console: ${message.text()}`);
    });
    await scenario({ page, base, api: apiClient(base) });
    // Failed requests the app handled (a 401 at sign-in, a 409 shown in a dialog) are logged by
    // chromium as console errors too; only the rest count.
    const unexpected = pageErrors.filter((e) => !/Failed to load resource: the server responded/.test(e));
    check(unexpected.length === 0, `the page logged errors:\n${unexpected.join("\n")}`);
    console.log(`${name}: passed`);
  } catch (error) {
    status = 1;
    console.error(`${name}: FAILED: ${error.stack ?? error}`);
    if (pageErrors.length) console.error(`page errors:\n${pageErrors.join("\n")}`);
    if (page) {
      try {
        const dir = env("OMS_SCREENSHOT_DIR");
        mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `${name}-${Date.now()}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.error(`screenshot: ${file}`);
      } catch (shotError) {
        console.error(`no screenshot: ${shotError.message}`);
      }
    }
  } finally {
    clearTimeout(timer);
    await context?.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
  process.exit(status);
}

// The console at /console/, signed in with the key: the order list is showing.
export async function signIn(page, base, hash = "") {
  await page.goto(`${base}/console/${hash}`);
  await page.locator("#credential").fill(env("OMS_CONSOLE_KEY"));
  await page.locator("#sign-in button[type=submit]").click();
  await page.locator("#nav").waitFor({ state: "visible" });
}

// The gateway's API as a client other than the page: what happens in the world meanwhile.
function apiClient(base) {
  const call = async (method, apiPath, body) => {
    const response = await fetch(`${base}${apiPath}`, {
      method,
      headers: {
        Authorization: `Bearer ${env("OMS_CONSOLE_KEY")}`,
        ...(method === "POST" ? { "Idempotency-Key": crypto.randomUUID() } : {}),
        ...(body ? { "Content-Type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.json().catch(() => ({}));
    check(response.ok, `${method} ${apiPath}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return { get: (p) => call("GET", p), post: (p, body) => call("POST", p, body) };
}
