// GET /api/v1/logs: the team's events, newest (or oldest) first, filtered, with an opaque cursor for the next page
// that stays stable while new events arrive.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { database } from "../db/client.ts";
import { apiRoute } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";
import { decodeCursor, encodeCursor, LogItem, timestamp, toItem } from "./log-item.ts";
import { queryEvents } from "./log-store.ts";

const text = (max: number) => z.string().min(1).max(max);

const LogsQuery = z.object({
  server: text(63).optional().openapi({ description: "The server's name.", example: "github" }),
  session: text(64).optional().openapi({ description: "The gateway or bridge session id." }),
  subject: text(256).optional().openapi({ description: "The caller's `sub`.", example: "alice" }),
  method: text(128).optional().openapi({ description: "The JSON-RPC method.", example: "tools/call" }),
  tool: text(256).optional().openapi({ description: "Tool name (tools/call events only)." }),
  target: text(2048).optional().openapi({ description: "Tool, prompt or resource the event addresses." }),
  decision: z
    .enum(["allow", "deny", "would_deny", "redact"])
    .optional()
    .openapi({ description: "What the policies decided (would_deny: a dry-run policy would have denied)." }),
  rule: text(63)
    .optional()
    .openapi({ description: "The policy that decided (or matched as log or dry run)." }),
  status: z
    .enum([
      "ok",
      "error",
      "rejected",
      "upstream_error",
      "incomplete",
      "uninspected",
      "cancelled",
      "denied",
      "rug_pull",
    ])
    .optional()
    .openapi({ description: "The event's outcome (see LogItem's `status`)." }),
  error_code: z.coerce.number().int().optional().openapi({ description: "The JSON-RPC error code." }),
  direction: z
    .enum(["client_to_server", "server_to_client"])
    .optional()
    .openapi({ description: "Who sent the message." }),
  min_latency_ms: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ description: "Only events that took at least this long." }),
  q: text(200).optional().openapi({
    description:
      "Text to find in the target (tool, prompt, resource) or the redacted excerpts: a literal substring, ASCII letters in either case.",
  }),
  sort: z.enum(["newest", "oldest"]).default("newest").openapi({ description: "The order of the events." }),
  since: timestamp.optional().openapi({ description: "Events at or after this time." }),
  until: timestamp.optional().openapi({ description: "Events before this time." }),
  limit: z.coerce.number().int().min(1).max(500).default(100).openapi({ description: "Events per page." }),
  cursor: text(512).optional().openapi({ description: "next_cursor of the previous page." }),
});

const CURSOR_REFUSED = {
  validation_failed: {
    when: "`cursor` is not one this API returned.",
    message: "Invalid request: query parameter 'cursor' is not a cursor this API returned.",
  },
};

const EXAMPLE_PAGE = {
  items: [
    {
      id: "0b6e7c1a-2d4f-4e8b-9a1c-5f3d2e7b8a90",
      ts: "2026-11-21T17:54:12.113Z",
      session_id: "ses_4fG8hK1pZx6cV3nB9mQwRt",
      server: "filesystem",
      subject: "carol",
      direction: "client_to_server",
      kind: "request",
      method: "tools/call",
      tool: "read_file",
      target: "read_file",
      request_id: "7",
      status: "denied",
      error_code: -31001,
      latency_ms: 0,
      bytes_in: 112,
      bytes_out: 0,
      progress_count: 0,
      decision: "deny",
      rule: "no-system-files",
      redactions: null,
      params_excerpt: '{"name":"read_file","arguments":{"path":"/etc/passwd"}}',
      result_excerpt: '{"reason":"policy:no-system-files"}',
    },
  ],
  next_cursor: "WzE3OTUyODM2NTIxMTMsIjBiNmU3YzFhLTJkNGYtNGU4Yi05YTFjLTVmM2QyZTdiOGE5MCJd",
};

export const logsApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

/** One page of the team's events matching the query (and, for violations, only those). */
async function eventsPage(
  c: Context<AppEnv>,
  query: z.infer<typeof LogsQuery>,
  violationsOnly: boolean,
): Promise<{ items: Array<z.infer<typeof LogItem>>; next_cursor: string | null }> {
  const { limit, cursor, sort, ...filters } = query;
  const rows = await queryEvents(
    database(c.env),
    c.get("identity").team,
    { ...filters, violations: violationsOnly },
    cursor ? decodeCursor(cursor) : null,
    limit + 1,
    sort,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    next_cursor: rows.length > limit && last ? encodeCursor({ ts: last.ts, id: last.id }) : null,
  };
}

const Page = z.object({ items: z.array(LogItem), next_cursor: z.string().nullable() });

logsApi.openapi(
  apiRoute({
    method: "get",
    path: "/",
    summary: "Query the logs",
    tags: ["Logs"],
    role: "viewer",
    description:
      "The team's events, newest (or oldest) first, filtered. `next_cursor` fetches the next page, and stays " +
      "stable while new events arrive; it is null on the last page.",
    request: { query: LogsQuery },
    responses: {
      200: {
        description: "A page of events.",
        content: { "application/json": { schema: Page, example: EXAMPLE_PAGE } },
      },
    },
    errors: { 400: CURSOR_REFUSED },
  }),
  async (c) => c.json(await eventsPage(c, c.req.valid("query"), false), 200),
);

/**
 * GET /api/v1/violations: for audit, the events where something was stopped or flagged: denials, would-deny
 * decisions of dry-run policies, redactions, and rug pulls. The same filters and cursors as /api/v1/logs.
 */
export const violationsApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

violationsApi.openapi(
  apiRoute({
    method: "get",
    path: "/",
    summary: "Query the violations",
    tags: ["Logs"],
    role: "viewer",
    description:
      "For audit: the events where something was stopped or flagged (denials, would-deny decisions of dry-run " +
      "policies, redactions, rug pulls), with the same filters and cursors as the logs.",
    request: { query: LogsQuery },
    responses: {
      200: {
        description: "A page of violations.",
        content: { "application/json": { schema: Page, example: EXAMPLE_PAGE } },
      },
    },
    errors: { 400: CURSOR_REFUSED },
  }),
  async (c) => c.json(await eventsPage(c, c.req.valid("query"), true), 200),
);
