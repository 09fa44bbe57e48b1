// An order placed through the API is in the console's list: filtered by its customer it is
// there with its status, filtered by another status it is not, and its link opens its page.
import { check, env, runScenario, signIn } from "./lib.mjs";

// Submits the filters and waits for the page they ask for. The form and the list are drawn anew
// once the orders arrive, so nothing may be typed into the old form meanwhile (a selection made
// there is lost: the search that follows would not carry it).
async function search(page) {
  const list = await page.locator("#orders").elementHandle();
  await page.locator("#order-filters button[type=submit]").click();
  await page.waitForFunction((old) => !old.isConnected && document.querySelector("#orders"), list);
}

await runScenario("order-list", async ({ page, base }) => {
  const orderId = env("OMS_ORDER_ID");
  const customerId = env("OMS_CUSTOMER_ID");
  await signIn(page, base);
  const row = page.locator(`#orders tr[data-order-id="${orderId}"]`);

  const filters = page.locator("#order-filters");
  await page.locator("#orders").waitFor();
  await filters.locator("input[name=customerId]").fill(customerId);
  await search(page);
  await row.waitFor();
  check((await row.locator("[data-status]").getAttribute("data-status")) === "CONFIRMED",
    `the order is listed as CONFIRMED: ${await row.innerText()}`);
  check(page.url().includes(`customerId=${customerId}`), `the filter is in the URL: ${page.url()}`);

  await filters.locator("select[name=status]").selectOption("CANCELLED");
  await search(page);
  check(page.url().includes("status=CANCELLED"), `the status filter is in the URL: ${page.url()}`);
  await row.waitFor({ state: "detached" });

  await filters.locator("select[name=status]").selectOption("CONFIRMED");
  await filters.locator("input[name=sku]").fill("MUG");
  await search(page);
  await row.waitFor();
  await row.locator("a").click();
  await page.locator("#order-id").filter({ hasText: orderId }).waitFor();
  await page.locator("#order-lines td").filter({ hasText: "MUG" }).first().waitFor();
});
