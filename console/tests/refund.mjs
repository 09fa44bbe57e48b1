// Refunding a parcel returned to sender through the console: it offers both decisions, the
// dialog asks first (backing out changes nothing), then the order completes and the parcel
// offers neither any more.
import { check, env, runScenario, signIn } from "./lib.mjs";

await runScenario("refund", async ({ page, base, api }) => {
  const orderId = env("OMS_ORDER_ID");
  const parcel = env("OMS_SHIPMENT_ID");
  await signIn(page, base, `#/orders/${orderId}`);
  await page.locator("#order-id").filter({ hasText: orderId }).waitFor();
  const refund = page.locator(`#refund-${parcel}`);
  await refund.waitFor();
  check((await page.locator(`#reship-${parcel}`).count()) === 1, "the parcel offers a reship too");

  const dialog = page.locator("#confirm");
  await refund.click();
  await dialog.waitFor({ state: "visible" });
  await page.locator("#confirm-cancel").click();
  await dialog.waitFor({ state: "hidden" });
  check((await api.get(`/v1/orders/${orderId}`)).status !== "ORDER_STATUS_COMPLETED",
    "backing out of the dialog refunds nothing");

  await refund.click();
  await dialog.locator("input[name=note]").fill("customer moved away");
  await page.locator("#confirm-ok").click();
  await dialog.waitFor({ state: "hidden" });
  await page.locator("#message").filter({ hasText: "Refund requested" }).waitFor();
  await page.waitForFunction(
    (id) => !document.querySelector(`#refund-${id}`) && !document.querySelector(`#reship-${id}`),
    parcel);
  check((await api.get(`/v1/orders/${orderId}`)).status === "ORDER_STATUS_COMPLETED",
    "the refunded order completes");
});
