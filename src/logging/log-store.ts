// Writes and reads of the sessions and events tables. Every read is scoped to a team.
import { and, desc, eq, type InferSelectModel, lt, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client.ts";
import { type EventRow, events, sessions } from "../db/schema.ts";

/** D1 binds at most 100 parameters per statement; an event row binds one per column. */
const D1_MAX_BOUND_PARAMETERS = 100;
const EVENT_COLUMNS = Object.keys(events).length;
const EVENTS_PER_INSERT = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / EVENT_COLUMNS));

export interface SessionStart {
  id: string;
  team: string;
  serverId: string;
  server: string;
  subject: string;
  clientName: string | null;
  clientVersion: string | null;
  protocolVersion: string | null;
  initializeParams: string | null;
  startedAt: number;
}

/** Statements to insert a batch of events (multi-row inserts within D1's parameter limit). */
export function insertEventStatements(db: Database, rows: EventRow[]): BatchItem<"sqlite">[] {
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += EVENTS_PER_INSERT) {
    statements.push(
      db
        .insert(events)
        .values(rows.slice(i, i + EVENTS_PER_INSERT))
        .onConflictDoNothing(),
    );
  }
  return statements;
}

export function startSessionStatement(db: Database, start: SessionStart): BatchItem<"sqlite"> {
  return db
    .insert(sessions)
    .values({ ...start, lastSeenAt: start.startedAt })
    .onConflictDoNothing();
}

export function touchSessionStatement(db: Database, id: string, at: number): BatchItem<"sqlite"> {
  return db
    .update(sessions)
    .set({ lastSeenAt: sql`max(${sessions.lastSeenAt}, ${at})` })
    .where(eq(sessions.id, id));
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
  since?: number | undefined;
  until?: number | undefined;
}

export interface EventCursor {
  ts: number;
  id: string;
}

export type StoredEvent = InferSelectModel<typeof events>;

/** Newest first, keyset-paginated on (ts, id) so pages stay stable while new events arrive. */
export function queryEvents(
  db: Database,
  team: string,
  filters: EventFilters,
  cursor: EventCursor | null,
  limit: number,
): Promise<StoredEvent[]> {
  const conditions: SQL[] = [eq(events.team, team)];
  if (filters.server !== undefined) conditions.push(eq(events.server, filters.server));
  if (filters.session !== undefined) conditions.push(eq(events.sessionId, filters.session));
  if (filters.subject !== undefined) conditions.push(eq(events.subject, filters.subject));
  if (filters.method !== undefined) conditions.push(eq(events.method, filters.method));
  if (filters.tool !== undefined) {
    conditions.push(eq(events.method, "tools/call"), eq(events.target, filters.tool));
  }
  if (filters.target !== undefined) conditions.push(eq(events.target, filters.target));
  if (filters.since !== undefined) conditions.push(sql`${events.ts} >= ${filters.since}`);
  if (filters.until !== undefined) conditions.push(lt(events.ts, filters.until));
  if (cursor) {
    const older = or(lt(events.ts, cursor.ts), and(eq(events.ts, cursor.ts), lt(events.id, cursor.id)));
    if (older) conditions.push(older);
  }
  return db
    .select()
    .from(events)
    .where(and(...conditions))
    .orderBy(desc(events.ts), desc(events.id))
    .limit(limit)
    .all();
}
