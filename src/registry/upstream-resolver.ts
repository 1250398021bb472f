// Resolves /mcp/:server to an upstream on the hot path: a short-lived per-isolate cache in front of D1, so a
// proxied request normally costs no database read. Writes through the API invalidate the local entry at once;
// other isolates see a change within SERVER_CACHE_TTL_MS.
import { database } from "../db/client.ts";
import type { ServerRow } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { openCredentials } from "./credentials.ts";
import { findServer } from "./server-store.ts";

export interface Upstream {
  serverId: string;
  name: string;
  url: string;
  /** Decrypted credential headers to send upstream. */
  headers: Readonly<Record<string, string>>;
  timeoutMs: number | null;
  /** What happens to a request no policy decides. */
  policyDefault: "allow" | "deny";
  /** Whether tools with a changed definition are hidden until an admin approves them. */
  hideChangedTools: boolean;
}

const MAX_ENTRIES = 1_000;
const cache = new Map<string, { expiresAt: number; upstream: Upstream | null }>();

const cacheKey = (team: string, name: string) => `${team}\u0000${name}`;

/** Forgets a cached entry after the registry changed it. */
export function forgetUpstream(team: string, name: string): void {
  cache.delete(cacheKey(team, name));
}

/** The upstream registered as `name` for `team`, or null when there is none. */
export async function resolveUpstream(
  env: Env,
  encryptionKey: Uint8Array,
  team: string,
  name: string,
  ttlMs: number,
): Promise<Upstream | null> {
  const key = cacheKey(team, name);
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.expiresAt > now) return hit.upstream;
  const row = await findServer(database(env), team, name);
  const upstream = row ? await toUpstream(row, encryptionKey) : null;
  if (ttlMs > 0) {
    cache.delete(key);
    cache.set(key, { expiresAt: now + ttlMs, upstream });
    if (cache.size > MAX_ENTRIES) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  }
  return upstream;
}

/** The upstream a registry row describes, its credentials decrypted. */
export async function toUpstream(row: ServerRow, encryptionKey: Uint8Array): Promise<Upstream> {
  let headers: Record<string, string> = {};
  if (row.credentialsSealed) {
    const opened = await openCredentials(encryptionKey, row.id, row.credentialsSealed);
    if (!opened) {
      throw new GatewayError(
        502,
        "upstream_credentials_unreadable",
        `The credentials stored for server '${row.name}' cannot be decrypted; an admin must set them again.`,
        {
          detail: `server ${row.id}: credentials do not open with the current ENCRYPTION_KEY`,
        },
      );
    }
    headers = opened;
  }
  return {
    serverId: row.id,
    name: row.name,
    url: row.url,
    headers,
    timeoutMs: row.timeoutMs,
    policyDefault: row.policyDefault === "deny" ? "deny" : "allow",
    hideChangedTools: row.hideChangedTools,
  };
}
