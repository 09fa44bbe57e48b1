// Stock through the console: a product's availability per warehouse, a receipt of units behind
// a confirmation (the page then shows the new figure), and a warehouse's pick queue holding the
// shipment of an order just placed.
import { check, env, runScenario, signIn } from "./lib.mjs";

await runScenario("stock", async ({ page, base, api }) => {
  const warehouseId = env("OMS_WAREHOUSE_ID");
  const shipmentId = env("OMS_SHIPMENT_ID");
  await signIn(page, base, "#/stock");
  const lookup = page.locator("#availability-form");
  await lookup.locator("input[name=sku]").fill("MUG");
  await lookup.locator("button[type=submit]").click();
  const ham = page.locator('#availability tr[data-warehouse="HAM-1"]');
  await ham.waitFor();
  const before = Number(await ham.locator("td").nth(3).innerText());
  const level = (await api.get("/v1/products/MUG/availability")).levels.find((l) => l.warehouseCode === "HAM-1");
  check(before === Number(level.available ?? 0), `the page shows what the API says: ${before} vs ${level.available}`);

  const adjust = page.locator("#adjust-form");
  await adjust.locator("select[name=warehouseId]").selectOption(warehouseId);
  await adjust.locator("input[name=delta]").fill("5");
  await adjust.locator("select[name=reason]").selectOption("RECEIPT");
  await adjust.locator("input[name=note]").fill("console test delivery");
  await adjust.locator("button[type=submit]").click();
  await page.locator("#confirm").waitFor({ state: "visible" });
  await page.locator("#confirm-ok").click();
  await page.locator("#message").filter({ hasText: `MUG: ${before + 5} available at HAM-1` }).waitFor();

  const queue = page.locator("#pick-queue-form");
  await queue.locator("select[name=warehouse]").selectOption(warehouseId);
  await queue.locator("button[type=submit]").click();
  const row = page.locator(`#pick-queue tr[data-shipment-id="${shipmentId}"]`);
  await row.waitFor();
  check((await row.locator("[data-status]").getAttribute("data-status")) === "PENDING",
    `the shipment waits to be picked: ${await row.innerText()}`);
  // The availability shown for the warehouse chosen is read again with the new figure.
  await page.locator(`#availability tr[data-warehouse="HAM-1"] td:nth-child(4)`).filter({ hasText: String(before + 5) }).waitFor();
});
