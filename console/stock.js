// Stock: a product's availability per warehouse, a stock adjustment (a receipt or a correction),
// and a warehouse's pick queue.
import { get, post, withQuery } from "./api.js";
import { h, replace, status, table, time } from "./dom.js";
import { confirmAction, showMessage } from "./ui.js";

export async function stockPage(view, query) {
  const warehouses = (await get("/v1/warehouses", { pageSize: 500 })).warehouses ?? [];
  const warehouseSelect = (name, selected) => h("select", { name },
    warehouses.map((w) => h("option", { value: w.id, selected: w.id === selected }, `${w.code} — ${w.name}`)));

  const lookup = h("form", { class: "card", id: "availability-form" }, h("h2", {}, "Availability"),
    h("label", {}, "SKU", h("input", { name: "sku", value: query.sku, required: true })),
    h("button", { type: "submit" }, "Look up"));
  lookup.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = withQuery("/stock", { ...query, sku: new FormData(lookup).get("sku").trim() });
  });
  let availability = null;
  if (query.sku) {
    const a = await get(`/v1/products/${encodeURIComponent(query.sku)}/availability`);
    availability = h("div", { id: "availability" },
      h("p", {}, "Available in all: ", h("strong", {}, a.totalAvailable ?? "0")),
      table([
        { label: "Warehouse", cell: (l) => l.warehouseCode || l.warehouseId },
        { label: "On hand", num: true, cell: (l) => l.onHand ?? "0" },
        { label: "Reserved", num: true, cell: (l) => l.reserved ?? "0" },
        { label: "Available", num: true, cell: (l) => l.available ?? "0" },
      ], (a.levels ?? []).map((l) => ({ ...l, attrs: { dataset: { warehouse: l.warehouseCode } } }))));
  }
  lookup.append(availability ?? "");

  const adjust = h("form", { class: "card", id: "adjust-form" }, h("h2", {}, "Adjust stock"),
    h("label", {}, "Warehouse", warehouseSelect("warehouseId", query.warehouse)),
    h("label", {}, "SKU", h("input", { name: "sku", value: query.sku, required: true })),
    h("label", {}, "Units (+ in, − out)", h("input", { name: "delta", type: "number", required: true })),
    h("label", {}, "Reason", h("select", { name: "reason" }, ["RECEIPT", "CORRECTION"].map((r) => h("option", { value: r }, r)))),
    h("label", {}, "Note", h("input", { name: "note" })),
    h("button", { type: "submit" }, "Adjust…"));
  adjust.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = Object.fromEntries(new FormData(adjust));
    confirmAction({
      title: `${v.reason === "RECEIPT" ? "Receive" : "Correct"} ${v.delta} × ${v.sku}?`,
      confirmLabel: "Adjust",
      run: () => post("/v1/stock:adjust", { ...v, delta: String(v.delta) }),
    }).then((done) => {
      if (!done) return;
      showMessage(`${done.level?.sku}: ${done.level?.available ?? 0} available at ${done.level?.warehouseCode}.`, "info");
    });
  });

  const queueForm = h("form", { class: "card", id: "pick-queue-form" }, h("h2", {}, "Pick queue"),
    h("label", {}, "Warehouse", warehouseSelect("warehouse", query.warehouse)),
    h("button", { type: "submit" }, "Show"));
  queueForm.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = withQuery("/stock", { ...query, warehouse: new FormData(queueForm).get("warehouse") });
  });
  if (query.warehouse) {
    const queue = await get(`/v1/warehouses/${encodeURIComponent(query.warehouse)}/pickQueue`, { pageSize: 100 });
    queueForm.append(table([
      { label: "Shipment", cell: (s) => h("span", { class: "id" }, s.id) },
      { label: "Order", cell: (s) => h("a", { href: `#/orders/${encodeURIComponent(s.orderId)}`, class: "id" }, s.orderId) },
      { label: "Status", cell: (s) => status(s.status, "SHIPMENT_STATUS_") },
      { label: "Lines", cell: (s) => (s.lines ?? []).map((l) => `${l.quantity} × ${l.sku}`).join(", ") },
      { label: "Since", cell: (s) => time(s.createTime) },
    ], (queue.shipments ?? []).map((s) => ({ ...s, attrs: { dataset: { shipmentId: s.id } } })), { id: "pick-queue" }));
  }
  replace(view, h("div", { class: "grid" }, lookup, adjust), queueForm);
}
