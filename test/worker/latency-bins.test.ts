// The metrics rollup's latency histogram: which bin a latency falls in, and percentiles read back from the bins.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  binLowerBound,
  binOf,
  binUpperBound,
  LATENCY_BIN_COUNT,
  percentileOfBins,
} from "../../src/logging/latency-bins.ts";

describe("latency bins", () => {
  it("file each latency between its bin's bounds, under 1 ms in bin 0 and past 2^17 ms in the last", () => {
    expect(binOf(0)).toBe(0);
    expect(binOf(1)).toBe(1);
    expect(binOf(2)).toBe(5);
    expect(binOf(131_072)).toBe(LATENCY_BIN_COUNT - 1);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), (ms) => {
        const k = binOf(ms);
        return binLowerBound(k) <= ms && ms < binUpperBound(k);
      }),
    );
  });

  it("give percentiles within a bin's width of the exact nearest rank", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 300 }),
        (latencies) => {
          const bins = new Array<number>(LATENCY_BIN_COUNT).fill(0);
          for (const ms of latencies) bins[binOf(ms)] = (bins[binOf(ms)] ?? 0) + 1;
          const sorted = latencies.toSorted((a, b) => a - b);
          for (const p of [50, 95, 99]) {
            const exact = sorted[Math.ceil((p / 100) * sorted.length) - 1] ?? 0;
            const estimate = percentileOfBins(bins, p) ?? Number.NaN;
            // Both lie in the same bin, and a bin spans a factor of 2^(1/4).
            if (Math.abs(estimate - exact) > exact * (2 ** 0.25 - 1) + 0.1) return false;
          }
          return true;
        },
      ),
    );
    expect(percentileOfBins(new Array(LATENCY_BIN_COUNT).fill(0), 50)).toBeNull();
  });
});
