// What every view shares: the message banner and the confirmation dialog every action goes
// through.
import { ApiError } from "./api.js";
import { h, replace } from "./dom.js";

export const $ = (id) => document.getElementById(id);

export function showMessage(text, kind = "error") {
  const banner = $("message");
  banner.textContent = text;
  banner.className = kind === "info" ? "info" : "";
  banner.hidden = !text;
}

export const showError = (error) =>
  showMessage(error instanceof ApiError ? error.toString() : `Error: ${error.message ?? error}`);

// Asks before an action that changes something. `fields`: [{name, label, type?, options?,
// required?, value?, accept?}]; a "file" field's value is the chosen File, or null.
// `run(values)` makes the call; an API error stays in the dialog, so the operator can correct
// the input. Resolves with run's result, or null when called off.
export function confirmAction({ title, fields = [], confirmLabel = "Confirm", run }) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-ok").textContent = confirmLabel;
  const error = $("confirm-error");
  error.hidden = true;
  const inputs = {};
  replace(
    $("confirm-fields"),
    fields.map((f) => {
      const input = f.options
        ? h("select", { name: f.name }, f.options.map((o) => h("option", { value: o, selected: o === f.value }, o)))
        : h(f.type === "textarea" ? "textarea" : "input", {
            name: f.name,
            type: f.type === "textarea" ? null : f.type ?? "text",
            value: f.value ?? null,
            required: f.required,
            checked: f.type === "checkbox" && f.value,
            accept: f.accept,
          });
      inputs[f.name] = input;
      return h("p", {}, h("label", {}, f.label, input));
    }),
  );
  return new Promise((resolve) => {
    const close = (result) => {
      $("confirm-form").onsubmit = null;
      $("confirm-cancel").onclick = null;
      dialog.close();
      resolve(result);
    };
    $("confirm-cancel").onclick = () => close(null);
    $("confirm-form").onsubmit = async (event) => {
      event.preventDefault();
      const values = {};
      for (const [name, input] of Object.entries(inputs)) {
        values[name] =
          input.type === "checkbox" ? input.checked
          : input.type === "file" ? input.files?.[0] ?? null
          : input.value.trim();
      }
      const missing = fields.find((f) => f.required && !values[f.name]);
      if (missing) {
        error.textContent = `${missing.label} is required`;
        error.hidden = false;
        return;
      }
      $("confirm-ok").disabled = true;
      try {
        close(await run(values));
      } catch (e) {
        error.textContent = e instanceof ApiError ? e.toString() : String(e);
        error.hidden = false;
      } finally {
        $("confirm-ok").disabled = false;
      }
    };
    dialog.showModal();
  });
}
