// The gateway's advisory cache: OSV records in D1 (osv_advisories), shared by every team because advisories are
// public, so a record is fetched from OSV once a week at most rather than once per upload. The daily retention run
// deletes what has aged out. A cache failure costs a fetch, never the scan.
import { lt } from "drizzle-orm";
import { OsvRecord } from "../core/scan/deps/osv.ts";
import { ADVISORY_CACHE_MS, type AdvisoryCache } from "../core/scan/deps/osv-source.ts";
import type { Database } from "../db/client.ts";
import { osvAdvisories } from "../db/schema.ts";

/** D1 stores at most 2 MB in one value; larger records (rare) are fetched each time. */
const MAX_RECORD_CHARS = 1_000_000;

export class D1AdvisoryCache implements AdvisoryCache {
  readonly #db: Database;
  readonly #now: () => number;

  constructor(db: Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async get(id: string, modified: string): Promise<OsvRecord | undefined> {
    try {
      const row = await this.#db.query.osvAdvisories.findFirst({
        where: (table, { and, eq, gt, gte }) =>
          and(
            eq(table.id, id),
            gte(table.modified, modified),
            gt(table.fetchedAt, this.#now() - ADVISORY_CACHE_MS),
          ),
      });
      if (!row) return undefined;
      const parsed = OsvRecord.safeParse(JSON.parse(row.record));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  async put(record: OsvRecord): Promise<void> {
    const json = JSON.stringify(record);
    if (json.length > MAX_RECORD_CHARS) return;
    const row = { id: record.id, modified: record.modified, record: json, fetchedAt: this.#now() };
    try {
      await this.#db
        .insert(osvAdvisories)
        .values(row)
        .onConflictDoUpdate({ target: osvAdvisories.id, set: row });
    } catch {
      // Not cached: the next scan fetches it again.
    }
  }
}

/** Deletes advisories fetched longer ago than the cache keeps them; returns how many went. */
export async function pruneAdvisories(db: Database, now: number): Promise<number> {
  const deleted = await db
    .delete(osvAdvisories)
    .where(lt(osvAdvisories.fetchedAt, now - ADVISORY_CACHE_MS))
    .returning({ id: osvAdvisories.id });
  return deleted.length;
}
