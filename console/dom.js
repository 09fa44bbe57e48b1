// Building the page without innerHTML: every value from the API becomes text, never markup, so
// nothing an order or a note holds can run as script (the CSP forbids inline script as well).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// "ORDER_STATUS_CONFIRMED" -> "CONFIRMED": the prefix says nothing on a page about orders.
export const bare = (value, prefix) =>
  typeof value === "string" && value.startsWith(prefix) ? value.slice(prefix.length) : value ?? "";

export function money(m) {
  if (!m || !m.currency) return "";
  const format = new Intl.NumberFormat(undefined, { style: "currency", currency: m.currency });
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(Number(m.amountMinor ?? 0) / 10 ** digits);
}

// A UUID's first 8 characters, the whole id on hover: enough to tell rows apart.
export const shortId = (id) => h("span", { class: "id", title: id }, id ? `${id.slice(0, 8)}…` : "");

export const time = (t) => (t ? new Date(t).toLocaleString() : "");

const GOOD = /CONFIRMED|DELIVERED|COMPLETED|CAPTURED|SERVING|RECEIVED|REFUNDED|COMPENSATED|DONE/;
const BAD = /REJECTED|CANCELLED|DECLINED|FAILED|EXCEPTION|NEEDS_ATTENTION|NOT_SERVING|VOIDED/;
export function status(value, prefix = "") {
  const text = bare(value, prefix);
  const kind = BAD.test(text) ? "bad" : GOOD.test(text) ? "good" : "warn";
  return h("span", { class: `status ${kind}`, dataset: { status: text } }, text || "—");
}

export function table(columns, rows, attrs = {}) {
  return h(
    "table",
    attrs,
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.num ? "num" : null }, c.label)))),
    h(
      "tbody",
      {},
      rows.length
        ? rows.map((row) =>
            h("tr", row.attrs ?? {}, columns.map((c) => h("td", { class: c.num ? "num" : null }, c.cell(row)))),
          )
        : h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, "none")),
    ),
  );
}

export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
}
