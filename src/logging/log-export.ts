// GET /api/v1/logs/export: the team's events of a time window as NDJSON or CSV, for compliance archives and SIEM
// imports. Streamed: rows are read from D1 a page at a time (keyset on ts and id, oldest first) as the client reads,
// so memory stays flat however many rows the window holds.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { database } from "../db/client.ts";
import { apiRoute } from "../http/openapi.ts";
import { validationHook } from "../http/validation.ts";
import { timestamp, toItem } from "./log-item.ts";
import { type EventCursor, queryEvents } from "./log-store.ts";

const PAGE_ROWS = 1_000;

const ExportQuery = z.object({
  format: z
    .enum(["ndjson", "csv"])
    .default("ndjson")
    .openapi({ description: "NDJSON (one log item a line) or CSV (a header row, then the same columns)." }),
  since: timestamp.openapi({ description: "Events at or after this time (required)." }),
  until: timestamp.optional().openapi({ description: "Events before this time (default: no end)." }),
  server: z
    .string()
    .min(1)
    .max(63)
    .optional()
    .openapi({ description: "Only the events of this server.", example: "github" }),
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

const EXAMPLE_NDJSON =
  '{"id":"0b6e7c1a-2d4f-4e8b-9a1c-5f3d2e7b8a90","ts":"2026-11-21T17:54:12.113Z","session_id":null,' +
  '"server":"github","subject":"alice","direction":"client_to_server","kind":"request","method":"tools/list",' +
  '"tool":null,"target":null,"request_id":"2","status":"ok","error_code":null,"latency_ms":87,"bytes_in":46,' +
  '"bytes_out":1532,"progress_count":0,"decision":"allow","rule":null,"redactions":null,"params_excerpt":null,' +
  '"result_excerpt":"{\\"tools\\":[…]}"}\n';

const EXAMPLE_CSV =
  `${CSV_COLUMNS.join(",")}\r\n` +
  "0b6e7c1a-2d4f-4e8b-9a1c-5f3d2e7b8a90,2026-11-21T17:54:12.113Z,,github,alice,client_to_server,request," +
  'tools/list,,2,ok,,87,46,1532,0,allow,,,,"{""tools"":[…]}"\r\n';

export const logExportApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

logExportApi.openapi(
  apiRoute({
    method: "get",
    path: "/",
    summary: "Export the logs",
    tags: ["Logs"],
    role: "viewer",
    description:
      "A time window of the team's events, oldest first, for compliance archives and SIEM imports. Streamed: " +
      `the gateway reads ${PAGE_ROWS} events at a time as the client reads, so any window fits. CSV is quoted ` +
      "per RFC 4180, with `redactions` as JSON; a text field starting with `=`, `+`, `-` or `@` gets a leading " +
      "`'`, so a spreadsheet does not run it as a formula.",
    request: { query: ExportQuery },
    responses: {
      200: {
        description: "The events, as the `format` asked.",
        headers: {
          "Content-Disposition": {
            description:
              "`attachment`, with a file name from the start of the window: " +
              '`attachment; filename="helmet-logs-2026-11-21.ndjson"` (or `.csv`).',
            schema: { type: "string" },
          },
        },
        content: {
          "application/x-ndjson": {
            schema: { type: "string", description: "One LogItem (JSON) per line." },
            example: EXAMPLE_NDJSON,
          },
          "text/csv; charset=utf-8": {
            schema: {
              type: "string",
              description: `A header row (${CSV_COLUMNS.join(", ")}), then one row per event.`,
            },
            example: EXAMPLE_CSV,
          },
        },
      },
    },
  }),
  (c) => {
    const { format, since, until, server } = c.req.valid("query");
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
  },
);
