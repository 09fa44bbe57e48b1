// Orders: the filtered, paged list, and one order's page with everything that hangs off it, its
// live timeline, and the actions an operator takes on it.
import { base64Of, get, getBlob, post, watchOrder, withQuery } from "./api.js";
import { bare, facts, h, money, replace, shortId, status, table, time } from "./dom.js";
import { sagaButtons } from "./sagas.js";
import { confirmAction, showError, showMessage } from "./ui.js";

// Whether an amount is there and not zero (JSON leaves a zero's amountMinor out).
const charged = (m) => Number(m?.amountMinor ?? 0) !== 0;
// The codes of the adjustments behind a discount, e.g. " (WELCOME5, PACK10)".
const adjustmentCodes = (adjustments) =>
  adjustments?.length ? h("span", { class: "muted" }, ` (${adjustments.map((a) => a.code).join(", ")})`) : "";

const STATUSES = ["PENDING", "CONFIRMED", "PARTIALLY_SHIPPED", "SHIPPED", "PARTIALLY_DELIVERED",
  "DELIVERED", "COMPLETED", "CANCELLED", "REJECTED", "NEEDS_ATTENTION", "PARTIALLY_BACKORDERED"];
const EVENT_TYPES = ["PICKED", "PACKED", "SHIPPED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED",
  "DELIVERY_FAILED", "EXCEPTION", "RETURNED_TO_SENDER", "LOST", "RECEIVED"];
const FILTERS = [
  ["customerId", "Customer id"], ["status", "Status"], ["channel", "Channel"],
  ["externalOrderId", "External order id"], ["createdAfter", "Created after"],
  ["createdBefore", "Created before"], ["sku", "SKU"],
];

// Proof photos by URI, as blob: URLs: content-addressed, so one fetch per photo and page.
const proofUrls = new Map();

// A journal entry's proof of delivery: a thumbnail linking to the photo for one uploaded through
// the API (fetched with the credential), a plain link for a carrier's own URL.
function proofLink(proof) {
  if (!proof?.uri) return null;
  if (!proof.uri.startsWith("/v1/shipments/")) {
    return h("a", { class: "proof", href: proof.uri, target: "_blank", rel: "noopener noreferrer" }, "proof");
  }
  const img = h("img", { class: "proof-thumb", alt: "proof of delivery", dataset: { sha256: proof.sha256 } });
  const link = h("a", { class: "proof", target: "_blank", title: "proof of delivery", dataset: { sha256: proof.sha256 } }, img);
  let url = proofUrls.get(proof.uri);
  if (!url) {
    url = getBlob(proof.uri).then((blob) => URL.createObjectURL(blob));
    proofUrls.set(proof.uri, url);
    url.catch(() => proofUrls.delete(proof.uri));
  }
  url.then((u) => {
    img.src = u;
    link.href = u;
  }, (error) => {
    replace(link, `proof unavailable (${error.reason || error.status || error.message})`);
  });
  return link;
}

const journalCell = (s) =>
  (s.journal ?? []).map((j, i) => [i ? " → " : "", bare(j.type, "SHIPMENT_EVENT_TYPE_"), j.proof ? [" ", proofLink(j.proof)] : null]);

// Records an event through the API; with a photo, uploads it first and sends its proof along.
async function recordEvent(shipmentId, v) {
  const path = `/v1/shipments/${encodeURIComponent(shipmentId)}`;
  let proof;
  if (v.photo) {
    proof = await post(`${path}/proofs`, { contentType: v.photo.type, data: await base64Of(v.photo) });
  }
  return post(`${path}/events`, {
    type: v.type, occurredAt: new Date().toISOString(), location: v.location, note: v.note,
    ...(v.trackingNumber ? { trackingNumber: v.trackingNumber } : {}),
    ...(proof ? { proof } : {}),
  });
}

const orderLink = (id) => h("a", { href: `#/orders/${encodeURIComponent(id)}`, class: "id" }, id);

// <input type="datetime-local"> holds local time without a zone; the API takes RFC 3339.
const toRfc3339 = (local) => (local ? new Date(local).toISOString().replace(/\.\d{3}Z$/, "Z") : "");
const toLocalInput = (rfc) => (rfc ? new Date(new Date(rfc) - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16) : "");

export async function ordersPage(view, query) {
  const form = h("form", { id: "order-filters", class: "card" }, h("h2", {}, "Orders"),
    FILTERS.map(([name, label]) => {
      const value = name.startsWith("created") ? toLocalInput(query[name]) : query[name];
      const input = name === "status"
        ? h("select", { name }, h("option", { value: "" }, "any"),
            STATUSES.map((s) => h("option", { value: s, selected: s === value }, s)))
        : h("input", { name, value, type: name.startsWith("created") ? "datetime-local" : "text" });
      return h("label", {}, label, input);
    }),
    h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const filters = Object.fromEntries(new FormData(form));
    for (const name of ["createdAfter", "createdBefore"]) filters[name] = toRfc3339(filters[name]);
    location.hash = withQuery("/orders", filters);
  });
  const { pageToken, ...filters } = query;
  const page = await get("/v1/orders", { ...filters, pageToken, pageSize: 25 });
  const orders = page.orders ?? [];
  replace(view, form, h("section", { class: "card" },
    table([
      { label: "Order", cell: (o) => orderLink(o.id) },
      { label: "Created", cell: (o) => time(o.createTime) },
      { label: "Customer", cell: (o) => h("span", { class: "id" }, o.customerId) },
      { label: "Channel", cell: (o) => [o.channel, o.externalOrderId ? ` / ${o.externalOrderId}` : ""] },
      { label: "Status", cell: (o) => [status(o.status, "ORDER_STATUS_"), o.needsAttention ? " ⚠" : ""] },
      { label: "Total", num: true, cell: (o) => money(o.total) },
    ], orders.map((o) => ({ ...o, attrs: { dataset: { orderId: o.id } } })), { id: "orders" }),
    h("div", { class: "pager" },
      pageToken ? h("a", { href: withQuery("#/orders", filters) }, "First page") : null,
      page.nextPageToken
        ? h("a", { id: "next-page", href: withQuery("#/orders", { ...filters, pageToken: page.nextPageToken }) }, "Next page")
        : null)));
}

// One order: returns the clean-up that closes its watch stream when the operator leaves.
export async function orderPage(view, orderId) {
  const id = encodeURIComponent(orderId);
  const summary = h("div", { id: "order-summary" });
  const related = h("div", { class: "grid", id: "order-related" });
  const live = h("span", { class: "live", id: "timeline-state" }, "connecting…");
  const rows = h("tbody", { id: "timeline-rows" });
  const seen = new Set();
  replace(view, summary, related, h("section", { class: "card" },
    h("h2", {}, "Timeline", live),
    h("div", { class: "timeline" }, h("table", {},
      h("thead", {}, h("tr", {}, ["Time", "Source", "Event", "Detail", "Subject"].map((c) => h("th", {}, c)))),
      rows))));

  // Everything but the timeline is read again after an action or a new event (debounced), so
  // the status, shipments and money move with the timeline.
  let pending = null;
  const refresh = async () => {
    const [order, shipments, payments, invoices, returns, parked] = await Promise.all([
      get(`/v1/orders/${id}`),
      get("/v1/shipments", { orderId }),
      get("/v1/payments", { orderId }),
      get("/v1/invoices", { orderId }),
      get("/v1/returns", { orderId }),
      get("/v1/sagas:parked", { pageSize: 500 }).catch(() => ({ sagas: [] })), // admin only
    ]);
    renderSummary(summary, order, refreshSoon);
    renderRelated(related, order, shipments, payments, invoices, returns,
      (parked.sagas ?? []).filter((s) => s.orderId === orderId), refreshSoon);
  };
  const refreshSoon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => refresh().catch(showError), 300);
  };
  await refresh();

  // The stream starts with the events so far, then each new one: rows that come after the
  // first second are highlighted as new. Every event reads the rest of the page again (once per
  // burst), so the status, shipments and money follow the timeline.
  const controller = new AbortController();
  let backlogOver = false;
  watchOrder(orderId, {
    signal: controller.signal,
    onState: (state, detail) => {
      live.textContent = state === "live" ? "● live" : `${state}${detail ? `: ${detail}` : ""}`;
      live.className = `live ${state === "live" ? "on" : "off"}`;
      if (state === "live") setTimeout(() => (backlogOver = true), 1000);
    },
    onEvent: (event) => {
      if (seen.has(event.id)) return; // a resumed stream never repeats, but be safe
      seen.add(event.id);
      rows.append(h("tr", { class: backlogOver ? "new" : null, dataset: { eventId: event.id, source: event.source, kind: event.kind } },
        h("td", {}, time(event.time)), h("td", {}, event.source), h("td", {}, event.kind),
        h("td", {}, event.detail), h("td", { class: "id" }, event.subject)));
      refreshSoon();
    },
  });
  return () => {
    clearTimeout(pending);
    controller.abort();
  };
}

function renderSummary(el, order, refreshSoon) {
  replace(el, h("section", { class: "card" },
    h("h2", {}, "Order ", h("span", { class: "id", id: "order-id" }, order.id), " ",
      h("span", { id: "order-status" }, status(order.status, "ORDER_STATUS_")),
      order.needsAttention ? h("span", { class: "status bad" }, "needs attention") : null),
    facts([
      ["Customer", h("span", { class: "id" }, order.customerId)],
      ["Channel", `${order.channel}${order.externalOrderId ? ` / ${order.externalOrderId}` : ""}`],
      ["Created", time(order.createTime)],
      ["Updated", time(order.updateTime)],
      ["Rejection", order.rejectionReason || "—"],
      ["Returns", order.returnStatus || "—"],
      ["Ship to", [order.shippingAddress?.name, order.shippingAddress?.city, order.shippingAddress?.country].filter(Boolean).join(", ")],
    ]),
    h("h3", {}, "Lines"),
    table([
      { label: "SKU", cell: (l) => l.sku },
      { label: "Name", cell: (l) => l.name },
      { label: "Qty", num: true, cell: (l) => l.quantity },
      { label: "Unit price", num: true, cell: (l) => money(l.unitPrice) },
      { label: "Discount", num: true, cell: (l) => (charged(l.discount) ? ["−", money(l.discount), adjustmentCodes(l.adjustments)] : "") },
      { label: "Tax", num: true, cell: (l) => money(l.tax) },
      { label: "Total", num: true, cell: (l) => money(l.total) },
    ], order.lines ?? [], { id: "order-lines" }),
    facts([
      ["Subtotal", money(order.subtotal)],
      ...(charged(order.discount) ? [["Discount", h("span", { id: "order-discount" }, "−", money(order.discount), adjustmentCodes(order.adjustments))]] : []),
      ...(charged(order.shippingCharge) ? [["Shipping", h("span", { id: "order-shipping" }, money(order.shippingCharge))]] : []),
      ["Tax", money(order.tax)],
      ["Total", h("strong", { id: "order-total" }, money(order.total))],
    ]),
    h("div", { class: "actions" },
      h("button", { id: "cancel-order", class: "danger", onclick: () => confirmAction({
        title: `Cancel order ${order.id}?`,
        fields: [{ name: "reason", label: "Reason (optional)" }],
        confirmLabel: "Cancel order",
        run: (v) => post(`/v1/orders/${encodeURIComponent(order.id)}:cancel`, v.reason ? { reason: v.reason } : {}),
      }).then((done) => done && (showMessage("Cancellation requested.", "info"), refreshSoon())) }, "Cancel order…"),
      h("button", { id: "create-return", class: "secondary", onclick: () => confirmAction({
        title: `Return units of order ${order.id}`,
        fields: [
          ...(order.lines ?? []).map((l) => ({ name: l.sku, label: `${l.sku}: units returned (of ${l.quantity})`, type: "number", value: "0" })),
          { name: "reason", label: "Reason", required: true },
        ],
        confirmLabel: "Create return",
        run: (v) => post(`/v1/orders/${encodeURIComponent(order.id)}/returns`, {
          reason: v.reason,
          lines: (order.lines ?? []).filter((l) => Number(v[l.sku]) > 0).map((l) => ({ sku: l.sku, quantity: v[l.sku] })),
        }),
      }).then((done) => done && (showMessage(`Return ${done.id} created.`, "info"), refreshSoon())) }, "Create return…"))));
}

function renderRelated(el, order, shipments, payments, invoices, returns, parked, refreshSoon) {
  const groups = order.allocation?.groups ?? [];
  const after = (message) => (done) => done && (showMessage(message, "info"), refreshSoon());
  // Parcels decided on: reshipped (shipping's replacement names them) or refunded (the order says).
  const decided = new Set([
    ...(shipments.shipments ?? []).map((s) => s.replacesShipmentId).filter(Boolean),
    ...(order.shipments ?? []).filter((s) => s.refunded).map((s) => s.shipmentId),
  ]);
  const decision = (s, verb, title, label, message) => h("button", { class: "secondary", id: `${verb}-${s.id}`, onclick: () => confirmAction({
    title,
    fields: [{ name: "note", label: "Note (optional)" }],
    confirmLabel: label,
    run: (v) => post(`/v1/shipments/${encodeURIComponent(s.id)}:${verb}`, v.note ? { note: v.note } : {}),
  }).then(after(message)) }, `${label}…`);
  replace(el,
    h("section", { class: "card wide", id: "shipments" }, h("h2", {}, "Shipments"),
      table([
        { label: "Shipment", cell: (s) => shortId(s.id) },
        { label: "Kind", cell: (s) => [bare(s.kind, "SHIPMENT_KIND_"),
          s.replacesShipmentId ? h("span", { class: "muted", dataset: { replaces: s.replacesShipmentId } }, ` replaces ${shortId(s.replacesShipmentId)}`) : "",
          s.resourcedFromShipmentId ? h("span", { class: "muted", dataset: { resourcedFrom: s.resourcedFromShipmentId } }, ` short pick of ${shortId(s.resourcedFromShipmentId)}`) : ""] },
        { label: "Status", cell: (s) => status(s.status, "SHIPMENT_STATUS_") },
        { label: "Carrier", cell: (s) => [s.carrier, s.trackingNumber ? ` ${s.trackingNumber}` : ""] },
        { label: "Journal", cell: journalCell },
        { label: "", cell: (s) => [h("button", { class: "secondary", dataset: { shipmentId: s.id }, onclick: () => confirmAction({
          title: `Record an event of shipment ${s.id}`,
          fields: [
            { name: "type", label: "Event", options: EVENT_TYPES },
            { name: "location", label: "Location" },
            { name: "trackingNumber", label: "Tracking number", value: s.trackingNumber },
            { name: "note", label: "Note" },
            { name: "photo", label: "Photo proof (optional: JPEG, PNG or WebP, at most 768 KiB)", type: "file", accept: "image/jpeg,image/png,image/webp" },
          ],
          confirmLabel: "Record event",
          run: (v) => recordEvent(s.id, v),
        }).then(after("Event recorded.")) }, "Post event…"),
          // A parcel back at the sender, or lost, waits for an operator's one decision: ship its
          // goods again (no new charge), or refund the parcel whole (restocking what came back).
          ...(!["RETURNED_TO_SENDER", "LOST"].includes(bare(s.status, "SHIPMENT_STATUS_")) || decided.has(s.id) ? [] : [
            decision(s, "reship", `Ship the goods of parcel ${s.id} again?`, "Reship", "Reship requested."),
            decision(s, "refund", bare(s.status, "SHIPMENT_STATUS_") === "LOST"
              ? `Refund lost parcel ${s.id} whole, shipping included?`
              : `Restock the goods of parcel ${s.id} and refund it, shipping included?`, "Refund", "Refund requested."),
          ])] },
      ], shipments.shipments ?? [])),
    h("section", { class: "card", id: "allocation" }, h("h2", {}, "Allocation"),
      table([
        { label: "Warehouse", cell: (g) => g.warehouseCode || g.warehouseId },
        { label: "Lines", cell: (g) => (g.lines ?? []).map((l) => `${l.quantity} × ${l.sku}`).join(", ") },
        { label: "Why", cell: (g) => g.reason },
        { label: "km", num: true, cell: (g) => (g.distanceKm > 0 ? g.distanceKm.toFixed(0) : "") }, // < 0: unknown
      ], groups)),
    h("section", { class: "card", id: "payments" }, h("h2", {}, "Payments"),
      table([
        { label: "Payment", cell: (p) => shortId(p.id) },
        { label: "Status", cell: (p) => status(p.status, "PAYMENT_STATUS_") },
        { label: "Authorized", num: true, cell: (p) => money(p.authorized) },
        { label: "Captured", num: true, cell: (p) => money(p.captured) },
        { label: "Refunded", num: true, cell: (p) => money(p.refunded) },
        { label: "Transactions", cell: (p) => (p.transactions ?? []).map((t) => `${bare(t.kind, "TRANSACTION_KIND_")} ${bare(t.outcome, "TRANSACTION_OUTCOME_")}`).join(", ") },
      ], payments.payments ?? [])),
    h("section", { class: "card", id: "invoices" }, h("h2", {}, "Invoices"),
      table([
        { label: "Number", cell: (i) => i.number },
        { label: "Issued", cell: (i) => time(i.issueTime) },
        { label: "Total", num: true, cell: (i) => money(i.total) },
      ], invoices.invoices ?? []),
      (invoices.creditNotes ?? []).length ? h("p", { class: "muted" }, `${invoices.creditNotes.length} credit note(s)`) : null),
    h("section", { class: "card", id: "returns" }, h("h2", {}, "Returns"),
      table([
        { label: "Return", cell: (r) => shortId(r.id) },
        { label: "Status", cell: (r) => status(r.status, "RETURN_STATUS_") },
        { label: "Lines", cell: (r) => (r.lines ?? []).map((l) => `${l.quantity} × ${l.sku}`).join(", ") },
        { label: "Reason", cell: (r) => r.reason },
        { label: "", cell: (r) => bare(r.status, "RETURN_STATUS_") !== "REQUESTED" ? "" : h("button", { class: "secondary", onclick: () => confirmAction({
          title: `Receive return ${r.id}`,
          fields: [
            { name: "warehouseId", label: "Warehouse id", value: r.warehouseId, required: true },
            ...(r.lines ?? []).map((l) => ({ name: `qty:${l.sku}`, label: `${l.sku}: units received (of ${l.quantity})`, type: "number", value: l.quantity })),
            { name: "resellable", label: "Resellable", type: "checkbox", value: true },
          ],
          confirmLabel: "Receive",
          run: (v) => post(`/v1/returns/${encodeURIComponent(r.id)}:receive`, {
            warehouseId: v.warehouseId,
            lines: (r.lines ?? []).map((l) => ({ sku: l.sku, quantity: v[`qty:${l.sku}`], resellable: v.resellable })).filter((l) => Number(l.quantity) > 0),
          }),
        }).then(after("Return received.")) }, "Receive…") },
      ], returns.returns ?? [])),
    parked.length ? h("section", { class: "card", id: "order-sagas" }, h("h2", {}, "Parked saga"),
      parked.map((s) => [h("p", {}, `${s.phase} at ${s.step}: ${s.failureReason}`), sagaButtons(s, refreshSoon)])) : null);
}
