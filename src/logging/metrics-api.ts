// GET /api/v1/metrics: usage in one call ("which tools does who use, how often, how slow"): per group (server,
// tool, subject or team) and time bucket (minute, hour, day), the calls, errors, error rate, denials, latency
// percentiles and bytes of the team's requests. Hour and day buckets of the whole team read the hourly rollup
// (metrics-rollup.ts); minute buckets and a server filter take an exact pass over the events (metrics-query.ts).
// docs/scaling.md names the path past both (Analytics Engine).
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { GatewayError } from "../errors.ts";
import { apiRoute } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";
import { timestamp } from "./log-item.ts";
import { aggregateRequests } from "./metrics-query.ts";
import { aggregateRollups } from "./metrics-rollup.ts";

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
    .openapi({
      description:
        `The time bucket, a whole UTC minute, hour or day; the window is widened to whole buckets and spans at ` +
        `most ${MAX_BUCKETS} of them.`,
    }),
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

const EXAMPLE_ROW = {
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
};

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
    example: EXAMPLE_ROW,
  });

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
      "team's requests in the window. Errors are requests whose outcome was neither ok, cancelled nor denied; " +
      "the percentiles (nearest rank) leave out denied requests, which never reached the server.",
    request: { query: MetricsQuery },
    responses: {
      200: {
        description: "One row per group and bucket, oldest bucket first.",
        content: {
          "application/json": {
            schema: z.object({
              group_by: z.string(),
              bucket: z.string(),
              since: z.string().openapi({ description: "The window's start, widened to a whole bucket." }),
              until: z.string().openapi({ description: "The window's end, widened to a whole bucket." }),
              percentiles: z.enum(["exact", "histogram"]).openapi({
                description:
                  "exact: nearest rank over every request (minute buckets, or a `server` filter). histogram: from " +
                  "the hourly rollup's latency bins (hour and day buckets of the whole team), within about 19 %.",
              }),
              rows: z.array(Row),
            }),
            example: {
              group_by: "server",
              bucket: "hour",
              since: "2026-11-20T18:00:00.000Z",
              until: "2026-11-21T18:00:00.000Z",
              percentiles: "histogram",
              rows: [EXAMPLE_ROW],
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
    const size = BUCKET_MS[query.bucket];
    // Buckets are whole UTC minutes, hours or days: the window is widened to whole buckets.
    const requestedUntil = query.until ?? Date.now();
    const requestedSince = query.since ?? requestedUntil - 86_400_000;
    const since = Math.floor(requestedSince / size) * size;
    const until = Math.ceil(requestedUntil / size) * size;
    if (requestedUntil <= requestedSince || (until - since) / size > MAX_BUCKETS) {
      throw new GatewayError(
        400,
        "validation_failed",
        `Invalid request: the window must end after it starts and span at most ${MAX_BUCKETS} ${query.bucket}s.`,
      );
    }
    const team = c.get("identity").team;
    // Hour and day buckets of the whole team come from the hourly rollup; minute buckets, and a single server's
    // figures, need the exact pass over the events.
    const fromRollup = query.bucket !== "minute" && query.server === undefined;
    const rows = fromRollup
      ? await aggregateRollups(c.env.DB, { team, groupBy: query.group_by, since, until, size })
      : await aggregateRequests(c.env.DB, {
          team,
          groupBy: query.group_by,
          server: query.server,
          since,
          until,
          size,
        });
    const out = rows.map((row) => ({
      group: row.grp,
      bucket_start: new Date(since + row.b * size).toISOString(),
      calls: row.calls,
      errors: row.errors,
      error_rate: row.calls === 0 ? 0 : row.errors / row.calls,
      denials: row.denials,
      p50_ms: row.p50,
      p95_ms: row.p95,
      p99_ms: row.p99,
      bytes_in: row.bytes_in,
      bytes_out: row.bytes_out,
    }));
    return c.json(
      {
        group_by: query.group_by,
        bucket: query.bucket,
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
        percentiles: fromRollup ? ("histogram" as const) : ("exact" as const),
        rows: out,
      },
      200,
    );
  },
);
