// /api/v1/ingest: where a local bridge (`helmet` with HELMET_SESSION_TOKEN) registers its sessions and ships its
// events, so they are queried through /api/v1/logs like gateway traffic. Member role. A session belongs to the
// caller who registered it; events are filed under that session's team, server and subject, whatever the
// bridge claims. Event ids make shipping idempotent: a batch sent twice (a replayed spool) is stored once.
// Excerpts arrive redacted by the bridge and are redacted again here: the log never trusts a client with that.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env.ts";
import { redactText } from "../core/detectors/detect.ts";
import { database } from "../db/client.ts";
import { type SessionRow, sessions } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { apiRoute, type ErrorCodes } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";
import { enqueueEvents } from "../logging/event-queue.ts";
import type { StoredEvent } from "../logging/log-store.ts";
import { findServer } from "../registry/server-store.ts";

/** Largest ingest request body. */
const MAX_INGEST_BYTES = 2 * 1024 * 1024;
const MAX_EVENTS_PER_BATCH = 500;
/** How far back a spooled event may be (a bridge offline for a while), and how far ahead a clock may run. */
const MAX_EVENT_AGE_MS = 30 * 24 * 3_600_000;
const MAX_CLOCK_AHEAD_MS = 10 * 60_000;

const Uuid = z.uuid().openapi({ example: "0b9f4a8e-3c1e-4d7a-9a53-6c2f0e8b7d41" });
const short = (max: number) => z.string().max(max).nullable();

const RegisterSession = z
  .strictObject({
    id: Uuid,
    server: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "must be 1-63 lower-case letters, digits, '.', '_' or '-'"),
    client_name: short(256).optional(),
    client_version: short(64).optional(),
    protocol_version: short(32).optional(),
    machine: z.strictObject({
      host: z.string().max(256),
      os: z.string().max(64),
      arch: z.string().max(32),
      node: z.string().max(32),
      helmet: z.string().max(32),
    }),
    started_at: z.number().int().min(0),
  })
  .openapi("BridgeSession");

const IngestEvent = z.strictObject({
  id: Uuid,
  ts: z.number().int().min(0),
  direction: z.enum(["client_to_server", "server_to_client"]),
  kind: z.enum(["request", "notification", "response"]),
  method: short(256),
  target: short(2_048),
  request_id: short(256),
  status: z.enum([
    "ok",
    "error",
    "rejected",
    "upstream_error",
    "incomplete",
    "uninspected",
    "cancelled",
    "denied",
  ]),
  error_code: z.number().int().nullable(),
  latency_ms: z.number().int().min(0).nullable(),
  bytes_in: z.number().int().min(0),
  bytes_out: z.number().int().min(0),
  progress_count: z.number().int().min(0).default(0),
  decision: z.enum(["allow", "deny", "would_deny", "redact"]).nullable(),
  rule: short(128),
  redactions: z
    .array(z.strictObject({ detector: z.string().max(64), path: z.string().max(512) }))
    .max(100)
    .nullable(),
  params_excerpt: short(8_192),
  result_excerpt: short(8_192),
});

const EventBatch = z
  .strictObject({
    session_id: Uuid,
    events: z.array(IngestEvent).min(1).max(MAX_EVENTS_PER_BATCH),
  })
  .openapi("EventBatch");

const SessionParam = z.object({
  id: Uuid.openapi({
    param: { name: "id", in: "path" },
    description: "The bridge session's id, as registered with POST /api/v1/ingest/sessions.",
  }),
});

const Registered = z
  .object({ id: z.string(), server: z.string(), source: z.literal("bridge") })
  .openapi("RegisteredBridgeSession");

const TOO_LARGE: ErrorCodes = {
  413: {
    body_too_large: {
      when: `The request is larger than ${MAX_INGEST_BYTES} bytes.`,
      message: `An ingest request may carry at most ${MAX_INGEST_BYTES} bytes.`,
    },
  },
};

const NOT_YOURS: ErrorCodes[404] = {
  session_not_found: {
    when: "The session is not a bridge session you registered (or does not exist).",
    message: "No bridge session '0b9f4a8e-3c1e-4d7a-9a53-6c2f0e8b7d41' of yours is registered.",
  },
};

const count = z.number().int().min(0);
const millis = z.number().min(0).nullable();

const Metrics = z
  .strictObject({
    at: z.number().int().min(0),
    totals: z.strictObject({ calls: count, errors: count, bytes_in: count, bytes_out: count }),
    interval: z.strictObject({
      ms: z.number().min(0),
      calls: count,
      errors: count,
      p50_ms: millis,
      p95_ms: millis,
      p99_ms: millis,
      bytes_in: count,
      bytes_out: count,
    }),
  })
  .openapi("BridgeMetrics");

const redacted = (excerpt: string | null) => (excerpt === null ? null : redactText(excerpt).text);

/** Who an ingested event is filed under: the session's owner, never what the bridge claims. */
export interface EventOwner {
  team: string;
  sessionId: string;
  server: string;
  subject: string;
}

/** An ingested event as the events table stores it, its excerpts redacted again. */
export function storedEvent(event: z.output<typeof IngestEvent>, owner: EventOwner): StoredEvent {
  return {
    id: event.id,
    ts: event.ts,
    ...owner,
    direction: event.direction,
    kind: event.kind,
    method: event.method,
    target: event.target,
    requestId: event.request_id,
    status: event.status,
    errorCode: event.error_code,
    latencyMs: event.latency_ms,
    bytesIn: event.bytes_in,
    bytesOut: event.bytes_out,
    progressCount: event.progress_count,
    decision: event.decision,
    rule: event.rule,
    redactions: event.redactions === null ? null : JSON.stringify(event.redactions),
    paramsExcerpt: redacted(event.params_excerpt),
    resultExcerpt: redacted(event.result_excerpt),
  };
}

/** The caller's own bridge session, or 404. */
async function ownSession(env: Env, team: string, subject: string, id: string): Promise<SessionRow> {
  const row = await database(env)
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, id), eq(sessions.team, team)))
    .get();
  if (!row || row.subject !== subject || row.source !== "bridge") {
    throw new GatewayError(404, "session_not_found", `No bridge session '${id}' of yours is registered.`);
  }
  return row;
}

export const ingestApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

ingestApi.use(
  "*",
  bodyLimit({
    maxSize: MAX_INGEST_BYTES,
    onError: () => {
      throw new GatewayError(
        413,
        "body_too_large",
        `An ingest request may carry at most ${MAX_INGEST_BYTES} bytes.`,
      );
    },
  }),
);

ingestApi.openapi(
  apiRoute({
    method: "post",
    path: "/sessions",
    summary: "Register a bridge session",
    description:
      "Called by `helmet` when a client initializes the stdio server it wraps. The session is filed under the " +
      "caller's team and subject; registering the same id again is a harmless retry.",
    tags: ["Ingest"],
    role: "member",
    request: { body: { required: true, content: { "application/json": { schema: RegisterSession } } } },
    responses: {
      201: { description: "Registered.", content: { "application/json": { schema: Registered } } },
      200: {
        description: "Already registered by the caller (a retry).",
        content: { "application/json": { schema: Registered } },
      },
    },
    errors: {
      ...TOO_LARGE,
      409: {
        session_exists: {
          when: "Someone else registered a session with this id.",
          message: "Session '0b9f4a8e-3c1e-4d7a-9a53-6c2f0e8b7d41' is already registered.",
        },
      },
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const { team, subject } = c.get("identity");
    const db = database(c.env);
    const server = await findServer(db, team, input.server);
    const row: SessionRow = {
      id: input.id,
      team,
      source: "bridge",
      machine: JSON.stringify(input.machine),
      metrics: null,
      // A bridge may wrap a server the gateway has never registered; it is still filed under its name.
      serverId: server?.id ?? `bridge:${input.server}`,
      server: input.server,
      subject,
      clientName: input.client_name ?? null,
      clientVersion: input.client_version ?? null,
      protocolVersion: input.protocol_version ?? null,
      upstreamSessionId: null,
      initializeParams: null,
      startedAt: input.started_at,
      lastSeenAt: input.started_at,
      endedAt: null,
    };
    const inserted = await db
      .insert(sessions)
      .values(row)
      .onConflictDoNothing()
      .returning({ id: sessions.id });
    if (inserted.length === 1)
      return c.json({ id: row.id, server: row.server, source: "bridge" as const }, 201);
    // A retry of the caller's own registration is fine; an id someone else holds is not.
    await ownSession(c.env, team, subject, input.id).catch(() => {
      throw new GatewayError(409, "session_exists", `Session '${input.id}' is already registered.`);
    });
    return c.json({ id: row.id, server: row.server, source: "bridge" as const }, 200);
  },
);

ingestApi.openapi(
  apiRoute({
    method: "post",
    path: "/sessions/{id}/end",
    summary: "End a bridge session",
    tags: ["Ingest"],
    role: "member",
    request: {
      params: SessionParam,
      body: {
        required: true,
        content: { "application/json": { schema: z.strictObject({ ended_at: z.number().int().min(0) }) } },
      },
    },
    responses: { 204: { description: "Ended." } },
    errors: { ...TOO_LARGE, 404: NOT_YOURS },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { ended_at: endedAt } = c.req.valid("json");
    const { team, subject } = c.get("identity");
    await ownSession(c.env, team, subject, id);
    await database(c.env)
      .update(sessions)
      .set({ endedAt, lastSeenAt: sql`max(${sessions.lastSeenAt}, ${endedAt})` })
      .where(and(eq(sessions.id, id), eq(sessions.team, team)));
    return c.body(null, 204);
  },
);

ingestApi.openapi(
  apiRoute({
    method: "post",
    path: "/sessions/{id}/metrics",
    summary: "Report a bridge session's metrics",
    description:
      "The bridge's running totals and its last interval's latency percentiles. The newest report (by `at`) is " +
      "kept; an older one replayed from a spool is ignored.",
    tags: ["Ingest"],
    role: "member",
    request: {
      params: SessionParam,
      body: { required: true, content: { "application/json": { schema: Metrics } } },
    },
    responses: { 204: { description: "Stored as the session's latest metrics." } },
    errors: { ...TOO_LARGE, 404: NOT_YOURS },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const metrics = c.req.valid("json");
    const { team, subject } = c.get("identity");
    const session = await ownSession(c.env, team, subject, id);
    // Replayed from a spool, an older report may arrive after a newer one: the newest wins.
    const stored = session.metrics ? (JSON.parse(session.metrics) as { at?: number }) : null;
    if (!stored || (stored.at ?? 0) <= metrics.at) {
      await database(c.env)
        .update(sessions)
        .set({
          metrics: JSON.stringify(metrics),
          lastSeenAt: sql`max(${sessions.lastSeenAt}, ${metrics.at})`,
        })
        .where(and(eq(sessions.id, id), eq(sessions.team, team)));
    }
    return c.body(null, 204);
  },
);

ingestApi.openapi(
  apiRoute({
    method: "post",
    path: "/events",
    summary: "Ship a batch of events",
    description:
      "Up to 500 events of one bridge session. Excerpts are redacted again here, whatever the bridge sent.",
    tags: ["Ingest"],
    role: "member",
    request: { body: { required: true, content: { "application/json": { schema: EventBatch } } } },
    responses: {
      202: {
        description:
          "Accepted: the events are queued and appear in the logs within seconds. An event id already stored " +
          "is not stored again, so a batch may safely be sent twice.",
        content: { "application/json": { schema: z.object({ received: z.number().int() }) } },
      },
    },
    errors: {
      ...TOO_LARGE,
      400: {
        validation_failed: {
          when: "An event's timestamp is more than 30 days old or more than 10 minutes ahead of the gateway's clock.",
          message: "Event '…' has a timestamp more than 30 days old or ahead of the gateway's clock.",
        },
      },
      404: NOT_YOURS,
    },
  }),
  async (c) => {
    const batch = c.req.valid("json");
    const { team, subject } = c.get("identity");
    const session = await ownSession(c.env, team, subject, batch.session_id);
    const now = Date.now();
    const tooOld = batch.events.find(
      (event) => event.ts < now - MAX_EVENT_AGE_MS || event.ts > now + MAX_CLOCK_AHEAD_MS,
    );
    if (tooOld) {
      throw new GatewayError(
        400,
        "validation_failed",
        `Event '${tooOld.id}' has a timestamp more than 30 days old or ahead of the gateway's clock.`,
      );
    }
    const owner = { team, sessionId: session.id, server: session.server, subject };
    const rows = batch.events.map((event) => storedEvent(event, owner));
    const latest = Math.max(...rows.map((row) => row.ts));
    await enqueueEvents(c.env, rows, new Map([[session.id, latest]]));
    return c.json({ received: rows.length }, 202);
  },
);
