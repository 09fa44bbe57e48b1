// The console's shell: sign-in and sign-out, the health strip and the hash router.
import { ApiError, credential, get } from "./api.js";
import { h, replace } from "./dom.js";
import { orderPage, ordersPage } from "./orders.js";
import { sagasPage } from "./sagas.js";
import { stockPage } from "./stock.js";
import { $, showError, showMessage } from "./ui.js";

async function refreshHealth() {
  try {
    const ready = await fetch("/readyz").then((r) => r.json());
    const ok = ready.status === "SERVING";
    replace($("health-ready"), "gateway: ", h("span", { class: ok ? "ok" : "bad" }, ready.status));
  } catch {
    replace($("health-ready"), "gateway: ", h("span", { class: "bad" }, "UNREACHABLE"));
  }
  if (!credential.get()) {
    replace($("health-lag"));
    return replace($("health-parked"));
  }
  refreshLag();
  try {
    const parked = await get("/v1/sagas:parked", { pageSize: 500 });
    const count = (parked.sagas ?? []).length;
    replace(
      $("health-parked"),
      h("a", { href: "#/sagas", class: count ? "bad" : "ok", id: "parked-count", dataset: { count } },
        `parked sagas: ${count}`),
    );
  } catch (e) {
    // Only admin credentials may list them.
    replace($("health-parked"), h("span", { class: "muted" }, `parked sagas: ${e.reason || "?"}`));
  }
}

// Consumers more than a minute behind are shown as lagging (the alerts wait longer).
const LAG_BAD_SECONDS = 60;

async function refreshLag() {
  try {
    const lag = await get("/v1/consumers");
    const worst = lag.maxLagSeconds ?? 0;
    const each = (lag.consumers ?? []).map((c) => `${c.consumer}: ${(c.lagSeconds ?? 0).toFixed(1)} s`);
    replace(
      $("health-lag"),
      h("span", { class: worst > LAG_BAD_SECONDS ? "bad" : "ok", id: "consumer-lag", title: each.join("\n"),
        dataset: { seconds: worst } }, `consumer lag: ${worst.toFixed(1)} s`),
    );
  } catch (e) {
    replace($("health-lag"), h("span", { class: "muted" }, `consumer lag: ${e.reason || "?"}`));
  }
}

let leaving = null; // the current view's clean-up (an open watch stream)

async function route() {
  if (leaving) leaving();
  leaving = null;
  const view = $("view");
  const signedIn = Boolean(credential.get());
  $("sign-in").hidden = signedIn;
  $("nav").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
  if (!signedIn) return replace(view);
  const [path, queryText] = location.hash.slice(1).split("?");
  const query = Object.fromEntries(new URLSearchParams(queryText ?? ""));
  const parts = (path || "/orders").split("/").filter(Boolean).map(decodeURIComponent);
  showMessage("");
  try {
    if (parts[0] === "orders" && parts[1]) leaving = await orderPage(view, parts[1]);
    else if (parts[0] === "stock") await stockPage(view, query);
    else if (parts[0] === "sagas") await sagasPage(view);
    else await ordersPage(view, query);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) signOut("The credential was refused: sign in again.");
    else showError(e);
  }
}

function signOut(why = "") {
  credential.clear();
  location.hash = "";
  route();
  showMessage(why, "info");
  refreshHealth();
}

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  credential.set($("credential").value.trim());
  $("credential").value = "";
  try {
    await get("/v1/products", { pageSize: 1 }); // any valid credential may; a bad one is 401
  } catch (e) {
    credential.clear();
    return showError(e);
  }
  refreshHealth();
  route();
});
$("sign-out").addEventListener("click", () => signOut("Signed out."));
window.addEventListener("hashchange", route);
refreshHealth();
setInterval(refreshHealth, 10000);
route();
