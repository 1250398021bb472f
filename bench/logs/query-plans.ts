// The SQL behind each timed API case, run straight on the seeded sqlite file with node:sqlite (wrangler stopped):
// its query plan (EXPLAIN QUERY PLAN), its time without the Worker and D1 around it, and how many of the team's
// rows it matches. The logs and export SQL comes from the Worker's own queryEvents (src/logging/log-store.ts)
// through drizzle's sqlite-proxy driver, which builds the same SQLite SQL as the D1 driver; the metrics and sessions
// queries: the metrics statement is metrics-rollup.ts's own; the sessions queries are built inline in their route
// handler, so they are rebuilt here with the same drizzle calls.
import { performance } from "node:perf_hooks";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { and, asc, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/sqlite-proxy";
import * as schema from "../../src/db/schema.ts";
import type { CaseSpec, Cursor, LogFilters } from "./api-cases.ts";
import { percentile } from "./api-timing.ts";

const { events, sessions } = schema;

export interface BuiltQuery {
  sql: string;
  params: SQLInputValue[];
}

/** The part of log-store.ts used here, typed locally: that module also names Worker-only types (D1Database). */
type QueryEvents = (
  db: unknown,
  team: string,
  filters: LogFilters & { violations?: boolean },
  cursor: Cursor | null,
  limit: number,
  sort: "newest" | "oldest",
) => Promise<unknown>;

/**
 * A drizzle instance that records the SQL it is asked to run, batches included, and answers with no rows, except
 * that a count is as large as can be: so a text search, finding nothing among the newest events of a window that
 * seems to go on, goes on to its index query too and both are recorded.
 */
function recorder() {
  const built: BuiltQuery[] = [];
  const answer = (sql: string, params: unknown[]) => {
    built.push({ sql, params: params as SQLInputValue[] });
    return { rows: sql.startsWith("select count(*)") ? [[Number.MAX_SAFE_INTEGER]] : [] };
  };
  const db = drizzle(
    async (sql, params) => answer(sql, params),
    async (batch) => batch.map(({ sql, params }) => answer(sql, params)),
    { schema },
  );
  return { db, built };
}

let queryEventsModule: Promise<{ queryEvents: QueryEvents }> | null = null;

function loadQueryEvents(): Promise<{ queryEvents: QueryEvents }> {
  // Loaded at run time by URL so the Node typecheck does not follow it into Worker types.
  queryEventsModule ??= import(new URL("../../src/logging/log-store.ts", import.meta.url).href) as Promise<{
    queryEvents: QueryEvents;
  }>;
  return queryEventsModule;
}

let metricsModule: Promise<{ rollupSql: () => string }> | null = null;

/** The statement /api/v1/metrics runs for hour buckets (src/logging/metrics-rollup.ts), loaded like log-store.ts. */
function loadRollupSql() {
  metricsModule ??= import(new URL("../../src/logging/metrics-rollup.ts", import.meta.url).href) as Promise<{
    rollupSql: () => string;
  }>;
  return metricsModule;
}

const HOUR_MS = 3_600_000;

/**
 * The SQL an events page runs: /api/v1/logs, /violations and each page of the export (limit + 1 rows). One query,
 * or for a text search three: the newest events read directly, how many there were, and the index query.
 */
export async function eventsQueries(
  team: string,
  filters: LogFilters & { violations?: boolean },
  cursor: Cursor | null,
  limit: number,
  sort: "newest" | "oldest",
): Promise<BuiltQuery[]> {
  const { queryEvents } = await loadQueryEvents();
  const { db, built } = recorder();
  await queryEvents(db, team, filters, cursor, limit, sort);
  return built;
}

/** The SQL of each case: the queries its handler runs, in order. */
export async function queriesOf(spec: CaseSpec, team: string): Promise<BuiltQuery[]> {
  const { db, built } = recorder();
  switch (spec.kind) {
    case "me":
      return [];
    case "logs":
      return eventsQueries(
        team,
        { ...spec.filters, violations: spec.violations ?? false },
        spec.cursor ?? null,
        spec.sqlLimit ?? 101,
        spec.sort ?? "newest",
      );
    case "metrics": {
      // The API widens the window to whole hours and reads the hourly rollup.
      const { rollupSql } = await loadRollupSql();
      const since = Math.floor(spec.since / HOUR_MS) * HOUR_MS;
      const until = Math.ceil(spec.until / HOUR_MS) * HOUR_MS;
      return [{ sql: rollupSql(), params: [team, spec.groupBy, since, until] }];
    }
    case "sessions":
      // As in src/logging/sessions-api.ts (first page, no filters).
      await db
        .select()
        .from(sessions)
        .where(and(eq(sessions.team, team)))
        .orderBy(desc(sessions.startedAt), desc(sessions.id))
        .limit(51)
        .all();
      return built;
    case "session":
      await db
        .select()
        .from(sessions)
        .where(and(eq(sessions.team, team), eq(sessions.id, spec.id)))
        .get();
      await db
        .select()
        .from(events)
        .where(and(eq(events.team, team), eq(events.sessionId, spec.id)))
        .orderBy(asc(events.ts), asc(events.id))
        .limit(201)
        .all();
      return built;
  }
}

export interface PlanResult {
  name: string;
  sql: string;
  params: SQLInputValue[];
  plan: string[];
  /** Median and p95 of running the statement with node:sqlite, reading every row. */
  medianMs: number;
  p95Ms: number;
  runs: number;
  rows: number;
  /** Rows of the whole table the WHERE clause matches (no LIMIT), or null when not counted. */
  matching: number | null;
}

/**
 * `select count(*)` over the same WHERE clause, without ORDER BY and LIMIT (the last parameter); null for a query
 * that reads a subquery or a join (a text search), whose WHERE clause is not one of the table alone.
 */
function countQuery(query: BuiltQuery): BuiltQuery | null {
  const match = /^select [^()]*? from ("events"|"sessions") where (.*) order by .* limit \?$/s.exec(
    query.sql,
  );
  if (!match) return null;
  return {
    sql: `select count(*) as n from ${match[1]} where ${match[2]}`,
    params: query.params.slice(0, -1),
  };
}

export function planOf(db: DatabaseSync, query: BuiltQuery): string[] {
  return (
    db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as Array<{ detail: string }>
  ).map((row) => row.detail);
}

/** Plans, times (up to `runs` runs or `budgetMs`) and counts one query on an open database. */
export function measureQuery(
  db: DatabaseSync,
  name: string,
  query: BuiltQuery,
  options: { runs: number; budgetMs: number; count: boolean },
): PlanResult {
  const statement = db.prepare(query.sql);
  const times: number[] = [];
  let rows = 0;
  const started = performance.now();
  for (let i = 0; i < options.runs; i++) {
    if (i >= 3 && performance.now() - started > options.budgetMs) break;
    const t0 = performance.now();
    rows = statement.all(...query.params).length;
    times.push(performance.now() - t0);
  }
  let matching: number | null = null;
  const count = options.count ? countQuery(query) : null;
  if (count) matching = (db.prepare(count.sql).get(...count.params) as { n: number }).n;
  return {
    name,
    sql: query.sql,
    params: query.params,
    plan: planOf(db, query),
    medianMs: percentile(times, 0.5),
    p95Ms: percentile(times, 0.95),
    runs: times.length,
    rows,
    matching,
  };
}

/** Opens the seeded file for reading and tuning: a page cache like the one the local D1 uses by default. */
export function openSeeded(file: string): DatabaseSync {
  return new DatabaseSync(file, { timeout: 10_000 });
}
