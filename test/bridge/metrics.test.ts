import { describe, expect, it } from "vitest";
import { formatMetrics, ProxyMetrics } from "../../local-bridge/src/metrics.ts";

describe("bridge metrics", () => {
  it("times each request to its response, counts errors and bytes, and starts afresh each interval", () => {
    let now = 0;
    const metrics = new ProxyMetrics(() => now);
    for (let id = 1; id <= 100; id += 1) metrics.fromClient({ jsonrpc: "2.0", id, method: "tools/call" }, 50);
    metrics.fromClient({ jsonrpc: "2.0", method: "notifications/initialized" }, 40);
    for (let id = 1; id <= 100; id += 1) {
      now += 1;
      const answer =
        id % 10 === 0
          ? { jsonrpc: "2.0", id, error: { code: -32000, message: "x" } }
          : id % 25 === 1
            ? { jsonrpc: "2.0", id: String(id), result: { isError: true, content: [] } }
            : { jsonrpc: "2.0", id, result: {} };
      metrics.fromServer(answer, 30);
    }
    // A notification and an answer to no request are bytes, not calls.
    metrics.fromServer({ jsonrpc: "2.0", method: "notifications/message", params: {} }, 20);
    metrics.fromServer({ jsonrpc: "2.0", id: 999, result: {} }, 10);
    const snapshot = metrics.snapshot();
    expect(snapshot).toMatchObject({
      calls: 100,
      errors: 14,
      bytesIn: 5_040,
      bytesOut: 3_030,
      intervalMs: 100,
    });
    // Request n was answered n ms after it was sent.
    expect(snapshot).toMatchObject({ p50Ms: 50, p95Ms: 95, p99Ms: 99 });
    expect(formatMetrics(snapshot)).toBe(
      "metrics (0 s): 100 calls, 14 errors, p50 50.0 ms, p95 95.0 ms, p99 99.0 ms, 5040 bytes in, 3030 bytes out",
    );
    expect(metrics.snapshot()).toMatchObject({ calls: 0, errors: 0, p50Ms: null, bytesIn: 0 });
  });
});
