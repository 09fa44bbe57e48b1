// The console's API client without a browser: the server-sent event parser (events split across
// reads at any byte, CRLF, comment heartbeats, multi-line data, ids kept for the resume) and
// the query strings it builds. Run by ctest as ConsoleApiClientTest (`node --test`).
import assert from "node:assert/strict";
import test from "node:test";
import { sseParser, withQuery } from "../api.js";

const STREAM =
  ": heartbeat\n\n" +
  "event: timeline\nid: r1~a\ndata: {\"kind\":\"PLACED\"}\n\n" +
  ": heartbeat\r\n\r\n" +
  "event: timeline\r\nid: r1~b\r\ndata: {\"kind\":\r\ndata: \"PICKED\"}\r\n\r\n" +
  "event: stream-error\ndata: {\"error\":{\"code\":401}}\n\n" +
  "data: no event name\n\n";

function parse(chunks) {
  const events = [];
  const feed = sseParser((e) => events.push(e));
  for (const chunk of chunks) feed(chunk);
  return events;
}

test("parses every event whole, whatever the reads' boundaries", () => {
  const whole = parse([STREAM]);
  assert.deepEqual(whole, [
    { event: "timeline", id: "r1~a", data: '{"kind":"PLACED"}' },
    { event: "timeline", id: "r1~b", data: '{"kind":\n"PICKED"}' },
    { event: "stream-error", id: "r1~b", data: '{"error":{"code":401}}' },
    { event: "message", id: "r1~b", data: "no event name" },
  ]);
  for (let size = 1; size < 12; size++) {
    const chunks = [];
    for (let at = 0; at < STREAM.length; at += size) chunks.push(STREAM.slice(at, at + size));
    assert.deepEqual(parse(chunks), whole, `reads of ${size} characters`);
  }
});

test("comments alone dispatch nothing, and an unfinished event waits for its blank line", () => {
  assert.deepEqual(parse([": heartbeat\n\n:\n\n"]), []);
  assert.deepEqual(parse(["event: timeline\ndata: {}\n"]), []);
});

test("query strings leave out empty filters and escape the rest", () => {
  assert.equal(withQuery("/v1/orders", {}), "/v1/orders");
  assert.equal(withQuery("/v1/orders", { status: "", sku: undefined, customerId: null }), "/v1/orders");
  assert.equal(
    withQuery("/v1/orders", { channel: "web shop", createdAfter: "2026-12-06T10:00:00.000Z" }),
    "/v1/orders?channel=web+shop&createdAfter=2026-12-06T10%3A00%3A00.000Z",
  );
});
