// An order with a channel's coupon and shipping charge: its page shows the discount with the
// coupon's code, on the line that carries it and on the order, and the shipping charge.
import { check, env, runScenario, signIn } from "./lib.mjs";

await runScenario("discounts", async ({ page, base, api }) => {
  const orderId = env("OMS_ORDER_ID");
  await signIn(page, base, `#/orders/${orderId}`);
  await page.locator("#order-id").filter({ hasText: orderId }).waitFor();
  const order = await api.get(`/v1/orders/${orderId}`);
  const discount = await page.locator("#order-discount").innerText();
  check(discount.startsWith("−") && discount.includes("WELCOME1"),
    `the order's discount names its coupon: ${discount}`);
  check(discount.includes((Number(order.discount.amountMinor) / 100).toFixed(2)),
    `the order's discount is the API's ${order.discount.amountMinor}: ${discount}`);
  const shipping = await page.locator("#order-shipping").innerText();
  check(shipping.includes("4.95"), `the shipping charge is shown: ${shipping}`);
  const line = await page.locator("#order-lines td").filter({ hasText: "WELCOME1" }).count();
  check(line === 0, "a line shows only its own adjustments' codes");
  const lineDiscount = await page.locator("#order-lines td").filter({ hasText: "−" }).innerText();
  check(lineDiscount.includes((Number(order.lines[0].discount.amountMinor) / 100).toFixed(2)),
    `the line's share of the coupon is shown: ${lineDiscount}`);
});
