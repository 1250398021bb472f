// The CLI's advisory cache: each OSV record fetched by `helmet scan` kept as a file under the bridge's cache
// directory ($HELMET_CACHE_DIR, else $XDG_CACHE_HOME/helmet, else ~/.cache/helmet), in osv/, so the next scan asks
// OSV only which advisories apply. A file that cannot be read or parsed is a miss; a write that fails is skipped.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OsvRecord } from "../../../src/core/scan/deps/osv.ts";
import { ADVISORY_CACHE_MS, type AdvisoryCache } from "../../../src/core/scan/deps/osv-source.ts";
import { cacheRoot } from "../state-dir.ts";

/** A cached record larger than this is ignored (OSV's largest records are tens of kilobytes). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const PLAIN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

interface CacheFile {
  fetchedAt: number;
  record: unknown;
}

export class DirectoryAdvisoryCache implements AdvisoryCache {
  readonly #dir: string;
  readonly #now: () => number;

  constructor(dir: string, now: () => number = Date.now) {
    this.#dir = dir;
    this.#now = now;
  }

  /** The cache under the bridge's cache directory for `env`. */
  static forEnv(env: Readonly<Record<string, string | undefined>>): DirectoryAdvisoryCache {
    return new DirectoryAdvisoryCache(join(cacheRoot(env), "osv"));
  }

  #path(id: string): string {
    const name = PLAIN_ID.test(id) ? id : createHash("sha256").update(id).digest("hex");
    return join(this.#dir, `${name}.json`);
  }

  async get(id: string, modified: string): Promise<OsvRecord | undefined> {
    try {
      const path = this.#path(id);
      if ((await stat(path)).size > MAX_FILE_BYTES) return undefined;
      const file = JSON.parse(await readFile(path, "utf8")) as CacheFile;
      if (typeof file.fetchedAt !== "number" || file.fetchedAt <= this.#now() - ADVISORY_CACHE_MS)
        return undefined;
      const parsed = OsvRecord.safeParse(file.record);
      if (!parsed.success || parsed.data.id !== id || parsed.data.modified < modified) return undefined;
      return parsed.data;
    } catch {
      return undefined;
    }
  }

  async put(record: OsvRecord): Promise<void> {
    const path = this.#path(record.id);
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      const file: CacheFile = { fetchedAt: this.#now(), record };
      await writeFile(temporary, JSON.stringify(file), { mode: 0o600 });
      await rename(temporary, path);
    } catch {
      // Not cached: the next scan fetches it again.
    }
  }
}
