// Reads and writes of scans, their findings and the team's reviews. A finding's status is its review's (by
// fingerprint, so it outlives the scan), else what the scan recorded (open, or suppressed by a comment or config).
import { and, desc, eq, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import { randomId } from "../core/base64url.ts";
import {
  type Finding,
  type FindingStatus,
  type ScanSummary,
  SEVERITIES,
  type Severity,
} from "../core/scan/finding.ts";
import type { Database } from "../db/client.ts";
import { findingReviews, type ScanRow, scanFindings, scans } from "../db/schema.ts";

/** D1 binds at most 100 parameters per statement; a finding row binds 7. */
const FINDINGS_PER_INSERT = 14;

/** A scan that has just started: what the kind, trigger and target say, nothing found yet. */
export function startedScan(
  fields: Pick<
    ScanRow,
    "team" | "kind" | "trigger" | "serverId" | "target" | "sha256" | "createdBy" | "startedAt"
  >,
): ScanRow {
  return {
    id: randomId("scn_"),
    status: "running",
    error: null,
    summary: null,
    stats: null,
    definitions: null,
    changes: null,
    finishedAt: null,
    ...fields,
  };
}

export async function insertScan(db: Database, row: ScanRow): Promise<void> {
  await db.insert(scans).values(row).run();
}

export async function finishScan(
  db: Database,
  id: string,
  update: Pick<ScanRow, "status" | "error" | "summary" | "stats" | "definitions" | "changes" | "finishedAt">,
): Promise<void> {
  await db.update(scans).set(update).where(eq(scans.id, id)).run();
}

/** The findings' rows: the Finding minus what has columns of its own goes to `body`. */
export async function insertFindings(
  db: Database,
  scanId: string,
  team: string,
  findings: readonly Finding[],
): Promise<void> {
  const rows = findings.map(({ fingerprint, ruleId, severity, status, ...body }) => ({
    scanId,
    fingerprint,
    team,
    ruleId,
    severity,
    status,
    body: JSON.stringify(body),
  }));
  const statements = [];
  for (let i = 0; i < rows.length; i += FINDINGS_PER_INSERT) {
    statements.push(
      db
        .insert(scanFindings)
        .values(rows.slice(i, i + FINDINGS_PER_INSERT))
        .onConflictDoNothing(),
    );
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

export function getScan(db: Database, team: string, id: string): Promise<ScanRow | undefined> {
  return db
    .select()
    .from(scans)
    .where(and(eq(scans.team, team), eq(scans.id, id)))
    .get();
}

/** The server's newest completed scan before `before`: what a rescan compares its definitions with. */
export function previousServerScan(
  db: Database,
  team: string,
  serverId: string,
  before: number,
): Promise<ScanRow | undefined> {
  return db
    .select()
    .from(scans)
    .where(
      and(
        eq(scans.team, team),
        eq(scans.serverId, serverId),
        eq(scans.status, "completed"),
        lt(scans.startedAt, before),
      ),
    )
    .orderBy(desc(scans.startedAt))
    .limit(1)
    .get();
}

/** Each of the team's servers' newest completed scan: their tools, for shadowing checks across servers. */
export async function latestServerScans(db: Database, team: string): Promise<ScanRow[]> {
  const newest = db
    .select({
      serverId: scans.serverId,
      startedAt: sql<number>`max(${scans.startedAt})`.as("newest_started"),
    })
    .from(scans)
    .where(and(eq(scans.team, team), eq(scans.kind, "server"), eq(scans.status, "completed")))
    .groupBy(scans.serverId)
    .as("newest");
  return db
    .select({ scan: scans })
    .from(scans)
    .innerJoin(newest, and(eq(scans.serverId, newest.serverId), eq(scans.startedAt, newest.startedAt)))
    .where(eq(scans.team, team))
    .all()
    .then((rows) => rows.map((row) => row.scan));
}

export interface ScanListFilters {
  server_id?: string;
  kind?: "server" | "upload";
  status?: "running" | "completed" | "failed";
}

/** Newest first, keyset-paginated on (started_at, id). */
export function listScans(
  db: Database,
  team: string,
  filters: ScanListFilters,
  cursor: { startedAt: number; id: string } | null,
  limit: number,
): Promise<ScanRow[]> {
  const conditions: SQL[] = [eq(scans.team, team)];
  if (filters.server_id !== undefined) conditions.push(eq(scans.serverId, filters.server_id));
  if (filters.kind !== undefined) conditions.push(eq(scans.kind, filters.kind));
  if (filters.status !== undefined) conditions.push(eq(scans.status, filters.status));
  if (cursor) {
    conditions.push(sql`${scans.startedAt} <= ${cursor.startedAt}`);
    const next = or(
      lt(scans.startedAt, cursor.startedAt),
      and(eq(scans.startedAt, cursor.startedAt), lt(scans.id, cursor.id)),
    );
    if (next) conditions.push(next);
  }
  return db
    .select()
    .from(scans)
    .where(and(...conditions))
    .orderBy(desc(scans.startedAt), desc(scans.id))
    .limit(limit)
    .all();
}

/** Joins a finding to the team's review of its fingerprint, if any. */
const REVIEW_OF_FINDING = and(
  eq(findingReviews.team, scanFindings.team),
  eq(findingReviews.fingerprint, scanFindings.fingerprint),
);

/** A finding's status: the team's review of its fingerprint, else what the scan recorded. */
const effectiveStatus = sql<string>`coalesce(${findingReviews.status}, ${scanFindings.status})`;

export interface FindingFilters {
  severity?: Severity;
  rule?: string;
  status?: FindingStatus;
}

/** A scan's findings with their current status, worst first. */
export async function scanFindingsOf(
  db: Database,
  team: string,
  scanId: string,
  filters: FindingFilters = {},
): Promise<Finding[]> {
  const conditions: SQL[] = [eq(scanFindings.scanId, scanId), eq(scanFindings.team, team)];
  if (filters.severity !== undefined) conditions.push(eq(scanFindings.severity, filters.severity));
  if (filters.rule !== undefined) conditions.push(eq(scanFindings.ruleId, filters.rule));
  if (filters.status !== undefined) conditions.push(sql`${effectiveStatus} = ${filters.status}`);
  const rows = await db
    .select({
      fingerprint: scanFindings.fingerprint,
      ruleId: scanFindings.ruleId,
      severity: scanFindings.severity,
      body: scanFindings.body,
      status: effectiveStatus,
    })
    .from(scanFindings)
    .leftJoin(findingReviews, REVIEW_OF_FINDING)
    .where(and(...conditions))
    .all();
  const rank = (severity: string) => SEVERITIES.indexOf(severity as Severity);
  return rows
    .map(
      (row) =>
        ({
          ...(JSON.parse(row.body) as Omit<Finding, "fingerprint" | "ruleId" | "severity" | "status">),
          fingerprint: row.fingerprint,
          ruleId: row.ruleId,
          severity: row.severity as Severity,
          status: row.status as FindingStatus,
        }) satisfies Finding,
    )
    .sort((a, b) => rank(a.severity) - rank(b.severity) || a.ruleId.localeCompare(b.ruleId));
}

/** Open and reviewed findings per severity for each scan, as they stand now (reviews applied). */
export async function summariesOf(
  db: Database,
  team: string,
  scanIds: readonly string[],
): Promise<Map<string, ScanSummary>> {
  const out = new Map<string, ScanSummary>();
  for (const id of scanIds)
    out.set(id, { total: 0, bySeverity: { critical: 0, high: 0, medium: 0, low: 0 } });
  if (scanIds.length === 0) return out;
  const rows = await db
    .select({ scanId: scanFindings.scanId, severity: scanFindings.severity, count: sql<number>`count(*)` })
    .from(scanFindings)
    .leftJoin(findingReviews, REVIEW_OF_FINDING)
    .where(
      and(
        eq(scanFindings.team, team),
        inArray(scanFindings.scanId, [...scanIds]),
        sql`${effectiveStatus} NOT IN ('false_positive', 'suppressed')`,
      ),
    )
    .groupBy(scanFindings.scanId, scanFindings.severity)
    .all();
  for (const row of rows) {
    const summary = out.get(row.scanId);
    if (!summary || !SEVERITIES.includes(row.severity as Severity)) continue;
    summary.bySeverity[row.severity as Severity] += row.count;
    summary.total += row.count;
  }
  return out;
}

/** Whether the scan holds a finding with this fingerprint. */
export async function hasFinding(
  db: Database,
  team: string,
  scanId: string,
  fingerprint: string,
): Promise<boolean> {
  const row = await db
    .select({ one: sql`1` })
    .from(scanFindings)
    .where(
      and(
        eq(scanFindings.team, team),
        eq(scanFindings.scanId, scanId),
        eq(scanFindings.fingerprint, fingerprint),
      ),
    )
    .get();
  return row !== undefined;
}

/** Records the team's verdict on a fingerprint; "open" forgets an earlier verdict. */
export async function reviewFinding(
  db: Database,
  team: string,
  fingerprint: string,
  review: { status: "open" | "reviewed" | "false_positive"; note: string | null; subject: string },
): Promise<void> {
  if (review.status === "open") {
    await db
      .delete(findingReviews)
      .where(and(eq(findingReviews.team, team), eq(findingReviews.fingerprint, fingerprint)))
      .run();
    return;
  }
  const row = {
    team,
    fingerprint,
    status: review.status,
    note: review.note,
    reviewedBy: review.subject,
    reviewedAt: Date.now(),
  };
  await db
    .insert(findingReviews)
    .values(row)
    .onConflictDoUpdate({
      target: [findingReviews.team, findingReviews.fingerprint],
      set: { status: row.status, note: row.note, reviewedBy: row.reviewedBy, reviewedAt: row.reviewedAt },
    })
    .run();
}
