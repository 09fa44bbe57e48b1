// The gateway's public HTTP API, as the console uses it: the credential the operator typed (kept
// in sessionStorage, so it dies with the tab), JSON in and out, a fresh Idempotency-Key on every
// POST, errors as ApiError with the API's reason, and the order watch read as a stream.

const CREDENTIAL = "oms.credential";

export class ApiError extends Error {
  constructor(status, reason, message) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
  toString() {
    return `${this.reason || `HTTP ${this.status}`}: ${this.message}`;
  }
}

export const credential = {
  get: () => sessionStorage.getItem(CREDENTIAL),
  set: (value) => sessionStorage.setItem(CREDENTIAL, value),
  clear: () => sessionStorage.removeItem(CREDENTIAL),
};

// crypto.randomUUID exists only in secure contexts (https, or 127.0.0.1 / localhost); the
// fallback makes the same random version-4 UUID where it is missing.
function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function headers(extra = {}) {
  const h = { Accept: "application/json", ...extra };
  const token = credential.get();
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

// Query parameters left empty are left out: the API refuses unknown ones, not absent ones.
export function withQuery(path, query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, value);
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: a proxy's page, say
  }
  const error = body?.error ?? {};
  return new ApiError(response.status, error.reason ?? "", error.message ?? response.statusText);
}

export async function request(method, path, body) {
  const extra = {};
  if (method === "POST") extra["Idempotency-Key"] = idempotencyKey();
  if (body !== undefined) extra["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers: headers(extra),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await errorOf(response);
  return response.status === 204 ? {} : response.json();
}

export const get = (path, query) => request("GET", withQuery(path, query));

// `body` left out: none is sent (routes like :retry take none and refuse one).
export const post = (path, body) => request("POST", path, body);

// A non-JSON answer (a proof photo) as a Blob, with the credential: an <img src> could not send
// the Authorization header, so the page shows it through a blob: URL of this.
export async function getBlob(path) {
  const response = await fetch(path, { headers: headers({ Accept: "image/*" }) });
  if (!response.ok) throw await errorOf(response);
  return response.blob();
}

// A File or Blob as base64, the JSON mapping of a protobuf `bytes` field.
export async function base64Of(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}

// A server-sent event stream parser (the text/event-stream format): feed it decoded text as it
// arrives; it calls onEvent({event, id, data}) per dispatched event and ignores comment lines
// (the gateway's heartbeats).
export function sseParser(onEvent) {
  let buffer = "";
  let event = { event: "message", id: "", data: [] };
  return (text) => {
    buffer += text;
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A CR that ends this read may be half of a CRLF: wait for the next.
      if (buffer[newline] === "\r" && newline === buffer.length - 1) break;
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
      if (line === "") {
        if (event.data.length) onEvent({ ...event, data: event.data.join("\n") });
        event = { event: "message", id: event.id, data: [] };
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event.event = value;
      else if (field === "data") event.data.push(value);
      else if (field === "id") event.id = value;
    }
  };
}

// Reads GET /v1/orders/{id}:watch until `signal` aborts it. EventSource cannot send an
// Authorization header, so this is fetch() and a stream reader. On a dropped connection it
// resumes with Last-Event-ID (the last resume token), so no event is missed or repeated.
// onEvent(timelineEvent) per event; onState("live" | "reconnecting" | "ended", detail).
export async function watchOrder(orderId, { onEvent, onState, signal }) {
  let lastId = "";
  while (!signal.aborted) {
    try {
      const extra = { Accept: "text/event-stream" };
      if (lastId) extra["Last-Event-ID"] = lastId;
      const response = await fetch(`/v1/orders/${encodeURIComponent(orderId)}:watch`, {
        headers: headers(extra),
        signal,
      });
      if (!response.ok) {
        const error = await errorOf(response);
        // Refusals that a retry will not change end the watch.
        if (response.status < 500 && response.status !== 429) {
          onState("ended", error.toString());
          return;
        }
        throw error;
      }
      onState("live");
      let streamError = null;
      const feed = sseParser((message) => {
        if (message.id) lastId = message.id;
        if (message.event === "timeline") onEvent(JSON.parse(message.data));
        else if (message.event === "stream-error") {
          const error = JSON.parse(message.data).error ?? {};
          streamError = new ApiError(error.code, error.reason, error.message);
        }
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        feed(value);
      }
      if (streamError && streamError.status >= 400 && streamError.status < 500) {
        onState("ended", streamError.toString());
        return;
      }
    } catch (error) {
      if (signal.aborted) return;
      onState("reconnecting", String(error));
    }
    if (signal.aborted) return;
    onState("reconnecting");
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
