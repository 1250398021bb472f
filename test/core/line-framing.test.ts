import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineSplitter } from "../../src/core/line-framing.ts";

const encode = (text: string) => new TextEncoder().encode(text);

function split(chunks: Uint8Array[], maxLineBytes = 1 << 20) {
  const lines: string[] = [];
  const oversized: number[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), {
    maxLineBytes,
    onOversized: (bytes) => oversized.push(bytes),
  });
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { lines, oversized };
}

/** The bytes cut at the given offsets. */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(at, point));
    at = point;
  }
  chunks.push(bytes.subarray(at));
  return chunks;
}

describe("LineSplitter", () => {
  it("gives the same lines however the bytes are chunked, multi-byte characters included", () => {
    const line = fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !/[\r\n]/.test(s));
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (lines, offsets) => {
          const bytes = encode(lines.map((l) => `${l}\n`).join(""));
          expect(split(cut(bytes, offsets)).lines).toEqual(lines);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("splits a character's bytes across chunks without corrupting it", () => {
    const bytes = encode('{"text":"héllo 🌍 世界"}\n');
    const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    expect(split(chunks).lines).toEqual(['{"text":"héllo 🌍 世界"}']);
  });

  it("accepts CRLF line ends and a last line without a newline", () => {
    expect(split([encode('{"a":1}\r\n{"b":2}')]).lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("drops a line over the limit, reports its size, and keeps the lines around it", () => {
    const long = "x".repeat(5_000);
    const { lines, oversized } = split(cut(encode(`first\n${long}\nlast\n`), [3, 100, 2_000, 4_990]), 1_000);
    expect(lines).toEqual(["first", "last"]);
    expect(oversized).toEqual([5_000]);
  });

  it("reassembles a 10 MiB line that arrives in 64 KiB chunks", () => {
    const payload = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { text: "y".repeat(10 * 1024 * 1024) } });
    const bytes = encode(`${payload}\n`);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.byteLength; at += 64 * 1024) chunks.push(bytes.subarray(at, at + 64 * 1024));
    const { lines } = split(chunks, 16 * 1024 * 1024);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.length).toBe(payload.length);
  });

  it("copies what it keeps, so a producer may reuse its buffer", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line), { maxLineBytes: 100 });
    const buffer = encode("abc");
    splitter.push(buffer);
    buffer.set(encode("XYZ"));
    splitter.push(encode("\n"));
    expect(lines).toEqual(["abc"]);
  });
});
