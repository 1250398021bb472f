// Queries over the policies table, scoped to a team like everything else.
import { and, asc, eq } from "drizzle-orm";
import { compileGlobs } from "../core/policy/glob.ts";
import { type PolicyDocument, policySchema } from "../core/policy/policy-schema.ts";
import type { Database } from "../db/client.ts";
import { type PolicyRow, policies } from "../db/schema.ts";

export function listPolicies(db: Database, team: string): Promise<PolicyRow[]> {
  return db.select().from(policies).where(eq(policies.team, team)).orderBy(asc(policies.name)).all();
}

export function findPolicy(db: Database, team: string, name: string): Promise<PolicyRow | undefined> {
  return db
    .select()
    .from(policies)
    .where(and(eq(policies.team, team), eq(policies.name, name)))
    .get();
}

/** Inserts a policy; false when the team already has one of that name. */
export async function insertPolicy(db: Database, row: PolicyRow): Promise<boolean> {
  const inserted = await db.insert(policies).values(row).onConflictDoNothing().returning({ id: policies.id });
  return inserted.length === 1;
}

export async function replacePolicy(db: Database, row: PolicyRow): Promise<void> {
  await db
    .update(policies)
    .set(row)
    .where(and(eq(policies.id, row.id), eq(policies.team, row.team)));
}

export async function deletePolicy(db: Database, team: string, name: string): Promise<boolean> {
  const deleted = await db
    .delete(policies)
    .where(and(eq(policies.team, team), eq(policies.name, name)))
    .returning({ id: policies.id });
  return deleted.length === 1;
}

/** The stored document of a row; rows are validated on the way in, so a failure here means a corrupt row. */
export function documentOf(row: PolicyRow): PolicyDocument {
  return policySchema.parse(JSON.parse(row.document));
}

/** The team's policies that apply to a server (their `servers` globs match its name). */
export function policiesForServer(rows: readonly PolicyRow[], server: string): PolicyDocument[] {
  return rows.map(documentOf).filter((document) => compileGlobs(document.servers)(server));
}
