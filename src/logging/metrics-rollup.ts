// /api/v1/metrics for hour and day buckets, read from metric_rollups (one row per team, dimension, UTC hour and
// key, kept by a trigger on events) instead of a pass over the window's events: a day by tool is 24 rows per
// tool whatever the traffic. Percentiles come from the rows' latency histograms (latency-bins.ts), so they are
// approximate within a bin (about 19 %); counts and bytes are exact.
import { LATENCY_BIN_COUNT, percentileOfBins } from "./latency-bins.ts";
import type { MetricsGroup, MetricsRow } from "./metrics-query.ts";

const HOUR_MS = 3_600_000;
const BIN_COLUMNS = Array.from({ length: LATENCY_BIN_COUNT }, (_, k) => `b${k}`).join(", ");

const ROLLUP_SQL = `SELECT key, hour, calls, errors, denials, bytes_in, bytes_out, ${BIN_COLUMNS}
  FROM metric_rollups WHERE team = ?1 AND dimension = ?2 AND hour >= ?3 AND hour < ?4`;

/** The statement; binds ?1 team, ?2 dimension, ?3 first hour, ?4 end (exclusive). */
export function rollupSql(): string {
  return ROLLUP_SQL;
}

type RollupRow = {
  key: string;
  hour: number;
  calls: number;
  errors: number;
  denials: number;
  bytes_in: number;
  bytes_out: number;
} & Record<string, number>;

interface Bucket {
  grp: string;
  b: number;
  calls: number;
  errors: number;
  denials: number;
  bytesIn: number;
  bytesOut: number;
  bins: number[];
}

/**
 * One row per group and bucket for a window of whole hours (`since` and `until` on hour boundaries, `size` a whole
 * number of hours), oldest bucket first, then by group.
 */
export async function aggregateRollups(
  d1: D1Database,
  window: { team: string; groupBy: MetricsGroup; since: number; until: number; size: number },
): Promise<MetricsRow[]> {
  if (window.since % HOUR_MS !== 0 || window.until % HOUR_MS !== 0 || window.size % HOUR_MS !== 0) {
    throw new Error("metric rollups hold whole hours: the window and bucket must be whole hours");
  }
  const { results } = await d1
    .prepare(ROLLUP_SQL)
    .bind(window.team, window.groupBy, window.since, window.until)
    .all<RollupRow>();
  const buckets = new Map<string, Bucket>();
  for (const row of results) {
    const b = Math.floor((row.hour - window.since) / window.size);
    const id = `${b}\u0000${row.key}`;
    let bucket = buckets.get(id);
    if (!bucket) {
      bucket = {
        grp: row.key,
        b,
        calls: 0,
        errors: 0,
        denials: 0,
        bytesIn: 0,
        bytesOut: 0,
        bins: new Array<number>(LATENCY_BIN_COUNT).fill(0),
      };
      buckets.set(id, bucket);
    }
    bucket.calls += row.calls;
    bucket.errors += row.errors;
    bucket.denials += row.denials;
    bucket.bytesIn += row.bytes_in;
    bucket.bytesOut += row.bytes_out;
    for (let k = 0; k < LATENCY_BIN_COUNT; k++) bucket.bins[k] = (bucket.bins[k] ?? 0) + (row[`b${k}`] ?? 0);
  }
  return [...buckets.values()]
    .sort((x, y) => x.b - y.b || (x.grp < y.grp ? -1 : x.grp > y.grp ? 1 : 0))
    .map((bucket) => ({
      grp: bucket.grp,
      b: bucket.b,
      calls: bucket.calls,
      errors: bucket.errors,
      denials: bucket.denials,
      p50: percentileOfBins(bucket.bins, 50),
      p95: percentileOfBins(bucket.bins, 95),
      p99: percentileOfBins(bucket.bins, 99),
      bytes_in: bucket.bytesIn,
      bytes_out: bucket.bytesOut,
    }));
}
