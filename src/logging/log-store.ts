// Writes and reads of the sessions and events tables. Every read is scoped to a team.
import {
  and,
  asc,
  count,
  desc,
  eq,
  getTableColumns,
  gt,
  gte,
  type InferSelectModel,
  lt,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Database } from "../db/client.ts";
import { events, type SessionRow, sessions } from "../db/schema.ts";
import { eventsSearch, trigramQuery } from "./event-search.ts";

/** D1 binds at most 100 parameters per statement; an event row binds one per column. */
const D1_MAX_BOUND_PARAMETERS = 100;

/**
 * The event write path runs for every exchange, so its SQL is built once from the schema's own column metadata
 * and bound with D1 directly: drizzle's query builder would rebuild the same SQL on every write.
 */
function columnsOf<T extends Record<string, { name: string }>>(table: T): Array<[keyof T & string, string]> {
  return Object.entries(table).map(([key, column]) => [key as keyof T & string, column.name]);
}

const EVENT_COLUMNS = columnsOf(getTableColumns(events));
const EVENTS_PER_INSERT = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / EVENT_COLUMNS.length));
const eventInsertSql = new Map<number, string>();

function insertEventsSql(rows: number): string {
  let text = eventInsertSql.get(rows);
  if (!text) {
    const placeholders = `(${EVENT_COLUMNS.map(() => "?").join(", ")})`;
    text = `INSERT INTO events (${EVENT_COLUMNS.map(([, name]) => `"${name}"`).join(", ")}) VALUES ${new Array(
      rows,
    )
      .fill(placeholders)
      .join(", ")} ON CONFLICT DO NOTHING`;
    eventInsertSql.set(rows, text);
  }
  return text;
}

const SESSION_COLUMNS = columnsOf(getTableColumns(sessions));
const START_SESSION_SQL = `INSERT INTO sessions (${SESSION_COLUMNS.map(([, name]) => `"${name}"`).join(", ")}) VALUES (${SESSION_COLUMNS.map(() => "?").join(", ")}) ON CONFLICT DO NOTHING`;
const TOUCH_SESSION_SQL = `UPDATE sessions SET "${sessions.lastSeenAt.name}" = max("${sessions.lastSeenAt.name}", ?) WHERE "${sessions.id.name}" = ?`;

export interface SessionStart {
  id: string;
  team: string;
  /** gateway unless said otherwise (a bridge session is registered through /api/v1/ingest). */
  source?: "gateway" | "bridge";
  machine?: string | null;
  serverId: string;
  server: string;
  subject: string;
  clientName: string | null;
  clientVersion: string | null;
  protocolVersion: string | null;
  initializeParams: string | null;
  startedAt: number;
}

/** Statements inserting a batch of events: multi-row inserts within D1's parameter limit, duplicates ignored. */
export function insertEventStatements(d1: D1Database, rows: readonly StoredEvent[]): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += EVENTS_PER_INSERT) {
    const chunk = rows.slice(i, i + EVENTS_PER_INSERT);
    const values = chunk.flatMap((row) => EVENT_COLUMNS.map(([key]) => row[key]));
    statements.push(d1.prepare(insertEventsSql(chunk.length)).bind(...values));
  }
  return statements;
}

export function startSessionStatement(d1: D1Database, start: SessionStart): D1PreparedStatement {
  const row: SessionRow = {
    source: "gateway",
    machine: null,
    metrics: null,
    ...start,
    upstreamSessionId: null,
    lastSeenAt: start.startedAt,
    endedAt: null,
  };
  return d1.prepare(START_SESSION_SQL).bind(...SESSION_COLUMNS.map(([key]) => row[key]));
}

export function touchSessionStatement(d1: D1Database, id: string, at: number): D1PreparedStatement {
  return d1.prepare(TOUCH_SESSION_SQL).bind(at, id);
}

export async function endSession(db: Database, team: string, id: string, at: number): Promise<void> {
  await db
    .update(sessions)
    .set({ endedAt: at, lastSeenAt: sql`max(${sessions.lastSeenAt}, ${at})` })
    .where(and(eq(sessions.id, id), eq(sessions.team, team)));
}

/** What the gateway needs to re-initialise a session whose upstream lost it. */
export function sessionForRecovery(db: Database, id: string) {
  return db
    .select({
      upstreamSessionId: sessions.upstreamSessionId,
      initializeParams: sessions.initializeParams,
      endedAt: sessions.endedAt,
    })
    .from(sessions)
    .where(eq(sessions.id, id))
    .get();
}

export async function setUpstreamSession(
  db: Database,
  id: string,
  upstreamSessionId: string | null,
): Promise<void> {
  await db.update(sessions).set({ upstreamSessionId }).where(eq(sessions.id, id));
}

export interface EventFilters {
  server?: string | undefined;
  session?: string | undefined;
  subject?: string | undefined;
  method?: string | undefined;
  tool?: string | undefined;
  target?: string | undefined;
  decision?: string | undefined;
  rule?: string | undefined;
  status?: string | undefined;
  error_code?: number | undefined;
  direction?: string | undefined;
  min_latency_ms?: number | undefined;
  /** Only what was stopped or flagged: denials, would-deny decisions, redactions and rug pulls. */
  violations?: boolean | undefined;
  /** Text to find in the target or the excerpts (a plain substring, not a pattern). */
  q?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
}

export interface EventCursor {
  ts: number;
  id: string;
}

export type StoredEvent = InferSelectModel<typeof events>;

/** `text` as a LIKE pattern that matches it literally anywhere (with ESCAPE '\\'). */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Columns of events, or of a subquery of events, by their schema keys. */
type EventColumns<K extends keyof typeof events.$inferSelect> = Record<K, AnySQLiteColumn>;

/** The `q` condition: `text` in the target or either excerpt of a row of `table` (events or a subquery of it). */
function mentions(table: EventColumns<"target" | "paramsExcerpt" | "resultExcerpt">, text: string): SQL {
  const pattern = containing(text);
  return sql`(${table.target} LIKE ${pattern} ESCAPE '\\' OR ${table.paramsExcerpt} LIKE ${pattern} ESCAPE '\\' OR ${table.resultExcerpt} LIKE ${pattern} ESCAPE '\\')`;
}

/**
 * How many of the newest events (of those the other filters select) a text search reads directly before it turns
 * to the trigram index: a common text fills the page within them, and reading them costs less than the index would
 * for a common text (every match looked up, then sorted). Past them the text is rarer than a page in this many, so
 * the index has few rows to return.
 */
function directSearchRows(limit: number): number {
  return Math.min(25_000, Math.max(5_000, limit * 50));
}

/** The filters' conditions other than `q`, and the cursor's. */
function eventConditions(
  team: string,
  filters: Omit<EventFilters, "q">,
  cursor: EventCursor | null,
  sort: "newest" | "oldest",
): SQL[] {
  const conditions: SQL[] = [eq(events.team, team)];
  if (filters.server !== undefined) conditions.push(eq(events.server, filters.server));
  if (filters.session !== undefined) conditions.push(eq(events.sessionId, filters.session));
  if (filters.subject !== undefined) conditions.push(eq(events.subject, filters.subject));
  if (filters.method !== undefined) conditions.push(eq(events.method, filters.method));
  if (filters.tool !== undefined) {
    conditions.push(eq(events.method, "tools/call"), eq(events.target, filters.tool));
  }
  if (filters.target !== undefined) conditions.push(eq(events.target, filters.target));
  if (filters.decision !== undefined) conditions.push(eq(events.decision, filters.decision));
  if (filters.rule !== undefined) conditions.push(eq(events.rule, filters.rule));
  if (filters.status !== undefined) conditions.push(eq(events.status, filters.status));
  if (filters.violations) {
    conditions.push(
      sql`(${events.decision} IN ('deny', 'would_deny', 'redact') OR ${events.status} IN ('denied', 'rug_pull') OR ${events.redactions} IS NOT NULL)`,
    );
  }
  if (filters.error_code !== undefined) conditions.push(eq(events.errorCode, filters.error_code));
  if (filters.direction !== undefined) conditions.push(eq(events.direction, filters.direction));
  if (filters.min_latency_ms !== undefined) conditions.push(gte(events.latencyMs, filters.min_latency_ms));
  // The cursor also narrows the time range itself: SQLite seeks on one bound per side of the index range and cannot
  // seek on the OR below, so without this each page would scan from the window's edge down to the cursor.
  let since = filters.since;
  let until = filters.until;
  if (cursor && sort === "newest") until = Math.min(until ?? Number.POSITIVE_INFINITY, cursor.ts + 1);
  if (cursor && sort === "oldest") since = Math.max(since ?? Number.NEGATIVE_INFINITY, cursor.ts);
  if (since !== undefined) conditions.push(sql`${events.ts} >= ${since}`);
  if (until !== undefined) conditions.push(lt(events.ts, until));
  if (cursor) {
    const next =
      sort === "newest"
        ? or(lt(events.ts, cursor.ts), and(eq(events.ts, cursor.ts), lt(events.id, cursor.id)))
        : or(gt(events.ts, cursor.ts), and(eq(events.ts, cursor.ts), gt(events.id, cursor.id)));
    if (next) conditions.push(next);
  }
  return conditions;
}

/**
 * Newest (or oldest) first, keyset-paginated on (ts, id) so pages stay stable while new events arrive: a page starts
 * after the cursor's event whatever was written since.
 *
 * A text search (`q`) first reads the newest events the other filters select, up to directSearchRows; if they hold a
 * page of matches, or are all there is, that is the answer. Otherwise the trigram index (event-search.ts) picks the
 * candidates. Both check the same LIKE, so the path taken never changes the answer.
 */
export async function queryEvents(
  db: Database,
  team: string,
  filters: EventFilters,
  cursor: EventCursor | null,
  limit: number,
  sort: "newest" | "oldest" = "newest",
): Promise<StoredEvent[]> {
  const { q, ...rest } = filters;
  const conditions = eventConditions(team, rest, cursor, sort);
  const orderOf = (table: EventColumns<"ts" | "id">) =>
    sort === "newest" ? [desc(table.ts), desc(table.id)] : [asc(table.ts), asc(table.id)];
  const select = (where: SQL[]) =>
    db
      .select()
      .from(events)
      .where(and(...where))
      .orderBy(...orderOf(events))
      .limit(limit)
      .all();

  if (q === undefined) return select(conditions);
  const indexQuery = trigramQuery(q);
  if (indexQuery === null) return select([...conditions, mentions(events, q)]);

  const direct = directSearchRows(limit);
  const newest = db
    .select()
    .from(events)
    .where(and(...conditions))
    .orderBy(...orderOf(events))
    .limit(direct)
    .as("newest");
  const [found, [read]] = await db.batch([
    db
      .select()
      .from(newest)
      .where(mentions(newest, q))
      .orderBy(...orderOf(newest))
      .limit(limit),
    db.select({ rows: count() }).from(
      db
        .select({ one: sql`1` })
        .from(events)
        .where(and(...conditions))
        .limit(direct)
        .as("read"),
    ),
  ]);
  if (found.length === limit || (read?.rows ?? 0) < direct) return found;

  // Driven from the index: CROSS JOIN keeps SQLite from walking the events in order and probing the index for each
  // one, which is the scan this path exists to avoid.
  return db
    .select(getTableColumns(events))
    .from(eventsSearch)
    .crossJoin(events)
    .where(
      and(
        sql`${eventsSearch.rowid} = ${events}.rowid`,
        sql`${eventsSearch} MATCH ${indexQuery}`,
        ...conditions,
        mentions(events, q),
      ),
    )
    .orderBy(...orderOf(events))
    .limit(limit)
    .all();
}
