// GET /api/v1/metrics: usage in one call ("which tools does who use, how often, how slow"): per group (server,
// tool, subject or team) and time bucket (minute, hour, day), the calls, errors, error rate, denials, latency
// percentiles and bytes of the team's requests. Computed from the events table: the requests of the window are read
// (at most MAX_REQUESTS, newest first; the answer says when the cap cut it) and aggregated here, since D1 has no
// percentile function. docs/scaling.md names the path past that (Analytics Engine).
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { AppEnv } from "../app-env.ts";
import { database } from "../db/client.ts";
import { events } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { apiRoute } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";
import { timestamp } from "./log-item.ts";

const MAX_REQUESTS = 100_000;
const BUCKET_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const MAX_BUCKETS = 2_000;

const MetricsQuery = z.object({
  group_by: z
    .enum(["server", "tool", "subject", "team"])
    .default("server")
    .openapi({ description: "What each row counts: one server, tool (tools/call only), caller or team." }),
  bucket: z
    .enum(["minute", "hour", "day"])
    .default("hour")
    .openapi({ description: `The time bucket; the window spans at most ${MAX_BUCKETS} of them.` }),
  since: timestamp
    .optional()
    .openapi({ description: "Start of the window (default: 24 hours before until)." }),
  until: timestamp.optional().openapi({ description: "End of the window (default: now)." }),
  server: z
    .string()
    .min(1)
    .max(63)
    .optional()
    .openapi({ description: "Only the requests to this server.", example: "github" }),
});

const Row = z
  .object({
    group: z
      .string()
      .nullable()
      .openapi({ description: "The server, tool, subject or team; null for no tool." }),
    bucket_start: z.string(),
    calls: z.number().int(),
    errors: z.number().int(),
    error_rate: z.number(),
    denials: z.number().int(),
    p50_ms: z.number().nullable(),
    p95_ms: z.number().nullable(),
    p99_ms: z.number().nullable(),
    bytes_in: z.number().int(),
    bytes_out: z.number().int(),
  })
  .openapi("MetricsRow", {
    example: {
      group: "github",
      bucket_start: "2026-11-21T17:00:00.000Z",
      calls: 42,
      errors: 2,
      error_rate: 0.047619047619047616,
      denials: 1,
      p50_ms: 180,
      p95_ms: 920,
      p99_ms: 1430,
      bytes_in: 8_214,
      bytes_out: 96_552,
    },
  });

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
}

export const metricsApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

metricsApi.openapi(
  apiRoute({
    method: "get",
    path: "/",
    summary: "Usage metrics",
    tags: ["Metrics"],
    role: "viewer",
    description:
      "Per group and time bucket: the calls, errors, error rate, denials, latency percentiles and bytes of the " +
      `team's requests in the window. At most ${MAX_REQUESTS} requests are counted, the newest; \`truncated\` ` +
      "says when the window held more.",
    request: { query: MetricsQuery },
    responses: {
      200: {
        description: "One row per group and bucket, oldest bucket first.",
        content: {
          "application/json": {
            schema: z.object({
              group_by: z.string(),
              bucket: z.string(),
              since: z.string(),
              until: z.string(),
              rows: z.array(Row),
              truncated: z.boolean().openapi({
                description: `More than ${MAX_REQUESTS} requests: only the newest were counted.`,
              }),
            }),
            example: {
              group_by: "server",
              bucket: "hour",
              since: "2026-11-20T18:00:00.000Z",
              until: "2026-11-21T18:00:00.000Z",
              rows: [
                {
                  group: "github",
                  bucket_start: "2026-11-21T17:00:00.000Z",
                  calls: 42,
                  errors: 2,
                  error_rate: 0.047619047619047616,
                  denials: 1,
                  p50_ms: 180,
                  p95_ms: 920,
                  p99_ms: 1430,
                  bytes_in: 8_214,
                  bytes_out: 96_552,
                },
              ],
              truncated: false,
            },
          },
        },
      },
    },
    errors: {
      400: {
        validation_failed: {
          when: `The window ends before it starts, or spans more than ${MAX_BUCKETS} buckets.`,
          message: `Invalid request: the window must end after it starts and span at most ${MAX_BUCKETS} hours.`,
        },
      },
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const until = query.until ?? Date.now();
    const since = query.since ?? until - 86_400_000;
    const size = BUCKET_MS[query.bucket];
    if (until <= since || (until - since) / size > MAX_BUCKETS) {
      throw new GatewayError(
        400,
        "validation_failed",
        `Invalid request: the window must end after it starts and span at most ${MAX_BUCKETS} ${query.bucket}s.`,
      );
    }
    const team = c.get("identity").team;
    // Requests the client sent: each carries its own latency, outcome and bytes.
    const conditions: SQL[] = [
      eq(events.team, team),
      eq(events.direction, "client_to_server"),
      eq(events.kind, "request"),
      gte(events.ts, since),
      lt(events.ts, until),
    ];
    if (query.server !== undefined) conditions.push(eq(events.server, query.server));
    const rows = await database(c.env)
      .select({
        ts: events.ts,
        server: events.server,
        subject: events.subject,
        team: events.team,
        method: events.method,
        target: events.target,
        status: events.status,
        latencyMs: events.latencyMs,
        bytesIn: events.bytesIn,
        bytesOut: events.bytesOut,
      })
      .from(events)
      .where(and(...conditions))
      .orderBy(desc(events.ts))
      .limit(MAX_REQUESTS + 1)
      .all();
    const truncated = rows.length > MAX_REQUESTS;
    const groups = new Map<
      string,
      {
        group: string | null;
        bucket: number;
        latencies: number[];
        calls: number;
        errors: number;
        denials: number;
        bytesIn: number;
        bytesOut: number;
      }
    >();
    for (const row of rows.slice(0, MAX_REQUESTS)) {
      const group =
        query.group_by === "tool"
          ? row.method === "tools/call"
            ? row.target
            : null
          : query.group_by === "subject"
            ? row.subject
            : query.group_by === "team"
              ? row.team
              : row.server;
      if (query.group_by === "tool" && group === null) continue;
      const bucket = since + Math.floor((row.ts - since) / size) * size;
      const key = `${group}\u0000${bucket}`;
      let entry = groups.get(key);
      if (!entry) {
        entry = { group, bucket, latencies: [], calls: 0, errors: 0, denials: 0, bytesIn: 0, bytesOut: 0 };
        groups.set(key, entry);
      }
      entry.calls += 1;
      if (row.status === "denied") entry.denials += 1;
      else if (row.status !== "ok" && row.status !== "cancelled") entry.errors += 1;
      if (row.latencyMs !== null && row.status !== "denied") entry.latencies.push(row.latencyMs);
      entry.bytesIn += row.bytesIn;
      entry.bytesOut += row.bytesOut;
    }
    const out = [...groups.values()]
      .sort((a, b) => a.bucket - b.bucket || String(a.group).localeCompare(String(b.group)))
      .map((entry) => {
        const sorted = entry.latencies.sort((a, b) => a - b);
        return {
          group: entry.group,
          bucket_start: new Date(entry.bucket).toISOString(),
          calls: entry.calls,
          errors: entry.errors,
          error_rate: entry.calls === 0 ? 0 : entry.errors / entry.calls,
          denials: entry.denials,
          p50_ms: percentile(sorted, 0.5),
          p95_ms: percentile(sorted, 0.95),
          p99_ms: percentile(sorted, 0.99),
          bytes_in: entry.bytesIn,
          bytes_out: entry.bytesOut,
        };
      });
    return c.json(
      {
        group_by: query.group_by,
        bucket: query.bucket,
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
        rows: out,
        truncated,
      },
      200,
    );
  },
);
