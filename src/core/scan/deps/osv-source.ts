// Where advisories come from: the OSV API (batched queries, then each advisory fetched once and cached), or an
// OSV-format snapshot for offline and air-gapped scans (a JSON array of records, `{ "vulns": [...] }`, or the zip
// osv.dev publishes per ecosystem, one record per file). Web-standard APIs only: the Worker and the CLI share it.
import { unpackArchive } from "../../archive/unpack.ts";
import { readAtMost } from "../../bytes.ts";
import type { AdvisorySource } from "./dependency-analyzer.ts";
import { type InstalledPackage, OsvRecord } from "./osv.ts";

export const OSV_API_URL = "https://api.osv.dev";
/** The API takes at most 1,000 queries a batch. */
const BATCH_QUERIES = 1_000;
/** Advisories fetched at once. */
const CONCURRENCY = 8;
/** Largest response read from the API, and largest snapshot file. */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;

export class AdvisoryError extends Error {}

/** Records from a snapshot file. */
export class OsvSnapshot implements AdvisorySource {
  readonly description: string;
  readonly #records: OsvRecord[];

  private constructor(description: string, records: OsvRecord[]) {
    this.description = description;
    this.#records = records;
  }

  /** Reads a snapshot: JSON (an array, `{vulns}`, or one record) or a zip of JSON records. Bad records are refused. */
  static async read(name: string, bytes: Uint8Array): Promise<OsvSnapshot> {
    if (bytes.byteLength > MAX_SNAPSHOT_BYTES)
      throw new AdvisoryError(
        `${name} is over ${MAX_SNAPSHOT_BYTES / 1024 / 1024} MiB; split the snapshot by ecosystem`,
      );
    const texts: Array<{ name: string; text: string }> = [];
    const decoder = new TextDecoder();
    if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
      const unpacked = await unpackArchive(bytes, {
        maxTotalBytes: MAX_SNAPSHOT_BYTES * 4,
        maxFiles: 1_000_000,
      });
      for (const file of unpacked.files)
        if (file.path.endsWith(".json"))
          texts.push({ name: `${name}:${file.path}`, text: decoder.decode(file.bytes) });
    } else {
      texts.push({ name, text: decoder.decode(bytes) });
    }
    const records: OsvRecord[] = [];
    for (const { name: source, text } of texts) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new AdvisoryError(`${source} is not JSON: ${(error as Error).message}`);
      }
      const list = Array.isArray(value)
        ? value
        : typeof value === "object" && value !== null && Array.isArray((value as { vulns?: unknown }).vulns)
          ? (value as { vulns: unknown[] }).vulns
          : [value];
      list.forEach((item, i) => {
        const parsed = OsvRecord.safeParse(item);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new AdvisoryError(
            `${source}: record ${i + 1} is not an OSV record (${issue?.path.join(".") || "root"}: ${issue?.message})`,
          );
        }
        records.push(parsed.data);
      });
    }
    const counted = `${records.length} ${records.length === 1 ? "record" : "records"}`;
    return new OsvSnapshot(`OSV snapshot ${name} (${counted})`, records);
  }

  async advisoriesFor(): Promise<OsvRecord[]> {
    return this.#records;
  }
}

/**
 * How long a cached advisory may be used. OSV's batch answer carries each advisory's `modified` time, so a record
 * that changed is fetched again sooner; this bound covers a mirror that leaves `modified` out.
 */
export const ADVISORY_CACHE_MS = 7 * 86_400_000;

/**
 * A cache of advisories by id, kept between scans where the runtime can (a D1 table, a directory). `get` answers
 * only with a record at least as new as `modified` and fetched within ADVISORY_CACHE_MS; a cache that fails answers
 * `undefined` or drops the record, never fails the scan.
 */
export interface AdvisoryCache {
  get(id: string, modified: string): Promise<OsvRecord | undefined>;
  put(record: OsvRecord): Promise<void>;
}

/** An in-memory cache for one process or request. */
export class MemoryAdvisoryCache implements AdvisoryCache {
  readonly #records = new Map<string, OsvRecord>();

  async get(id: string, modified: string): Promise<OsvRecord | undefined> {
    const record = this.#records.get(id);
    return record && record.modified >= modified ? record : undefined;
  }

  async put(record: OsvRecord): Promise<void> {
    this.#records.set(record.id, record);
  }
}

export interface OsvApiOptions {
  /** The API's base URL: osv.dev's, or a mirror. */
  url?: string;
  fetch?: typeof fetch;
  cache?: AdvisoryCache;
  /** Aborts each request after this long. */
  timeoutMs?: number;
}

interface BatchAnswer {
  results?: Array<{ vulns?: Array<{ id: string; modified?: string }>; next_page_token?: string }>;
}

/** The OSV API: which advisories affect each package version (querybatch), then each advisory's record. */
export class OsvApi implements AdvisorySource {
  readonly description: string;
  readonly #url: string;
  readonly #fetch: typeof fetch;
  readonly #cache: AdvisoryCache;
  readonly #timeoutMs: number;

  constructor(options: OsvApiOptions = {}) {
    this.#url = (options.url ?? OSV_API_URL).replace(/\/+$/, "");
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#cache = options.cache ?? new MemoryAdvisoryCache();
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.description = `OSV API at ${this.#url}`;
  }

  async advisoriesFor(packages: readonly InstalledPackage[]): Promise<OsvRecord[]> {
    const wanted = new Map<string, string>();
    for (let start = 0; start < packages.length; start += BATCH_QUERIES) {
      const batch = packages.slice(start, start + BATCH_QUERIES);
      let queries = batch.map((pkg) => ({
        package: { name: pkg.name, ecosystem: pkg.ecosystem },
        version: pkg.version,
      }));
      // A result with a next page token is asked again for its next page, alone with the others that have one.
      for (let round = 0; queries.length > 0 && round < 20; round++) {
        const answer = (await this.#json("/v1/querybatch", { queries })) as BatchAnswer;
        const results = answer.results ?? [];
        const again: typeof queries = [];
        results.forEach((result, i) => {
          for (const vuln of result.vulns ?? []) wanted.set(vuln.id, vuln.modified ?? "");
          const query = queries[i];
          if (result.next_page_token && query)
            again.push({ ...query, page_token: result.next_page_token } as never);
        });
        queries = again;
      }
    }
    const ids = [...wanted.entries()];
    const records: OsvRecord[] = [];
    for (let start = 0; start < ids.length; start += CONCURRENCY) {
      const chunk = ids.slice(start, start + CONCURRENCY);
      records.push(...(await Promise.all(chunk.map(([id, modified]) => this.#record(id, modified)))));
    }
    return records;
  }

  async #record(id: string, modified: string): Promise<OsvRecord> {
    const cached = await this.#cache.get(id, modified);
    if (cached) return cached;
    const value = await this.#json(`/v1/vulns/${encodeURIComponent(id)}`);
    const parsed = OsvRecord.safeParse(value);
    if (!parsed.success)
      throw new AdvisoryError(`the OSV API answered ${id} with something that is not an OSV record`);
    await this.#cache.put(parsed.data);
    return parsed.data;
  }

  async #json(path: string, body?: unknown): Promise<unknown> {
    const url = `${this.#url}${path}`;
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new AdvisoryError(`could not reach ${url}: ${(error as Error).message}`);
    }
    if (!response.ok) throw new AdvisoryError(`${url} answered HTTP ${response.status}`);
    const bytes = await readAtMost(response.body, MAX_RESPONSE_BYTES);
    if (bytes === null) throw new AdvisoryError(`${url} answered over ${MAX_RESPONSE_BYTES} bytes`);
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new AdvisoryError(`${url} did not answer JSON`);
    }
  }
}
