// Parked sagas (NEEDS_ATTENTION: a participant refused and an operator decides): retry one from
// where it stopped, or resolve it by hand with a note that stays in its journal.
import { get, post } from "./api.js";
import { h, replace, status, table, time } from "./dom.js";
import { confirmAction, showMessage } from "./ui.js";

export function sagaButtons(saga, onDone) {
  const id = encodeURIComponent(saga.id);
  const done = (what) => (result) => {
    if (!result) return;
    showMessage(`Saga ${saga.id} ${what}: now ${result.phase}.`, "info");
    onDone();
  };
  return h("div", { class: "actions" },
    h("button", { dataset: { retrySaga: saga.id }, onclick: () => confirmAction({
      title: `Retry saga ${saga.id}?`,
      confirmLabel: "Retry",
      // From the step it stopped at, with a fresh retry budget; :retry takes no body.
      run: () => post(`/v1/sagas/${id}:retry`),
    }).then(done("retried")) }, "Retry…"),
    h("button", { class: "secondary", dataset: { resolveSaga: saga.id }, onclick: () => confirmAction({
      title: `Resolve saga ${saga.id} by hand?`,
      fields: [{ name: "note", label: "Note: what was done (kept in its journal)", type: "textarea", required: true }],
      confirmLabel: "Resolve",
      run: (v) => post(`/v1/sagas/${id}:resolve`, { note: v.note }),
    }).then(done("resolved")) }, "Resolve…"));
}

export async function sagasPage(view) {
  const page = await get("/v1/sagas:parked", { pageSize: 500 });
  const sagas = page.sagas ?? [];
  replace(view, h("section", { class: "card" }, h("h2", {}, `Parked sagas (${sagas.length})`),
    table([
      { label: "Saga", cell: (s) => h("span", { class: "id" }, s.id) },
      { label: "Order", cell: (s) => h("a", { href: `#/orders/${encodeURIComponent(s.orderId)}`, class: "id" }, s.orderId) },
      { label: "Phase", cell: (s) => status(s.phase) },
      { label: "Step", cell: (s) => s.step },
      { label: "Attempts", num: true, cell: (s) => s.attempts ?? 0 },
      { label: "Why", cell: (s) => s.failureReason },
      { label: "Since", cell: (s) => time(s.updateTime) },
      { label: "", cell: (s) => sagaButtons(s, () => sagasPage(view)) },
    ], sagas.map((s) => ({ ...s, attrs: { dataset: { sagaId: s.id } } })), { id: "sagas" })));
}
