// Retrying a parked saga through the console: the health strip counts it, the parked list
// shows it, the retry asks first, and afterwards the saga is running again and off the list.
import { check, env, runScenario, signIn } from "./lib.mjs";

await runScenario("saga-retry", async ({ page, base }) => {
  const sagaId = env("OMS_SAGA_ID");
  const orderId = env("OMS_ORDER_ID");
  await signIn(page, base);
  const count = page.locator("#parked-count");
  await count.waitFor();
  check(Number(await count.getAttribute("data-count")) >= 1, `the strip counts the parked saga: ${await count.innerText()}`);

  await count.click();
  const row = page.locator(`#sagas tr[data-saga-id="${sagaId}"]`);
  await row.waitFor();
  check((await row.innerText()).includes(orderId), `the row names the order: ${await row.innerText()}`);
  check((await row.locator("[data-status]").getAttribute("data-status")) === "NEEDS_ATTENTION",
    "the saga is parked");

  await row.locator(`[data-retry-saga="${sagaId}"]`).click();
  await page.locator("#confirm").waitFor({ state: "visible" });
  await page.locator("#confirm-ok").click();
  await page.locator("#message").filter({ hasText: `Saga ${sagaId} retried` }).waitFor();
  await row.waitFor({ state: "detached" });
});
