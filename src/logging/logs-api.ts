// GET /api/v1/logs: the team's events, newest first, filtered, with an opaque cursor for the next page.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { requireRole } from "../auth/middleware.ts";
import { base64ToBytes, bytesToBase64url } from "../core/base64url.ts";
import { database } from "../db/client.ts";
import { GatewayError } from "../errors.ts";
import { validationHook } from "../http/validation.ts";
import { type EventCursor, queryEvents, type StoredEvent } from "./log-store.ts";

const timestamp = z
  .string()
  .transform((value, ctx) => {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time or milliseconds since the epoch" });
      return z.NEVER;
    }
    return ms;
  })
  .openapi({ example: "2026-11-21T00:00:00Z" });

const text = (max: number) => z.string().min(1).max(max);

const LogsQuery = z.object({
  server: text(63).optional(),
  session: text(64).optional(),
  subject: text(256).optional(),
  method: text(128).optional(),
  tool: text(256).optional().openapi({ description: "Tool name (tools/call events only)." }),
  target: text(2048).optional().openapi({ description: "Tool, prompt or resource the event addresses." }),
  decision: z
    .enum(["allow", "deny", "would_deny", "redact"])
    .optional()
    .openapi({ description: "What the policies decided (would_deny: a dry-run policy would have denied)." }),
  rule: text(63)
    .optional()
    .openapi({ description: "The policy that decided (or matched as log or dry run)." }),
  since: timestamp.optional().openapi({ description: "Events at or after this time." }),
  until: timestamp.optional().openapi({ description: "Events before this time." }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: text(512).optional().openapi({ description: "next_cursor of the previous page." }),
});

const LogItem = z
  .object({
    id: z.string(),
    ts: z.string(),
    session_id: z.string().nullable(),
    server: z.string(),
    subject: z.string(),
    direction: z.enum(["client_to_server", "server_to_client"]),
    kind: z.enum(["request", "notification", "response"]),
    method: z.string().nullable(),
    tool: z.string().nullable(),
    target: z.string().nullable(),
    request_id: z.string().nullable(),
    status: z.string(),
    error_code: z.number().int().nullable(),
    latency_ms: z.number().int().nullable(),
    bytes_in: z.number().int(),
    bytes_out: z.number().int(),
    progress_count: z.number().int(),
    decision: z.string().nullable(),
    rule: z.string().nullable(),
    redactions: z
      .array(z.object({ detector: z.string(), path: z.string() }))
      .nullable()
      .openapi({
        description:
          "What a redact policy removed from the exchange: detector and JSON path, never the value.",
      }),
    params_excerpt: z.string().nullable(),
    result_excerpt: z.string().nullable(),
  })
  .openapi("LogItem");

function encodeCursor(cursor: EventCursor): string {
  return bytesToBase64url(new TextEncoder().encode(JSON.stringify([cursor.ts, cursor.id])));
}

const cursorSchema = z.tuple([z.number().int(), z.string().max(64)]);

function decodeCursor(raw: string): EventCursor {
  const bytes = base64ToBytes(raw);
  let parsed: ReturnType<typeof cursorSchema.safeParse> | null = null;
  try {
    parsed = bytes ? cursorSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes))) : null;
  } catch {
    parsed = null;
  }
  if (!parsed?.success) {
    throw new GatewayError(
      400,
      "validation_failed",
      "Invalid request: query parameter 'cursor' is not a cursor this API returned.",
    );
  }
  return { ts: parsed.data[0], id: parsed.data[1] };
}

function toItem(event: StoredEvent): z.infer<typeof LogItem> {
  return {
    id: event.id,
    ts: new Date(event.ts).toISOString(),
    session_id: event.sessionId,
    server: event.server,
    subject: event.subject,
    direction: event.direction as z.infer<typeof LogItem>["direction"],
    kind: event.kind as z.infer<typeof LogItem>["kind"],
    method: event.method,
    tool: event.method === "tools/call" ? event.target : null,
    target: event.target,
    request_id: event.requestId,
    status: event.status,
    error_code: event.errorCode,
    latency_ms: event.latencyMs,
    bytes_in: event.bytesIn,
    bytes_out: event.bytesOut,
    progress_count: event.progressCount,
    decision: event.decision,
    rule: event.rule,
    redactions:
      event.redactions === null
        ? null
        : (JSON.parse(event.redactions) as Array<{ detector: string; path: string }>),
    params_excerpt: event.paramsExcerpt,
    result_excerpt: event.resultExcerpt,
  };
}

export const logsApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

logsApi.openapi(
  createRoute({
    method: "get",
    path: "/",
    middleware: [requireRole("viewer")] as const,
    request: { query: LogsQuery },
    responses: {
      200: {
        description: "A page of events, newest first.",
        content: {
          "application/json": {
            schema: z.object({ items: z.array(LogItem), next_cursor: z.string().nullable() }),
          },
        },
      },
    },
  }),
  async (c) => {
    const { limit, cursor, ...filters } = c.req.valid("query");
    const rows = await queryEvents(
      database(c.env),
      c.get("identity").team,
      filters,
      cursor ? decodeCursor(cursor) : null,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor({ ts: last.ts, id: last.id }) : null;
    return c.json({ items: page.map(toItem), next_cursor: nextCursor }, 200);
  },
);
