// The exact path of GET /api/v1/metrics (minute buckets, or one server's figures): one pass over the team's requests
// in the window, grouped by group and time bucket, with exact nearest-rank latency percentiles from a window
// function (SQLite has no percentile aggregate). Only the aggregated rows leave D1, whatever the window holds.

export type MetricsGroup = "server" | "tool" | "subject" | "team";

export interface MetricsWindow {
  team: string;
  groupBy: MetricsGroup;
  server: string | undefined;
  since: number;
  until: number;
  /** Bucket size in milliseconds; buckets start at `since`. */
  size: number;
}

export interface MetricsRow {
  grp: string | null;
  /** The bucket's index from `since`. */
  b: number;
  calls: number;
  errors: number;
  denials: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  bytes_in: number;
  bytes_out: number;
}

/** Column names, fixed here: never from the request. */
const GROUP_COLUMN: Record<MetricsGroup, string> = {
  server: "server",
  tool: "target",
  subject: "subject",
  team: "team",
};

/** The rank of the nearest-rank percentile p% among n sorted values: ceil(p * n / 100), in integers. */
const rankOf = (percent: number) => `(${percent} * lat_n + 99) / 100`;

/** The statement; binds ?1 team, ?2 since, ?3 until, ?4 bucket size and, when `byServer`, ?5 server. */
export function metricsSql(groupBy: MetricsGroup, byServer: boolean): string {
  const group = GROUP_COLUMN[groupBy];
  return `
    SELECT grp, b,
      count(*) AS calls,
      sum(status NOT IN ('ok', 'cancelled', 'denied')) AS errors,
      sum(status = 'denied') AS denials,
      max(CASE WHEN timed AND lat_rn = ${rankOf(50)} THEN latency_ms END) AS p50,
      max(CASE WHEN timed AND lat_rn = ${rankOf(95)} THEN latency_ms END) AS p95,
      max(CASE WHEN timed AND lat_rn = ${rankOf(99)} THEN latency_ms END) AS p99,
      sum(bytes_in) AS bytes_in,
      sum(bytes_out) AS bytes_out
    FROM (
      -- Bound numbers arrive as REAL: the cast makes the bucket index a whole number (ts >= since, so it floors).
      SELECT ${group} AS grp, CAST((ts - ?2) / ?4 AS INTEGER) AS b, status, latency_ms, bytes_in, bytes_out,
        -- Latencies are ranked apart from the requests that have none (or were denied), which only count.
        row_number() OVER timed AS lat_rn,
        count(*) OVER (PARTITION BY ${group}, CAST((ts - ?2) / ?4 AS INTEGER), latency_ms IS NULL OR status = 'denied') AS lat_n,
        latency_ms IS NOT NULL AND status != 'denied' AS timed
      FROM events
      WHERE team = ?1 AND ts >= ?2 AND ts < ?3 AND direction = 'client_to_server' AND kind = 'request'
        ${groupBy === "tool" ? "AND method = 'tools/call'" : ""}
        ${byServer ? "AND server = ?5" : ""}
      WINDOW timed AS (
        PARTITION BY ${group}, CAST((ts - ?2) / ?4 AS INTEGER), latency_ms IS NULL OR status = 'denied' ORDER BY latency_ms
      )
    )
    GROUP BY grp, b
    ORDER BY b, grp`;
}

/** One row per group and bucket, oldest bucket first, then by group. */
export async function aggregateRequests(d1: D1Database, window: MetricsWindow): Promise<MetricsRow[]> {
  const byServer = window.server !== undefined;
  const binds: unknown[] = [window.team, window.since, window.until, window.size];
  if (byServer) binds.push(window.server);
  const { results } = await d1
    .prepare(metricsSql(window.groupBy, byServer))
    .bind(...binds)
    .all<MetricsRow>();
  return results;
}
