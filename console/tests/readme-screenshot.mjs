// A shipped order's page: its id, the live timeline with the SHIPPED event, the shipment
// SHIPPED; then the page's picture (OMS_SCREENSHOT_OUT), which docs/console-order.png is a copy
// of. Run by ConsoleE2eTest.AShippedOrdersPageShowsItsTimelineAndShipment, which places and ships
// the order first.
import { env, runScenario, signIn } from "./lib.mjs";

await runScenario("readme-screenshot", async ({ page, base }) => {
  const orderId = env("OMS_ORDER_ID");
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, base, `#/orders/${orderId}`);
  await page.locator("#order-id").filter({ hasText: orderId }).waitFor();
  await page.locator("#timeline-state.on").waitFor();
  await page.locator('#timeline-rows tr[data-kind="SHIPPED"]').waitFor();
  await page.locator('#shipments [data-status="SHIPPED"]').waitFor();
  await page.screenshot({ path: env("OMS_SCREENSHOT_OUT"), fullPage: true });
});
