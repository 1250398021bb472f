// The compiled policy set for a team's server on the hot path: compiled once per change and cached per isolate
// like the server registry. Writes through the API forget the team's entries at once; other isolates see a change
// within SERVER_CACHE_TTL_MS.
import { PolicySet } from "../core/policy/engine.ts";
import { database } from "../db/client.ts";
import type { Upstream } from "../registry/upstream-resolver.ts";
import { listPolicies, policiesForServer } from "./policy-store.ts";

const MAX_ENTRIES = 1_000;
const cache = new Map<string, { expiresAt: number; policies: PolicySet }>();

const cacheKey = (team: string, server: string, policyDefault: string) =>
  `${team}\u0000${server}\u0000${policyDefault}`;

/** Forgets every cached policy set of a team, after its policies or a server's default changed. */
export function forgetPolicies(team: string): void {
  for (const key of cache.keys()) if (key.startsWith(`${team}\u0000`)) cache.delete(key);
}

export async function resolvePolicies(
  env: Env,
  team: string,
  upstream: Upstream,
  ttlMs: number,
): Promise<PolicySet> {
  const key = cacheKey(team, upstream.name, upstream.policyDefault);
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.expiresAt > now) return hit.policies;
  const rows = await listPolicies(database(env), team);
  const policies = PolicySet.compile(policiesForServer(rows, upstream.name), upstream.policyDefault);
  if (ttlMs > 0) {
    cache.delete(key);
    cache.set(key, { expiresAt: now + ttlMs, policies });
    if (cache.size > MAX_ENTRIES) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  }
  return policies;
}
