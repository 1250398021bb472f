// GET /api/v1/logs/export: the team's events of a time window as NDJSON or CSV, for compliance archives and SIEM
// imports. Streamed: rows are read from D1 a page at a time (keyset on ts and id, oldest first) as the client reads,
// so memory stays flat however many rows the window holds.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { requireRole } from "../auth/middleware.ts";
import { database } from "../db/client.ts";
import { GatewayError } from "../errors.ts";
import { describeIssues } from "../http/validation.ts";
import { timestamp, toItem } from "./log-item.ts";
import { type EventCursor, queryEvents } from "./log-store.ts";

const PAGE_ROWS = 1_000;

const ExportQuery = z.object({
  format: z.enum(["ndjson", "csv"]).default("ndjson"),
  since: timestamp,
  until: timestamp.optional(),
  server: z.string().min(1).max(63).optional(),
});

const CSV_COLUMNS = [
  "id",
  "ts",
  "session_id",
  "server",
  "subject",
  "direction",
  "kind",
  "method",
  "target",
  "request_id",
  "status",
  "error_code",
  "latency_ms",
  "bytes_in",
  "bytes_out",
  "progress_count",
  "decision",
  "rule",
  "redactions",
  "params_excerpt",
  "result_excerpt",
] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a leading =, +, - or @ is defused. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "string" ? value : JSON.stringify(value);
  // A spreadsheet would run a cell starting with one of these as a formula.
  if (/^[=+\-@]/.test(text) && typeof value === "string") text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const logExportApi = new Hono<AppEnv>();

logExportApi.get("/", requireRole("viewer"), (c) => {
  const parsed = ExportQuery.safeParse(c.req.query());
  if (!parsed.success) {
    const issues = describeIssues(parsed.error, "query");
    throw new GatewayError(
      400,
      "validation_failed",
      `Invalid request: ${issues.map((i) => `query parameter '${i.field}' ${i.message}`).join("; ")}.`,
      { details: issues },
    );
  }
  const { format, since, until, server } = parsed.data;
  const team = c.get("identity").team;
  const db = database(c.env);
  const encoder = new TextEncoder();
  let cursor: EventCursor | null = null;
  let started = false;
  let done = false;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          if (format === "csv") controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(",")}\r\n`));
        }
        if (done) {
          controller.close();
          return;
        }
        const rows = await queryEvents(db, team, { since, until, server }, cursor, PAGE_ROWS, "oldest");
        const last = rows.at(-1);
        if (!last || rows.length < PAGE_ROWS) done = true;
        if (last) cursor = { ts: last.ts, id: last.id };
        let out = "";
        for (const row of rows) {
          const item = toItem(row);
          out +=
            format === "ndjson"
              ? `${JSON.stringify(item)}\n`
              : `${CSV_COLUMNS.map((column) => csvField(item[column])).join(",")}\r\n`;
        }
        if (out) controller.enqueue(encoder.encode(out));
        if (done) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  const extension = format === "csv" ? "csv" : "ndjson";
  return new Response(body, {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
      "content-disposition": `attachment; filename="helmet-logs-${new Date(since).toISOString().slice(0, 10)}.${extension}"`,
    },
  });
});
