// GET /api/v1/logs: the team's events, newest (or oldest) first, filtered, with an opaque cursor for the next page
// that stays stable while new events arrive.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireRole } from "../auth/middleware.ts";
import { database } from "../db/client.ts";
import { validationHook } from "../http/validation.ts";
import { decodeCursor, encodeCursor, LogItem, timestamp, toItem } from "./log-item.ts";
import { queryEvents } from "./log-store.ts";

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
    .optional(),
  error_code: z.coerce.number().int().optional().openapi({ description: "The JSON-RPC error code." }),
  direction: z.enum(["client_to_server", "server_to_client"]).optional(),
  min_latency_ms: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ description: "Only events that took at least this long." }),
  q: text(200).optional().openapi({
    description: "Text to find in the target (tool, prompt, resource) or the redacted excerpts.",
  }),
  sort: z.enum(["newest", "oldest"]).default("newest"),
  since: timestamp.optional().openapi({ description: "Events at or after this time." }),
  until: timestamp.optional().openapi({ description: "Events before this time." }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: text(512).optional().openapi({ description: "next_cursor of the previous page." }),
});

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
  createRoute({
    method: "get",
    path: "/",
    middleware: [requireRole("viewer")] as const,
    request: { query: LogsQuery },
    responses: {
      200: { description: "A page of events.", content: { "application/json": { schema: Page } } },
    },
  }),
  async (c) => c.json(await eventsPage(c, c.req.valid("query"), false), 200),
);

/**
 * GET /api/v1/violations: for audit, the events where something was stopped or flagged: denials, would-deny
 * decisions of dry-run policies, redactions, and rug pulls. The same filters and cursors as /api/v1/logs.
 */
export const violationsApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

violationsApi.openapi(
  createRoute({
    method: "get",
    path: "/",
    middleware: [requireRole("viewer")] as const,
    request: { query: LogsQuery },
    responses: {
      200: { description: "A page of violations.", content: { "application/json": { schema: Page } } },
    },
  }),
  async (c) => c.json(await eventsPage(c, c.req.valid("query"), true), 200),
);
