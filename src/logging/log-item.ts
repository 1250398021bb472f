// How an event and a keyset cursor look in the REST API, shared by /api/v1/logs and /api/v1/sessions.
import { z } from "@hono/zod-openapi";
import { base64ToBytes, bytesToBase64url } from "../core/base64url.ts";
import { GatewayError } from "../errors.ts";
import type { EventCursor, StoredEvent } from "./log-store.ts";

/** A time as ISO 8601 or milliseconds since the epoch, as milliseconds. */
export const timestamp = z
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

export const LogItem = z
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

export function encodeCursor(cursor: EventCursor): string {
  return bytesToBase64url(new TextEncoder().encode(JSON.stringify([cursor.ts, cursor.id])));
}

const cursorSchema = z.tuple([z.number().int(), z.string().max(64)]);

export function decodeCursor(raw: string): EventCursor {
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

export function toItem(event: StoredEvent): z.infer<typeof LogItem> {
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
