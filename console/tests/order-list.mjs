// An order placed through the API is in the console's list: filtered by its customer it is
// there with its status, filtered by another status it is not, and its link opens its page.
import { check, env, runScenario, signIn } from "./lib.mjs";

await runScenario("order-list", async ({ page, base }) => {
  const orderId = env("OMS_ORDER_ID");
  const customerId = env("OMS_CUSTOMER_ID");
  await signIn(page, base);
  const row = page.locator(`#orders tr[data-order-id="${orderId}"]`);

  const filters = page.locator("#order-filters");
  await filters.locator("input[name=customerId]").fill(customerId);
  await filters.locator("button[type=submit]").click();
  await row.waitFor();
  check((await row.locator("[data-status]").getAttribute("data-status")) === "CONFIRMED",
    `the order is listed as CONFIRMED: ${await row.innerText()}`);
  check(page.url().includes(`customerId=${customerId}`), `the filter is in the URL: ${page.url()}`);

  await filters.locator("select[name=status]").selectOption("CANCELLED");
  await filters.locator("button[type=submit]").click();
  // The filters live in the hash: a same-document navigation, which fires no load event to
  // wait for (waitForURL timed out on a loaded machine). The hash itself is what counts.
  await page.waitForFunction(() => location.hash.includes("status=CANCELLED"));
  await page.locator("#orders").waitFor();
  await row.waitFor({ state: "detached" });

  await filters.locator("select[name=status]").selectOption("CONFIRMED");
  await filters.locator("input[name=sku]").fill("MUG");
  await filters.locator("button[type=submit]").click();
  await row.waitFor();
  await row.locator("a").click();
  await page.locator("#order-id").filter({ hasText: orderId }).waitFor();
  await page.locator("#order-lines td").filter({ hasText: "MUG" }).first().waitFor();
});
