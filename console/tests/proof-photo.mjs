// A delivery with a photo proof, recorded through the console: the "Post event…" dialog takes a
// PNG file, the console uploads it (POST /v1/shipments/{id}/proofs) and sends the proof with the
// DELIVERED event; the shipment's journal on the page shows the photo, fetched with the
// credential and shown through a blob: URL (the CSP's img-src allows blob:); the API serves the
// very bytes attached.
import { check, env, runScenario, signIn } from "./lib.mjs";

await runScenario("proof-photo", async ({ page, base, api }) => {
  const orderId = env("OMS_ORDER_ID");
  const shipmentId = env("OMS_SHIPMENT_ID");
  const png = Buffer.from(env("OMS_PROOF_PNG_BASE64"), "base64");
  await signIn(page, base, `#/orders/${orderId}`);
  await page.locator("#order-id").filter({ hasText: orderId }).waitFor();
  await page.locator('#shipments [data-status="SHIPPED"]').waitFor();
  check((await page.locator("#shipments img.proof-thumb").count()) === 0, "no proof before the delivery");

  await page.locator(`#shipments button[data-shipment-id="${shipmentId}"]`).click();
  const dialog = page.locator("#confirm");
  await dialog.locator("select[name=type]").selectOption("DELIVERED");
  await dialog.locator("input[name=location]").fill("Hamburg, front door");
  await dialog.locator("input[name=photo]").setInputFiles({ name: "doorstep.png", mimeType: "image/png", buffer: png });
  await page.locator("#confirm-ok").click();
  await page.locator("#message").filter({ hasText: "Event recorded" }).waitFor();
  await page.locator('#shipments [data-status="DELIVERED"]').waitFor();

  // The journal shows the photo: a thumbnail loaded from a blob: URL, decoded as the 1x1 image.
  const thumb = page.locator('#shipments img.proof-thumb[src^="blob:"]');
  await thumb.waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector("#shipments img.proof-thumb");
    return img && img.complete && img.naturalWidth > 0;
  });
  const size = await thumb.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  check(size[0] === 1 && size[1] === 1, `the thumbnail is the 1x1 photo: ${size}`);
  const link = page.locator("#shipments a.proof");
  check((await link.getAttribute("href"))?.startsWith("blob:"), "the thumbnail links to the photo");

  // The API has the proof in the journal and serves the same bytes.
  const shipment = await api.get(`/v1/shipments/${shipmentId}`);
  const delivered = (shipment.journal ?? []).find((j) => j.type === "SHIPMENT_EVENT_TYPE_DELIVERED");
  check(delivered?.proof?.contentType === "image/png", `the DELIVERED entry has the proof: ${JSON.stringify(delivered)}`);
  check(delivered.proof.uri === `/v1/shipments/${shipmentId}/proofs/${delivered.proof.sha256}`,
    `the proof is served by the gateway: ${delivered.proof.uri}`);
  check((await thumb.getAttribute("data-sha256")) === delivered.proof.sha256, "the page shows that proof");
  const response = await fetch(`${base}${delivered.proof.uri}`, {
    headers: { Authorization: `Bearer ${env("OMS_CONSOLE_KEY")}` },
  });
  check(response.status === 200, `GET ${delivered.proof.uri}: ${response.status}`);
  check(response.headers.get("content-type") === "image/png", `its type: ${response.headers.get("content-type")}`);
  const served = Buffer.from(await response.arrayBuffer());
  check(served.equals(png), `the same bytes: ${served.length} served, ${png.length} attached`);
});
