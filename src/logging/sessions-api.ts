// /api/v1/sessions: the team's MCP sessions, through the gateway and from local bridges, newest first, and one
// session with its client and machine metadata, its latest metrics and its event timeline. Viewer role.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, desc, eq, gt, isNotNull, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { AppEnv } from "../app-env.ts";
import { database } from "../db/client.ts";
import { events, type SessionRow, sessions } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { apiRoute } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";
import { decodeCursor, encodeCursor, LogItem, timestamp, toItem } from "./log-item.ts";

const text = (max: number) => z.string().min(1).max(max);

const SessionsQuery = z.object({
  server: text(63).optional().openapi({ description: "The server's name.", example: "github" }),
  subject: text(256).optional().openapi({ description: "The caller's `sub`.", example: "alice" }),
  source: z
    .enum(["gateway", "bridge"])
    .optional()
    .openapi({ description: "Sessions through the gateway, or those local bridges reported." }),
  active: z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .optional()
    .openapi({ description: "true: sessions not ended yet; false: ended ones." }),
  since: timestamp.optional().openapi({ description: "Sessions started at or after this time." }),
  until: timestamp.optional().openapi({ description: "Sessions started before this time." }),
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: "Sessions per page." }),
  cursor: text(512).optional().openapi({ description: "next_cursor of the previous page." }),
});

const CURSOR_REFUSED = {
  validation_failed: {
    when: "`cursor` is not one this API returned.",
    message: "Invalid request: query parameter 'cursor' is not a cursor this API returned.",
  },
};

const EXAMPLE_SESSION = {
  id: "ses_4fG8hK1pZx6cV3nB9mQwRt",
  source: "gateway",
  server: "github",
  subject: "alice",
  client: { name: "claude-code", version: "2.1.0" },
  protocol_version: "2025-11-25",
  machine: null,
  metrics: null,
  started_at: "2026-11-21T17:50:02.417Z",
  last_seen_at: "2026-11-21T17:54:12.113Z",
  ended_at: null,
  active: true,
};

const Session = z
  .object({
    id: z.string(),
    source: z.enum(["gateway", "bridge"]),
    server: z.string(),
    subject: z.string(),
    client: z.object({ name: z.string().nullable(), version: z.string().nullable() }),
    protocol_version: z.string().nullable(),
    machine: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: "Bridge sessions: host, os, arch, node and helmet versions." }),
    metrics: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: "Bridge sessions: the latest metrics report (totals and the last interval)." }),
    started_at: z.string(),
    last_seen_at: z.string(),
    ended_at: z.string().nullable(),
    active: z.boolean(),
  })
  .openapi("Session", { example: EXAMPLE_SESSION });

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
const json = (value: string | null) =>
  value === null ? null : (JSON.parse(value) as Record<string, unknown>);

function toApi(row: SessionRow): z.infer<typeof Session> {
  return {
    id: row.id,
    source: row.source === "bridge" ? "bridge" : "gateway",
    server: row.server,
    subject: row.subject,
    client: { name: row.clientName, version: row.clientVersion },
    protocol_version: row.protocolVersion,
    machine: json(row.machine),
    metrics: json(row.metrics),
    started_at: new Date(row.startedAt).toISOString(),
    last_seen_at: new Date(row.lastSeenAt).toISOString(),
    ended_at: iso(row.endedAt),
    active: row.endedAt === null,
  };
}

export const sessionsApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

sessionsApi.openapi(
  apiRoute({
    method: "get",
    path: "/",
    summary: "List sessions",
    tags: ["Sessions"],
    role: "viewer",
    description:
      "The team's MCP sessions, through the gateway and from local bridges, newest first. `next_cursor` fetches " +
      "the next page; it is null on the last one.",
    request: { query: SessionsQuery },
    responses: {
      200: {
        description: "A page of sessions, newest first.",
        content: {
          "application/json": {
            schema: z.object({ items: z.array(Session), next_cursor: z.string().nullable() }),
            example: { items: [EXAMPLE_SESSION], next_cursor: null },
          },
        },
      },
    },
    errors: { 400: CURSOR_REFUSED },
  }),
  async (c) => {
    const { limit, cursor, server, subject, source, active, since, until } = c.req.valid("query");
    const conditions: SQL[] = [eq(sessions.team, c.get("identity").team)];
    if (server !== undefined) conditions.push(eq(sessions.server, server));
    if (subject !== undefined) conditions.push(eq(sessions.subject, subject));
    if (source !== undefined) conditions.push(eq(sessions.source, source));
    if (active !== undefined)
      conditions.push(active ? isNull(sessions.endedAt) : isNotNull(sessions.endedAt));
    const after = cursor ? decodeCursor(cursor) : null;
    // The cursor narrows the range itself, so a deep page seeks instead of scanning down to it (see queryEvents).
    const before = after ? Math.min(until ?? Number.POSITIVE_INFINITY, after.ts + 1) : until;
    if (since !== undefined) conditions.push(sql`${sessions.startedAt} >= ${since}`);
    if (before !== undefined) conditions.push(lt(sessions.startedAt, before));
    if (after) {
      const older = or(
        lt(sessions.startedAt, after.ts),
        and(eq(sessions.startedAt, after.ts), lt(sessions.id, after.id)),
      );
      if (older) conditions.push(older);
    }
    const rows = await database(c.env)
      .select()
      .from(sessions)
      .where(and(...conditions))
      .orderBy(desc(sessions.startedAt), desc(sessions.id))
      .limit(limit + 1)
      .all();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor({ ts: last.startedAt, id: last.id }) : null;
    return c.json({ items: page.map(toApi), next_cursor: nextCursor }, 200);
  },
);

sessionsApi.openapi(
  apiRoute({
    method: "get",
    path: "/{id}",
    summary: "Read a session and its events",
    tags: ["Sessions"],
    role: "viewer",
    description:
      "The session with its client and machine metadata and latest metrics, and a page of its events in the " +
      "order they happened; `events_next_cursor` fetches the next page.",
    request: {
      params: z.object({
        id: text(64).openapi({
          param: { name: "id", in: "path" },
          description: "The session's id.",
          example: "ses_4fG8hK1pZx6cV3nB9mQwRt",
        }),
      }),
      query: z.object({
        limit: z.coerce
          .number()
          .int()
          .min(1)
          .max(1_000)
          .default(200)
          .openapi({ description: "Events per page." }),
        cursor: text(512).optional().openapi({ description: "events_next_cursor of the previous page." }),
      }),
    },
    responses: {
      200: {
        description: "The session, and its events in the order they happened.",
        content: {
          "application/json": {
            schema: Session.extend({
              events: z.array(LogItem),
              events_next_cursor: z.string().nullable(),
            }),
            example: { ...EXAMPLE_SESSION, events: [], events_next_cursor: null },
          },
        },
      },
    },
    errors: {
      400: CURSOR_REFUSED,
      404: {
        session_not_found: {
          when: "Your team has no session of that id.",
          message: "Your team has no session 'ses_4fG8hK1pZx6cV3nB9mQwRt'.",
        },
      },
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const team = c.get("identity").team;
    const db = database(c.env);
    const row = await db
      .select()
      .from(sessions)
      .where(and(eq(sessions.team, team), eq(sessions.id, id)))
      .get();
    if (!row) throw new GatewayError(404, "session_not_found", `Your team has no session '${id}'.`);
    const conditions: SQL[] = [eq(events.team, team), eq(events.sessionId, id)];
    if (cursor) {
      const after = decodeCursor(cursor);
      const newer = or(gt(events.ts, after.ts), and(eq(events.ts, after.ts), gt(events.id, after.id)));
      if (newer) conditions.push(newer);
    }
    const rows = await db
      .select()
      .from(events)
      .where(and(...conditions))
      .orderBy(asc(events.ts), asc(events.id))
      .limit(limit + 1)
      .all();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      {
        ...toApi(row),
        events: page.map(toItem),
        events_next_cursor: rows.length > limit && last ? encodeCursor({ ts: last.ts, id: last.id }) : null,
      },
      200,
    );
  },
);
