// The read API calls the logs benchmark times, as data: each case knows its URL and how to check an answer, so a
// case that quietly measures a 400 or an empty page aborts the run instead. query-plans.ts turns the same cases
// into the SQL the Worker runs.
import type { SeedSamples } from "./seed.ts";

export interface LogFilters {
  server?: string;
  session?: string;
  subject?: string;
  tool?: string;
  decision?: string;
  status?: string;
  error_code?: number;
  direction?: string;
  min_latency_ms?: number;
  q?: string;
  since?: number;
  until?: number;
}

export interface Cursor {
  ts: number;
  id: string;
}

export type CaseSpec =
  | {
      kind: "logs";
      name: string;
      filters: LogFilters;
      sort?: "newest" | "oldest";
      /** A keyset cursor: the case fetches the page after it. */
      cursor?: Cursor;
      violations?: boolean;
      /** Rows the SQL asks for (query-plans.ts only): 101 for an API page of 100, 1,000 for an export page. */
      sqlLimit?: number;
    }
  | {
      kind: "metrics";
      name: string;
      groupBy: "server" | "tool" | "subject";
      bucket: "hour";
      since: number;
      until: number;
    }
  | { kind: "sessions"; name: string }
  | { kind: "session"; name: string; id: string }
  | { kind: "me"; name: string };

/** The baseline: the cheapest authenticated API call. */
export const BASELINE: CaseSpec = { kind: "me", name: "GET /api/v1/me (baseline)" };

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.ts, cursor.id])).toString("base64url");
}

export function decodeCursor(text: string): Cursor {
  const [ts, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as [number, string];
  return { ts, id };
}

/** The request path and query of a case. */
export function pathOf(spec: CaseSpec): string {
  const query = new URLSearchParams();
  switch (spec.kind) {
    case "me":
      return "/api/v1/me";
    case "logs": {
      for (const [key, value] of Object.entries(spec.filters)) query.set(key, String(value));
      if (spec.sort) query.set("sort", spec.sort);
      if (spec.cursor) query.set("cursor", encodeCursor(spec.cursor));
      const text = query.toString();
      return `/api/v1/${spec.violations ? "violations" : "logs"}${text ? `?${text}` : ""}`;
    }
    case "metrics":
      query.set("group_by", spec.groupBy);
      query.set("bucket", spec.bucket);
      query.set("since", String(spec.since));
      query.set("until", String(spec.until));
      return `/api/v1/metrics?${query}`;
    case "sessions":
      return "/api/v1/sessions";
    case "session":
      return `/api/v1/sessions/${encodeURIComponent(spec.id)}`;
  }
}

interface Item {
  id: string;
  ts: string;
  session_id: string | null;
  server: string;
  subject: string;
  direction: string;
  tool: string | null;
  target: string | null;
  status: string;
  error_code: number | null;
  latency_ms: number | null;
  decision: string | null;
  redactions: unknown;
  params_excerpt: string | null;
  result_excerpt: string | null;
}

const VIOLATION_DECISIONS = new Set(["deny", "would_deny", "redact"]);

/** Why an item does not belong in the case's answer, or null. */
function itemProblem(filters: LogFilters, item: Item, violations: boolean): string | null {
  const ts = Date.parse(item.ts);
  const has = (text: string | null, needle: string) =>
    (text ?? "").toLowerCase().includes(needle.toLowerCase());
  if (filters.server !== undefined && item.server !== filters.server) return `server ${item.server}`;
  if (filters.session !== undefined && item.session_id !== filters.session)
    return `session ${item.session_id}`;
  if (filters.subject !== undefined && item.subject !== filters.subject) return `subject ${item.subject}`;
  if (filters.tool !== undefined && item.tool !== filters.tool) return `tool ${item.tool}`;
  if (filters.decision !== undefined && item.decision !== filters.decision)
    return `decision ${item.decision}`;
  if (filters.status !== undefined && item.status !== filters.status) return `status ${item.status}`;
  if (filters.error_code !== undefined && item.error_code !== filters.error_code)
    return `code ${item.error_code}`;
  if (filters.direction !== undefined && item.direction !== filters.direction)
    return `direction ${item.direction}`;
  if (filters.min_latency_ms !== undefined && (item.latency_ms ?? -1) < filters.min_latency_ms)
    return `latency ${item.latency_ms}`;
  if (
    filters.q !== undefined &&
    !has(item.target, filters.q) &&
    !has(item.params_excerpt, filters.q) &&
    !has(item.result_excerpt, filters.q)
  )
    return `no '${filters.q}'`;
  if (filters.since !== undefined && ts < filters.since) return `ts ${item.ts} before since`;
  if (filters.until !== undefined && ts >= filters.until) return `ts ${item.ts} not before until`;
  if (
    violations &&
    !VIOLATION_DECISIONS.has(item.decision ?? "") &&
    item.status !== "denied" &&
    item.status !== "rug_pull" &&
    item.redactions === null
  )
    return `not a violation (${item.decision}, ${item.status})`;
  return null;
}

/** Why an answer is not what the case should measure (wrong shape, empty, items that do not match), or null. */
export function answerProblem(spec: CaseSpec, body: unknown): string | null {
  const record = body as Record<string, unknown>;
  switch (spec.kind) {
    case "me":
      return typeof record.team === "string" ? null : "no team in the answer";
    case "logs": {
      const items = record.items as Item[] | undefined;
      if (!Array.isArray(items) || items.length === 0) return "no items";
      const sort = spec.sort ?? "newest";
      let previous: Item | null = null;
      for (const item of items) {
        const problem = itemProblem(spec.filters, item, spec.violations ?? false);
        if (problem) return `item ${item.id}: ${problem}`;
        const ts = Date.parse(item.ts);
        if (previous !== null) {
          const before = Date.parse(previous.ts);
          if (sort === "newest" ? ts > before : ts < before) return `items out of ${sort}-first order`;
        }
        if (spec.cursor && (sort === "newest" ? ts > spec.cursor.ts : ts < spec.cursor.ts))
          return "an item from before the cursor";
        previous = item;
      }
      return null;
    }
    case "metrics": {
      const rows = record.rows as Array<{ group: string | null; calls: number }> | undefined;
      if (!Array.isArray(rows) || rows.length === 0) return "no rows";
      if (record.group_by !== spec.groupBy) return `group_by ${String(record.group_by)}`;
      if (rows.some((row) => row.calls <= 0)) return "a row without calls";
      return null;
    }
    case "sessions": {
      const items = record.items as unknown[] | undefined;
      return Array.isArray(items) && items.length > 0 ? null : "no sessions";
    }
    case "session": {
      const events = record.events as Item[] | undefined;
      if (record.id !== spec.id) return `session ${String(record.id)}`;
      if (!Array.isArray(events) || events.length === 0) return "no events";
      return events.every((e) => e.session_id === spec.id) ? null : "an event of another session";
    }
  }
}

/** Items (or rows, or events) in an answer: what a case returned, for the table. */
export function answerSize(spec: CaseSpec, body: unknown): number {
  const record = body as Record<string, unknown>;
  const list =
    spec.kind === "metrics" ? record.rows : spec.kind === "session" ? record.events : (record.items ?? null);
  return Array.isArray(list) ? list.length : 0;
}

/**
 * The /api/v1/logs cases: the common filters of the issue, each on values the seed holds, plus two that scan: a
 * page deep in the log (a cursor half way down, as an export or a patient reader reaches) and a rare status.
 */
export function logCases(s: SeedSamples, secondPage: Cursor, deepPage: Cursor): CaseSpec[] {
  const logs = (
    name: string,
    filters: LogFilters,
    extra: Partial<Extract<CaseSpec, { kind: "logs" }>> = {},
  ) => ({ kind: "logs", name, filters, ...extra }) as CaseSpec;
  return [
    logs("no filter (first page)", {}),
    logs("next page (cursor)", {}, { cursor: secondPage }),
    logs("deep page (cursor half way down)", {}, { cursor: deepPage }),
    logs(`server=${s.server}`, { server: s.server }),
    logs(`tool=${s.tool}`, { tool: s.tool }),
    logs("subject=", { subject: s.subject }),
    logs("session=", { session: s.session }),
    logs("decision=deny", { decision: "deny" }),
    logs("status=error", { status: "error" }),
    logs("status=rug_pull (rare)", { status: "rug_pull" }),
    logs(`error_code=${s.errorCode}`, { error_code: s.errorCode }),
    logs("direction=server_to_client", { direction: "server_to_client" }),
    logs(`min_latency_ms=${s.minLatencyMs}`, { min_latency_ms: s.minLatencyMs }),
    logs(`q=${s.commonTerm} (common word)`, { q: s.commonTerm }),
    logs(`q=${s.rareTerm} (rare word)`, { q: s.rareTerm }),
    logs("since/until (newest full hour)", { since: s.hour.since, until: s.hour.until }),
    logs("sort=oldest", {}, { sort: "oldest" }),
    logs(`server + status=error`, { server: s.server, status: "error" }),
  ];
}

/** Pages of the export's query (1,000 rows, oldest first) at the start, middle and end of the whole range. */
export function exportPageCases(since: number, until: number, mainTs: Float64Array): CaseSpec[] {
  return [0, 0.5, 0.9].map((at) => {
    const ts = mainTs[Math.floor(mainTs.length * at)] as number;
    return {
      kind: "logs",
      name: `export page at ${at * 100}% of the rows`,
      filters: { since, until },
      sort: "oldest",
      ...(at === 0 ? {} : { cursor: { ts, id: "ffffffff-ffff-4fff-bfff-ffffffffffff" } }),
      sqlLimit: 1_000,
    } satisfies CaseSpec;
  });
}

/** /api/v1/metrics over the newest day, hourly buckets, by each grouping. */
export function metricsCases(s: SeedSamples): CaseSpec[] {
  return (["tool", "server", "subject"] as const).map((groupBy) => ({
    kind: "metrics",
    name: `day by ${groupBy}, bucket=hour`,
    groupBy,
    bucket: "hour",
    since: s.day.since,
    until: s.day.until,
  }));
}

/** Sessions (a page, one timeline) and the violations page. */
export function sessionCases(s: SeedSamples): CaseSpec[] {
  return [
    { kind: "sessions", name: "/sessions first page" },
    { kind: "session", name: `/sessions/:id timeline (${s.sessionEvents} events)`, id: s.session },
    { kind: "logs", name: "/violations first page", filters: {}, violations: true },
  ];
}
