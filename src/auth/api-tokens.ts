// API tokens: long-lived bearer tokens for machines and for the bridge's HELMET_SESSION_TOKEN. A token is
// `hlm_` + 32 random bytes (base64url); only its SHA-256 is stored. It is checked against D1 on every request, so
// a revocation takes effect at once everywhere; its last-used time is written at most once a minute.
import { and, eq, sql } from "drizzle-orm";
import { bytesToBase64url } from "../core/base64url.ts";
import { sha256Hex } from "../core/bytes.ts";
import { database } from "../db/client.ts";
import { type ApiTokenRow, apiTokens } from "../db/schema.ts";
import type { Identity } from "./identity.ts";

export const API_TOKEN_PREFIX = "hlm_";
const LAST_USED_EVERY_MS = 60_000;

export function tokenHash(token: string): Promise<string> {
  return sha256Hex(token);
}

export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${bytesToBase64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/**
 * The identity an API token stands for, or null when it is unknown, revoked or expired. Its claims say which token
 * it is (`token_id`), so policies and logs can tell a machine from its creator.
 */
export async function identityOfApiToken(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  token: string,
): Promise<Identity | null> {
  const db = database(env);
  const row = await db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.hash, await tokenHash(token)))
    .get();
  const now = Date.now();
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
  if (row.lastUsedAt === null || row.lastUsedAt < now - LAST_USED_EVERY_MS) {
    ctx.waitUntil(
      db
        .update(apiTokens)
        .set({ lastUsedAt: now })
        .where(eq(apiTokens.id, row.id))
        .catch((error: unknown) =>
          console.error("helmet: recording a token's last use failed", String(error)),
        ),
    );
  }
  const roles = JSON.parse(row.roles) as string[];
  return {
    subject: row.subject,
    team: row.team,
    roles,
    claims: { sub: row.subject, team: row.team, roles, token_id: row.id, token_name: row.name },
  };
}

export function listTokens(env: Env, team: string): Promise<ApiTokenRow[]> {
  return database(env)
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.team, team))
    .orderBy(sql`${apiTokens.createdAt} desc`)
    .all();
}

/** Revokes a token of the team; false when there is none of that id (or it is revoked already). */
export async function revokeToken(
  env: Env,
  team: string,
  id: string,
  at: number,
): Promise<ApiTokenRow | null> {
  const [row] = await database(env)
    .update(apiTokens)
    .set({ revokedAt: at })
    .where(and(eq(apiTokens.team, team), eq(apiTokens.id, id), sql`${apiTokens.revokedAt} IS NULL`))
    .returning();
  return row ?? null;
}
