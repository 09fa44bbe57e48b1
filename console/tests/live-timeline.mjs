// The order page's timeline is live: an event a warehouse posts through the API appears on the
// open page without a reload, and the shipment's status on the page moves with it; an event
// recorded through the console's dialog does the same.
import { check, env, runScenario, signIn } from "./lib.mjs";

await runScenario("live-timeline", async ({ page, base, api }) => {
  const orderId = env("OMS_ORDER_ID");
  const shipmentId = env("OMS_SHIPMENT_ID");
  await signIn(page, base, `#/orders/${orderId}`);
  await page.locator("#order-id").filter({ hasText: orderId }).waitFor();
  await page.locator("#timeline-state.on").waitFor();
  await page.locator("#timeline-rows tr").first().waitFor();
  const picked = page.locator('#timeline-rows tr[data-source="shipping"][data-kind="PICKED"]');
  check((await picked.count()) === 0, "no PICKED event before the warehouse posts one");
  const before = await page.locator("#timeline-rows tr").count();
  // Gone if the page were reloaded.
  await page.evaluate(() => (window.omsLoadMarker = "still the same page"));

  await api.post(`/v1/shipments/${shipmentId}/events`, {
    type: "PICKED", occurredAt: new Date().toISOString(), location: "Hamburg",
  });

  await picked.waitFor();
  check((await page.locator("#timeline-rows tr").count()) > before, "the timeline grew");
  check((await page.evaluate(() => window.omsLoadMarker)) === "still the same page",
    "the event appeared without a reload");
  check((await picked.innerText()).includes(shipmentId), `the row names the shipment: ${await picked.innerText()}`);
  // The rest of the page is read again after a live event.
  await page.locator('#shipments [data-status="PICKED"]').waitFor();

  // The next event recorded through the console's own dialog arrives the same way.
  await page.locator(`#shipments button[data-shipment-id="${shipmentId}"]`).click();
  const dialog = page.locator("#confirm");
  await dialog.locator("select[name=type]").selectOption("PACKED");
  await dialog.locator("input[name=location]").fill("Hamburg dock 3");
  await page.locator("#confirm-ok").click();
  await page.locator("#message").filter({ hasText: "Event recorded" }).waitFor();
  await page.locator('#timeline-rows tr[data-source="shipping"][data-kind="PACKED"]').waitFor();
  await page.locator('#shipments [data-status="PACKED"]').waitFor();
  check((await page.evaluate(() => window.omsLoadMarker)) === "still the same page",
    "still no reload");
});
