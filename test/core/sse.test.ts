import { describe, expect, it } from "vitest";
import { type SseEvent, SseParser } from "../../src/core/sse.ts";

function parse(chunks: Array<string | Uint8Array>, maxEventChars = 1_000_000): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event), { maxEventChars });
  const encoder = new TextEncoder();
  for (const chunk of chunks) parser.push(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
  parser.end();
  return events;
}

/** Every way of cutting `bytes` into two pieces. */
function allSplits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return out;
}

const STREAM =
  'id: 1\nevent: message\ndata: {"a":"é€😀"}\n\n: comment\ndata: line one\ndata: line two\r\n\r\nretry: 500\nid: 2\n\n';

describe("SseParser", () => {
  it("parses fields, multi-line data, comments, CRLF and data-less events with an id or retry", () => {
    const events = parse([STREAM]);
    expect(events).toEqual([
      { type: "message", data: '{"a":"é€😀"}', size: 12, id: "1", retry: null },
      { type: "message", data: "line one\nline two", size: 17, id: "1", retry: null },
      { type: "message", data: "", size: 0, id: "2", retry: 500 },
    ]);
  });

  it("gives the same events however the bytes are split, including inside multi-byte characters and CRLF", () => {
    const bytes = new TextEncoder().encode(STREAM);
    const expected = parse([bytes]);
    for (const chunks of allSplits(bytes)) expect(parse(chunks)).toEqual(expected);
    // One byte at a time, too.
    expect(parse(Array.from(bytes, (b) => new Uint8Array([b])))).toEqual(expected);
  });

  it("drops an event that the stream ends before terminating", () => {
    expect(parse(["data: complete\n\ndata: cut off"])).toHaveLength(1);
  });

  it("treats a lone CR as a line break, even at a chunk boundary", () => {
    expect(parse(["data: a\r", "\rdata: b\r\r"]).map((e) => e.data)).toEqual(["a", "b"]);
  });

  it("reports an event larger than the limit without keeping its data, and carries on", () => {
    const big = "x".repeat(5_000);
    const events = parse([`data: ${big.slice(0, 2_000)}`, `${big.slice(2_000)}\n\ndata: small\n\n`], 1_000);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ data: null });
    expect(events[0]?.size).toBeGreaterThanOrEqual(5_000);
    expect(events[1]).toMatchObject({ data: "small" });
  });

  it("does not count an over-long comment line as event data", () => {
    const events = parse([`: ${"c".repeat(10_000)}\ndata: ok\n\n`], 1_000);
    expect(events).toEqual([{ type: "message", data: "ok", size: 2, id: null, retry: null }]);
  });
});
