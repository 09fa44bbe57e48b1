// Cancelling an order through the console: the dialog asks first (backing out changes
// nothing), then the cancellation is sent and the page shows the order CANCELLED; a return of
// it, never delivered, is refused and the dialog shows the API's reason and message.
import { check, env, runScenario, signIn } from "./lib.mjs";

await runScenario("cancel", async ({ page, base, api }) => {
  const orderId = env("OMS_ORDER_ID");
  await signIn(page, base, `#/orders/${orderId}`);
  const orderStatus = page.locator("#order-status [data-status]");
  await page.locator("#order-id").filter({ hasText: orderId }).waitFor();
  check((await orderStatus.getAttribute("data-status")) === "CONFIRMED", "the order starts CONFIRMED");

  const dialog = page.locator("#confirm");
  await page.locator("#cancel-order").click();
  await dialog.waitFor({ state: "visible" });
  await page.locator("#confirm-cancel").click();
  await dialog.waitFor({ state: "hidden" });
  check((await api.get(`/v1/orders/${orderId}`)).status === "ORDER_STATUS_CONFIRMED",
    "backing out of the dialog cancels nothing");

  await page.locator("#cancel-order").click();
  await dialog.locator("input[name=reason]").fill("customer called");
  await page.locator("#confirm-ok").click();
  await dialog.waitFor({ state: "hidden" });
  await page.locator("#message").filter({ hasText: "Cancellation requested" }).waitFor();
  await page.locator('#order-status [data-status="CANCELLED"]').waitFor();

  check((await api.get(`/v1/orders/${orderId}`)).status === "ORDER_STATUS_CANCELLED",
    "the API says CANCELLED too");

  // A return of units never delivered: the API refuses, and the dialog stays open saying why.
  await page.locator("#create-return").click();
  await dialog.locator("input[name=MUG]").fill("1");
  await dialog.locator("input[name=reason]").fill("damaged");
  await page.locator("#confirm-ok").click();
  const refusal = page.locator("#confirm-error");
  await refusal.waitFor({ state: "visible" });
  const text = await refusal.innerText();
  check(/^[A-Z_]*DELIVERED: .+/.test(text), `the refusal shows the API's reason and message: ${text}`);
  check(await dialog.isVisible(), "the dialog stays open after a refusal");
  await page.locator("#confirm-cancel").click();
  await dialog.waitFor({ state: "hidden" });
  check(((await api.get(`/v1/returns?orderId=${orderId}`)).returns ?? []).length === 0,
    "the refused return was not created");
});
