// The latency histogram of the metrics rollup: bin 0 holds latencies under 1 ms, bin k (1..68) those from
// 2^((k-1)/4) up to 2^(k/4) ms (each bin about 19 % wide, up to 2^17 ms, about 131 s), bin 69 everything above.
// The rollup trigger (migrations/0012_metric_rollup_trigger.sql) files latencies with the same bounds.

export const LATENCY_BIN_COUNT = 70;
const STEPS_PER_DOUBLING = 4;

/** Upper bound (exclusive) of bin k, in ms; the overflow bin has none. */
export function binUpperBound(k: number): number {
  return k >= LATENCY_BIN_COUNT - 1 ? Number.POSITIVE_INFINITY : 2 ** (k / STEPS_PER_DOUBLING);
}

/** Lower bound (inclusive) of bin k, in ms. */
export function binLowerBound(k: number): number {
  return k === 0 ? 0 : 2 ** ((k - 1) / STEPS_PER_DOUBLING);
}

/** The bin a latency falls in. */
export function binOf(ms: number): number {
  for (let k = 0; k < LATENCY_BIN_COUNT - 1; k++) if (ms < binUpperBound(k)) return k;
  return LATENCY_BIN_COUNT - 1;
}

/**
 * The nearest-rank percentile `percent` of the latencies counted in `bins`, interpolated linearly within the bin
 * that holds that rank (the overflow bin answers its lower bound). Null when the bins hold nothing.
 */
export function percentileOfBins(bins: readonly number[], percent: number): number | null {
  const total = bins.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((percent / 100) * total));
  let before = 0;
  for (let k = 0; k < bins.length; k++) {
    const count = bins[k] ?? 0;
    if (count > 0 && before + count >= rank) {
      const lower = binLowerBound(k);
      const upper = binUpperBound(k);
      if (!Number.isFinite(upper)) return lower;
      const value = lower + ((upper - lower) * (rank - before)) / count;
      return Math.round(value * 10) / 10;
    }
    before += count;
  }
  return null;
}
