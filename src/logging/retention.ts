// The retention job, run by the daily Cron Trigger: deletes events older than EVENT_RETENTION_DAYS, the metric
// rollup hours before them, and sessions nobody has used since then. Deletes go in bounded chunks so no single statement holds the database for long;
// whatever one run leaves (a very large backlog) the next run continues.
import { loadConfig } from "../config.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Rows deleted per statement. */
export const DELETE_CHUNK = 5_000;
/** Statements per run: at most CHUNKS_PER_RUN × DELETE_CHUNK events go in one run. */
const CHUNKS_PER_RUN = 200;

const DELETE_EVENTS_SQL = "DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE ts < ? LIMIT ?)";
const DELETE_ROLLUPS_SQL =
  "DELETE FROM metric_rollups WHERE rowid IN (SELECT rowid FROM metric_rollups WHERE hour < ? LIMIT ?)";
const DELETE_SESSIONS_SQL =
  "DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE last_seen_at < ? LIMIT ?)";

export interface RetentionOutcome {
  /** Events and sessions before this time were deleted; null when retention is off. */
  cutoff: number | null;
  events: number;
  sessions: number;
  /** True when the run stopped at its bound with old rows left for the next run. */
  more: boolean;
}

async function deleteInChunks(d1: D1Database, sql: string, cutoff: number, budget: number) {
  let deleted = 0;
  for (let chunk = 0; chunk < budget; chunk++) {
    const result = await d1.prepare(sql).bind(cutoff, DELETE_CHUNK).run();
    deleted += result.meta.changes;
    if (result.meta.changes < DELETE_CHUNK) return { deleted, more: false, used: chunk + 1 };
  }
  return { deleted, more: true, used: budget };
}

/** Deletes what is older than the retention period, measured back from `now`. */
export async function applyRetention(env: Env, now: number): Promise<RetentionOutcome> {
  const days = loadConfig(env).eventRetentionDays;
  if (days === 0) return { cutoff: null, events: 0, sessions: 0, more: false };
  const cutoff = now - days * DAY_MS;
  const events = await deleteInChunks(env.DB, DELETE_EVENTS_SQL, cutoff, CHUNKS_PER_RUN);
  // A rollup hour goes once all of it is past the cutoff (its events are gone by then).
  const rollups = events.more
    ? { deleted: 0, more: true, used: 0 }
    : await deleteInChunks(env.DB, DELETE_ROLLUPS_SQL, cutoff - HOUR_MS, CHUNKS_PER_RUN - events.used);
  const sessions = rollups.more
    ? { deleted: 0, more: true }
    : await deleteInChunks(env.DB, DELETE_SESSIONS_SQL, cutoff, CHUNKS_PER_RUN - events.used - rollups.used);
  const outcome = { cutoff, events: events.deleted, sessions: sessions.deleted, more: sessions.more };
  console.log("helmet: retention", { ...outcome, days });
  return outcome;
}
