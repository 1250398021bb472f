// /api/v1/metrics on events a bridge shipped, so counts, latencies and buckets are known exactly.
import { beforeAll, describe, expect, it } from "vitest";
import { api, ingestEvent, mintToken, openBridgeSession, shipEvents } from "./helpers.ts";

const TEAM = "metrics-api";
let token: string;
const hour = 3_600_000;
const day = 24 * hour;
// Two whole hours, at least an hour back, so the window and its buckets are fixed; and both in one UTC day, so a
// day bucket holds them all whatever the time the tests run (shifted back when they would straddle midnight).
const candidate = Math.floor((Date.now() - 3 * hour) / hour) * hour;
const start =
  Math.floor(candidate / day) === Math.floor((candidate + 2 * hour - 1) / day)
    ? candidate
    : Math.floor((candidate + 2 * hour) / day) * day - 2 * hour;

const call = (at: number, tool: string, subject: string, overrides: Record<string, unknown> = {}) =>
  ingestEvent({
    ts: at,
    target: tool,
    latency_ms: 10,
    bytes_in: 100,
    bytes_out: 1_000,
    params_excerpt: subject,
    ...overrides,
  });

interface MetricsRow {
  group: string | null;
  bucket_start: string;
  calls: number;
  errors: number;
  error_rate: number;
  denials: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  bytes_in: number;
  bytes_out: number;
}

async function metrics(query: string) {
  const response = await api(
    "GET",
    `/api/v1/metrics?server=measured&since=${start}&until=${start + 2 * hour}&${query}`,
    token,
  );
  expect(response.status).toBe(200);
  return response.json<{ rows: MetricsRow[] }>();
}

beforeAll(async () => {
  token = await mintToken({ team: TEAM, sub: "ann", roles: ["member"] });
  const session = await openBridgeSession(token, "measured", start);
  const first = Array.from({ length: 10 }, (_, i) =>
    call(start + i * 1_000, "read_file", "ann", { latency_ms: (i + 1) * 10 }),
  );
  const batch = [
    ...first,
    call(start + 20_000, "read_file", "ann", { status: "error", error_code: -32603 }),
    call(start + 30_000, "rm", "ann", { status: "denied", decision: "deny", latency_ms: 0 }),
    call(start + hour + 5_000, "read_file", "ann", { latency_ms: 7 }),
  ];
  await shipEvents(token, session, batch);
});

describe("/api/v1/metrics", () => {
  it("counts calls, errors, denials, latency percentiles and bytes per tool and hour", async () => {
    const { rows } = await metrics("group_by=tool&bucket=hour");
    expect(rows).toEqual([
      {
        group: "read_file",
        bucket_start: new Date(start).toISOString(),
        calls: 11,
        errors: 1,
        error_rate: 1 / 11,
        denials: 0,
        p50_ms: 50,
        p95_ms: 100,
        p99_ms: 100,
        bytes_in: 1_100,
        bytes_out: 11_000,
      },
      expect.objectContaining({ group: "rm", calls: 1, denials: 1, errors: 0, p50_ms: null }),
      expect.objectContaining({
        group: "read_file",
        bucket_start: new Date(start + hour).toISOString(),
        calls: 1,
        p50_ms: 7,
      }),
    ]);
  });

  it("groups by subject or server and day", async () => {
    const { rows } = await metrics("group_by=subject&bucket=day");
    expect(rows).toEqual([expect.objectContaining({ group: "ann", calls: 13, errors: 1, denials: 1 })]);
    const byServer = await metrics("group_by=server&bucket=day");
    expect(byServer.rows.map((row) => row.group)).toEqual(["measured"]);
  });

  it("computes exact nearest-rank percentiles over every request of a bucket, in any order of arrival", async () => {
    const session = await openBridgeSession(token, "ranked", start);
    // 1..200 ms, shuffled, plus denied and untimed requests that count as calls but have no latency to rank.
    const latencies = Array.from({ length: 200 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    await shipEvents(token, session, [
      ...latencies.map((ms, i) => call(start + i, "search", "ann", { latency_ms: ms })),
      call(start + 500, "search", "ann", { status: "denied", decision: "deny", latency_ms: 5_000 }),
      call(start + 600, "search", "ann", { status: "incomplete", latency_ms: null }),
    ]);
    const response = await api(
      "GET",
      `/api/v1/metrics?server=ranked&group_by=tool&bucket=day&since=${start}&until=${start + hour}`,
      token,
    );
    const { rows } = await response.json<{ rows: MetricsRow[] }>();
    expect(rows).toEqual([
      expect.objectContaining({
        group: "search",
        calls: 202,
        denials: 1,
        errors: 1,
        p50_ms: 100,
        p95_ms: 190,
        p99_ms: 198,
      }),
    ]);
  });

  it("answers hour and day buckets of the whole team from the hourly rollup: exact counts, binned percentiles", async () => {
    const rollupToken = await mintToken({ team: "metrics-rollup", sub: "ann", roles: ["member"] });
    const session = await openBridgeSession(rollupToken, "rolled", start);
    const latencies = Array.from({ length: 100 }, (_, i) => (i + 1) * 10); // 10..1000 ms
    const batch = [
      ...latencies.map((ms, i) => call(start + i, "search", "ann", { latency_ms: ms })),
      call(start + 200, "search", "ann", { status: "error", error_code: -32603, latency_ms: 5 }),
      call(start + 300, "rm", "bob", { status: "denied", decision: "deny", latency_ms: 0 }),
      call(start + hour + 1, "search", "bob", { latency_ms: 70 }),
    ];
    await shipEvents(rollupToken, session, batch);
    // The same batch again, as a replayed spool sends it: stored once, so counted once.
    await shipEvents(rollupToken, session, batch);

    const read = async (query: string) => {
      const response = await api(
        "GET",
        `/api/v1/metrics?since=${start}&until=${start + 2 * hour}&${query}`,
        rollupToken,
      );
      expect(response.status).toBe(200);
      return response.json<{ percentiles: string; rows: MetricsRow[] }>();
    };
    const rolled = await read("group_by=tool&bucket=hour");
    expect(rolled.percentiles).toBe("histogram");
    const exact = await read("group_by=tool&bucket=hour&server=rolled");
    expect(exact.percentiles).toBe("exact");
    // Counts and bytes agree exactly; each percentile lies within its bin (about 19 %) of the exact one.
    const counts = (rows: MetricsRow[]) =>
      rows.map(({ group, bucket_start, calls, errors, denials, bytes_in, bytes_out }) => ({
        group,
        bucket_start,
        calls,
        errors,
        denials,
        bytes_in,
        bytes_out,
      }));
    expect(counts(rolled.rows)).toEqual(counts(exact.rows));
    expect(counts(rolled.rows)).toEqual([
      expect.objectContaining({ group: "rm", calls: 1, denials: 1 }),
      expect.objectContaining({ group: "search", calls: 101, errors: 1 }),
      expect.objectContaining({
        group: "search",
        calls: 1,
        bucket_start: new Date(start + hour).toISOString(),
      }),
    ]);
    rolled.rows.forEach((row, i) => {
      const truth = exact.rows[i];
      for (const p of ["p50_ms", "p95_ms", "p99_ms"] as const) {
        if (truth?.[p] === null) expect(row[p]).toBeNull();
        else
          expect(Math.abs((row[p] ?? 0) - (truth?.[p] ?? 0)) / (truth?.[p] ?? 1)).toBeLessThanOrEqual(0.19);
      }
    });
    // A bridge's events are all its registrant's: one subject, every call of the day.
    const byDay = await read("group_by=subject&bucket=day");
    expect(byDay.rows.map(({ group, calls }) => ({ group, calls }))).toEqual([{ group: "ann", calls: 103 }]);
  });

  it("widens the window to whole UTC buckets, and takes minute buckets exactly", async () => {
    const response = await api(
      "GET",
      `/api/v1/metrics?server=measured&bucket=hour&since=${start + 25 * 60_000}&until=${start + hour + 60_000}`,
      token,
    );
    const body = await response.json<{
      since: string;
      until: string;
      percentiles: string;
      rows: MetricsRow[];
    }>();
    expect(body.since).toBe(new Date(start).toISOString());
    expect(body.until).toBe(new Date(start + 2 * hour).toISOString());
    expect(body.rows.map((row) => row.bucket_start)).toContain(new Date(start).toISOString());
    const minutes = await api(
      "GET",
      `/api/v1/metrics?bucket=minute&since=${start}&until=${start + 60_000}`,
      token,
    );
    expect((await minutes.json<{ percentiles: string }>()).percentiles).toBe("exact");
  });

  it("refuses a window it cannot bucket", async () => {
    const reversed = await api("GET", `/api/v1/metrics?since=${start + hour}&until=${start}`, token);
    expect(reversed.status).toBe(400);
    const tooMany = await api("GET", `/api/v1/metrics?bucket=minute&since=0&until=${start}`, token);
    expect(tooMany.status).toBe(400);
    expect((await api("GET", "/api/v1/metrics?group_by=colour", token)).status).toBe(400);
  });
});
