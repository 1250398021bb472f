// Scheduled rescans (an hourly Cron Trigger): every server with a scan interval whose newest scan is older than
// that interval is scanned again, oldest first, a bounded number per run so one run stays within a Worker's limits.
import { and, asc, isNotNull, sql } from "drizzle-orm";
import { loadConfig } from "../config.ts";
import { database } from "../db/client.ts";
import { scans, servers } from "../db/schema.ts";
import { scanServer } from "./server-scan.ts";

/** The Cron Trigger that runs this (wrangler.toml). */
export const SCAN_CRON = "7 * * * *";
/** Servers scanned per run; the rest wait for the next hour, oldest first. */
export const SCANS_PER_RUN = 10;
const HOUR_MS = 3_600_000;

/** Servers due for a rescan at `now`, the longest-waiting first. */
export async function dueServers(env: Env, now: number) {
  const db = database(env);
  const newest = sql<
    number | null
  >`(SELECT max(${scans.startedAt}) FROM ${scans} WHERE ${scans.serverId} = ${servers.id})`;
  return db
    .select()
    .from(servers)
    .where(
      and(
        isNotNull(servers.scanIntervalHours),
        sql`coalesce(${newest}, 0) <= ${now} - ${servers.scanIntervalHours} * ${HOUR_MS}`,
      ),
    )
    .orderBy(asc(sql`coalesce(${newest}, 0)`), asc(servers.id))
    .limit(SCANS_PER_RUN)
    .all();
}

/** Rescans the servers that are due, one after the other; each failure is stored on its scan. */
export async function runScheduledScans(env: Env, now: number): Promise<void> {
  const config = loadConfig(env);
  const due = await dueServers(env, now);
  for (const server of due) {
    await scanServer(env, config.encryptionKey, server, "schedule", "helmet-scheduler");
  }
  if (due.length > 0) console.log(`helmet: scheduled scans ran for ${due.length} server(s)`);
}
