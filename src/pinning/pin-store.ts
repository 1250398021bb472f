// The tool_pins table, with a short-lived per-isolate cache of each server's pins in front of it: reviewing a
// listing or checking a call normally costs no database read. Writes made here update the cached entry; other
// isolates see a change (an approval, say) within SERVER_CACHE_TTL_MS.
import { and, asc, eq, isNull, ne, or } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type ToolPinRow, toolPins } from "../db/schema.ts";

/** What the proxy needs to know of a pin. */
export interface PinState {
  hash: string;
  /** The changed definition awaiting approval, or null. */
  changedHash: string | null;
}

export interface NewPin {
  tool: string;
  hash: string;
  definition: string | null;
}

const MAX_ENTRIES = 1_000;
const cache = new Map<string, { expiresAt: number; pins: Map<string, PinState> }>();
/** Bumped on every forget, so a read that started before a write cannot put its stale result in the cache. */
let generation = 0;

const cacheKey = (team: string, serverId: string) => `${team}\u0000${serverId}`;

/** D1 allows 100 bound parameters per statement; a pin row binds at most 11. */
const ROWS_PER_INSERT = 9;

/** Forgets the cached pins of a server after a write this module did not see (such as an approval). */
export function forgetPins(team: string, serverId: string): void {
  generation += 1;
  cache.delete(cacheKey(team, serverId));
}

/** The pins of a server by tool name, from the cache when it is fresh. */
export async function loadPins(
  db: Database,
  team: string,
  serverId: string,
  ttlMs: number,
): Promise<Map<string, PinState>> {
  const key = cacheKey(team, serverId);
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.expiresAt > now) return hit.pins;
  const readAt = generation;
  const rows = await db
    .select({ tool: toolPins.tool, hash: toolPins.hash, changedHash: toolPins.changedHash })
    .from(toolPins)
    .where(and(eq(toolPins.team, team), eq(toolPins.serverId, serverId)))
    .all();
  const pins = new Map(rows.map((row) => [row.tool, { hash: row.hash, changedHash: row.changedHash }]));
  if (ttlMs > 0 && readAt === generation) {
    cache.delete(key);
    cache.set(key, { expiresAt: now + ttlMs, pins });
    if (cache.size > MAX_ENTRIES) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  }
  return pins;
}

/**
 * Pins tools seen for the first time. A tool another request pinned meanwhile keeps that pin, which is returned
 * so the caller judges the listing against it.
 */
export async function insertPins(
  db: Database,
  team: string,
  serverId: string,
  pins: readonly NewPin[],
  at: number,
): Promise<Map<string, PinState>> {
  const inserted = new Set<string>();
  for (let i = 0; i < pins.length; i += ROWS_PER_INSERT) {
    const rows = pins.slice(i, i + ROWS_PER_INSERT).map((pin) => ({
      team,
      serverId,
      tool: pin.tool,
      hash: pin.hash,
      definition: pin.definition,
      firstSeenAt: at,
    }));
    const done = await db
      .insert(toolPins)
      .values(rows)
      .onConflictDoNothing()
      .returning({ tool: toolPins.tool });
    for (const row of done) inserted.add(row.tool);
  }
  const states = new Map<string, PinState>();
  for (const pin of pins) {
    if (inserted.has(pin.tool)) states.set(pin.tool, { hash: pin.hash, changedHash: null });
  }
  const raced = pins.filter((pin) => !inserted.has(pin.tool));
  if (raced.length > 0) {
    for (const [tool, state] of await loadPins(db, team, serverId, 0)) {
      if (raced.some((pin) => pin.tool === tool)) states.set(tool, state);
    }
  }
  const cached = cache.get(cacheKey(team, serverId));
  if (cached) for (const [tool, state] of states) cached.pins.set(tool, state);
  return states;
}

/**
 * Records a definition that differs from the pin `pinnedHash`; it awaits approval until an admin approves it.
 * Returns false when the pin is no longer `pinnedHash` (approved meanwhile, through another isolate perhaps) or
 * the change is already recorded: the cached pins are then forgotten, as the caller's view of the pin is stale.
 */
export async function recordChange(
  db: Database,
  team: string,
  serverId: string,
  pinnedHash: string,
  change: NewPin,
  at: number,
): Promise<boolean> {
  const updated = await db
    .update(toolPins)
    .set({ changedAt: at, changedHash: change.hash, changedDefinition: change.definition })
    .where(
      and(
        eq(toolPins.team, team),
        eq(toolPins.serverId, serverId),
        eq(toolPins.tool, change.tool),
        eq(toolPins.hash, pinnedHash),
        // Another isolate may have recorded this very change already: it is logged once.
        or(isNull(toolPins.changedHash), ne(toolPins.changedHash, change.hash)),
      ),
    )
    .returning({ tool: toolPins.tool });
  if (updated.length === 0) {
    forgetPins(team, serverId);
    return false;
  }
  const pin = cache.get(cacheKey(team, serverId))?.pins.get(change.tool);
  if (pin) pin.changedHash = change.hash;
  return true;
}

export function listPins(db: Database, team: string, serverId: string): Promise<ToolPinRow[]> {
  return db
    .select()
    .from(toolPins)
    .where(and(eq(toolPins.team, team), eq(toolPins.serverId, serverId)))
    .orderBy(asc(toolPins.tool))
    .all();
}

export function findPin(
  db: Database,
  team: string,
  serverId: string,
  tool: string,
): Promise<ToolPinRow | undefined> {
  return db
    .select()
    .from(toolPins)
    .where(and(eq(toolPins.team, team), eq(toolPins.serverId, serverId), eq(toolPins.tool, tool)))
    .get();
}

/**
 * Makes the changed definition `changedHash` the pin. Returns the updated row, or undefined when that is no longer
 * the change awaiting approval (the tool changed again, or someone approved it first).
 */
export async function approveChange(
  db: Database,
  pin: ToolPinRow & { changedHash: string },
  approvedBy: string,
  at: number,
): Promise<ToolPinRow | undefined> {
  const [row] = await db
    .update(toolPins)
    .set({
      hash: pin.changedHash,
      definition: pin.changedDefinition,
      changedAt: null,
      changedHash: null,
      changedDefinition: null,
      approvedBy,
      approvedAt: at,
    })
    .where(
      and(
        eq(toolPins.team, pin.team),
        eq(toolPins.serverId, pin.serverId),
        eq(toolPins.tool, pin.tool),
        eq(toolPins.changedHash, pin.changedHash),
      ),
    )
    .returning();
  forgetPins(pin.team, pin.serverId);
  return row;
}

/** Forgets every pin of a server (when the server is deleted). */
export async function deletePins(db: Database, team: string, serverId: string): Promise<void> {
  await db.delete(toolPins).where(and(eq(toolPins.team, team), eq(toolPins.serverId, serverId)));
  forgetPins(team, serverId);
}
