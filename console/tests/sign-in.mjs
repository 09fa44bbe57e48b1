// Signing in and out: a refused credential is shown with the API's reason and nothing opens; the
// right one opens the orders and the health strip (parked sagas, consumer lag), kept in this
// tab's sessionStorage only; sign-out forgets it, and a reload stays signed out.
import { check, env, runScenario } from "./lib.mjs";

await runScenario("sign-in", async ({ page, base }) => {
  await page.goto(`${base}/console/`);
  await page.locator("#sign-in").waitFor({ state: "visible" });
  check(await page.locator("#nav").isHidden(), "the navigation is hidden before sign-in");
  await page.locator("#health-ready .ok").filter({ hasText: "SERVING" }).waitFor();

  await page.locator("#credential").fill("oms_not-a-valid-key-0123456789abcdef");
  await page.locator("#sign-in button[type=submit]").click();
  await page.locator("#message").filter({ hasText: "INVALID_CREDENTIALS" }).waitFor();
  check(await page.locator("#nav").isHidden(), "a refused credential opens nothing");
  check((await page.evaluate(() => sessionStorage.getItem("oms.credential"))) === null,
    "a refused credential is not kept");

  await page.locator("#credential").fill(env("OMS_CONSOLE_KEY"));
  await page.locator("#sign-in button[type=submit]").click();
  await page.locator("#nav").waitFor({ state: "visible" });
  await page.locator("#orders").waitFor();
  await page.locator("#parked-count").waitFor();
  const lag = page.locator("#consumer-lag");
  await lag.waitFor();
  check(/^consumer lag: \d+\.\d s$/.test(await lag.innerText()), "the health strip shows the consumer lag");
  const consumers = await lag.getAttribute("title");
  check(consumers.includes("shipping-events: ") && consumers.includes("customer-notifier: "),
    `each consumer's lag is listed: ${consumers}`);
  check((await page.evaluate(() => sessionStorage.getItem("oms.credential"))) === env("OMS_CONSOLE_KEY"),
    "the credential is kept in sessionStorage");
  check((await page.evaluate(() => localStorage.length)) === 0, "nothing goes to localStorage");

  await page.locator("#sign-out").click();
  await page.locator("#sign-in").waitFor({ state: "visible" });
  check((await page.evaluate(() => sessionStorage.getItem("oms.credential"))) === null,
    "sign-out forgets the credential");
  check((await page.locator("#view").innerText()).trim() === "", "no data stays on the page");
  await page.reload();
  await page.locator("#sign-in").waitFor({ state: "visible" });
  check(await page.locator("#nav").isHidden(), "a reload after sign-out stays signed out");
});
