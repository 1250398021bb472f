// Queries over the servers table. Every query is scoped to a team: a server of another team does not exist.
import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type ServerRow, servers } from "../db/schema.ts";

export function findServer(db: Database, team: string, name: string): Promise<ServerRow | undefined> {
  return db
    .select()
    .from(servers)
    .where(and(eq(servers.team, team), eq(servers.name, name)))
    .get();
}

export function listServers(db: Database, team: string): Promise<ServerRow[]> {
  return db.select().from(servers).where(eq(servers.team, team)).orderBy(asc(servers.name)).all();
}

/** Inserts a server; returns false when the team already has one of that name. */
export async function insertServer(db: Database, row: ServerRow): Promise<boolean> {
  const inserted = await db.insert(servers).values(row).onConflictDoNothing().returning({ id: servers.id });
  return inserted.length === 1;
}

export async function replaceServer(db: Database, row: ServerRow): Promise<void> {
  await db
    .update(servers)
    .set(row)
    .where(and(eq(servers.id, row.id), eq(servers.team, row.team)));
}

/** Deletes a server; returns its id, or null when the team has no server of that name. */
export async function deleteServer(db: Database, team: string, name: string): Promise<string | null> {
  const [deleted] = await db
    .delete(servers)
    .where(and(eq(servers.team, team), eq(servers.name, name)))
    .returning({ id: servers.id });
  return deleted?.id ?? null;
}
