// What the bridge keeps on disk, per gateway: the last policy bundle of each server (with the identity it was
// judged for), so a bridge that cannot reach the gateway still enforces; and the spool, where what could not be
// shipped waits to be replayed. Under $HELMET_CACHE_DIR, else $XDG_CACHE_HOME/helmet, else ~/.cache/helmet;
// directories 0700, files 0600.
import { createHash, randomUUID } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { GatewayIdentity, PolicyBundle } from "./gateway-client.ts";

export function cacheRoot(env: Readonly<Record<string, string | undefined>>): string {
  if (env.HELMET_CACHE_DIR) return env.HELMET_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "helmet");
}

const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

function privateDir(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return path;
}

export interface CachedBundle {
  etag: string;
  bundle: PolicyBundle;
  identity: GatewayIdentity;
  fetchedAt: number;
}

export class StateDir {
  readonly #dir: string;

  constructor(root: string, apiUrl: string) {
    this.#dir = join(root, digest(apiUrl));
  }

  #bundlePath(server: string): string {
    return join(privateDir(join(this.#dir, "bundles")), `${digest(server)}.json`);
  }

  readBundle(server: string): CachedBundle | null {
    try {
      return JSON.parse(readFileSync(this.#bundlePath(server), "utf8")) as CachedBundle;
    } catch {
      return null;
    }
  }

  writeBundle(server: string, cached: CachedBundle): void {
    const path = this.#bundlePath(server);
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(cached), { mode: 0o600 });
    renameSync(temporary, path);
  }

  get spoolDir(): string {
    return privateDir(join(this.#dir, "spool"));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One thing the gateway must be told, in the order it happened. */
export type SpoolEntry =
  | { kind: "session"; body: Record<string, unknown> }
  | { kind: "events"; sessionId: string; events: unknown[] }
  | { kind: "end"; sessionId: string; endedAt: number }
  | { kind: "metrics"; sessionId: string; body: Record<string, unknown> };

/**
 * Entries that could not be shipped, appended to a file of this process's own. Replaying claims whole files
 * (by renaming them), so two bridges never send the same file; what a replay cannot send goes back to a file.
 */
export class Spool {
  readonly #dir: string;
  readonly #file: string;

  constructor(dir: string) {
    this.#dir = dir;
    this.#file = join(dir, `${Date.now()}-${process.pid}-${randomUUID()}.ndjson`);
  }

  append(entry: SpoolEntry): void {
    appendFileSync(this.#file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    chmodSync(this.#file, 0o600);
  }

  /** Sends every spooled entry, oldest file first; stops at the first failure and keeps what is left. */
  async replay(send: (entry: SpoolEntry) => Promise<void>): Promise<number> {
    let sent = 0;
    // A file claimed by a bridge that died mid-replay is free again.
    for (const name of readdirSync(this.#dir)) {
      const match = /^(.*\.ndjson)\.claimed-(\d+)$/.exec(name);
      if (!match || isAlive(Number(match[2]))) continue;
      renameSync(join(this.#dir, name), join(this.#dir, match[1] as string));
    }
    const files = readdirSync(this.#dir)
      .filter((name) => name.endsWith(".ndjson"))
      .sort();
    for (const name of files) {
      const claimed = join(this.#dir, `${name}.claimed-${process.pid}`);
      try {
        renameSync(join(this.#dir, name), claimed);
      } catch {
        continue; // Another bridge took it.
      }
      const entries = readFileSync(claimed, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as SpoolEntry);
      for (let i = 0; i < entries.length; i += 1) {
        try {
          await send(entries[i] as SpoolEntry);
          sent += 1;
        } catch (error) {
          // Keep what was not sent, in order, for the next replay.
          const rest = entries.slice(i).map((entry) => JSON.stringify(entry));
          writeFileSync(join(this.#dir, name), `${rest.join("\n")}\n`, { mode: 0o600 });
          rmSync(claimed, { force: true });
          throw error;
        }
      }
      rmSync(claimed, { force: true });
    }
    return sent;
  }
}
