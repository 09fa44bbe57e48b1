// Reshipping a parcel returned to sender through the console: only that parcel offers it, the
// dialog asks first (backing out changes nothing), then the replacement appears on the order's
// page, naming the parcel it replaces, and the parcel offers it no more.
import { check, env, runScenario, signIn } from "./lib.mjs";

await runScenario("reship", async ({ page, base, api }) => {
  const orderId = env("OMS_ORDER_ID");
  const parcel = env("OMS_SHIPMENT_ID");
  await signIn(page, base, `#/orders/${orderId}`);
  await page.locator("#order-id").filter({ hasText: orderId }).waitFor();
  const reship = page.locator(`#reship-${parcel}`);
  await reship.waitFor();
  check((await page.locator("[id^=reship-]").count()) === 1, "only the returned parcel offers a reship");

  const dialog = page.locator("#confirm");
  await reship.click();
  await dialog.waitFor({ state: "visible" });
  await page.locator("#confirm-cancel").click();
  await dialog.waitFor({ state: "hidden" });
  check(((await api.get(`/v1/shipments?orderId=${orderId}`)).shipments ?? []).length === 1,
    "backing out of the dialog reships nothing");

  await reship.click();
  await dialog.locator("input[name=note]").fill("address corrected");
  await page.locator("#confirm-ok").click();
  await dialog.waitFor({ state: "hidden" });
  await page.locator("#message").filter({ hasText: "Reship requested" }).waitFor();
  await page.locator(`#shipments [data-replaces="${parcel}"]`).waitFor();
  check((await page.locator("[id^=reship-]").count()) === 0, "a parcel is reshipped once");
});
