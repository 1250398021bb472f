// What the bridge keeps on disk, per gateway: the last policy bundle of each server (with the identity it was
// judged for), so a bridge that cannot reach the gateway still enforces; and the spool, where what could not be
// shipped waits to be replayed. Under $HELMET_CACHE_DIR, else $XDG_CACHE_HOME/helmet, else ~/.cache/helmet;
// directories 0700, files 0600.
import { createHash, randomUUID } from "node:crypto";
import {
  appendFileSync,
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

  /** One directory per gateway and token: a bundle and its spool belong to the identity that fetched them. */
  constructor(root: string, apiUrl: string, token: string) {
    this.#dir = join(root, digest(`${apiUrl}\u0000${token}`));
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

/** A spool file's name: `<first write time>-<writer pid>-<random>.ndjson`; files replay in name order. */
const SPOOL_FILE = /^(\d+)-(\d+)-[0-9a-f-]+\.ndjson$/;
const CLAIMED = /^(.*\.ndjson)\.claimed-(\d+)-([0-9a-f-]+)$/;

/**
 * Entries that could not be shipped, appended to a file of this process's own. A replay sends the files of
 * bridges that are no longer running, and this process's own, oldest first; it claims each file by renaming it,
 * so two bridges never send the same file, and it never touches the file a live bridge is still writing. What a
 * replay cannot send goes to a new file that sorts where the old one did; a line that cannot be read is moved to
 * quarantine.ndjson instead of blocking the rest.
 */
export class Spool {
  readonly #dir: string;
  readonly #started = Date.now();
  readonly #claimToken = randomUUID();
  #file: string;

  constructor(dir: string) {
    this.#dir = dir;
    this.#file = this.#newFile(this.#started);
  }

  #newFile(firstWrite: number): string {
    return join(this.#dir, `${firstWrite}-${process.pid}-${randomUUID()}.ndjson`);
  }

  /** Appends an entry; false when the disk refused (full, read-only), and the entry is lost. */
  append(entry: SpoolEntry): boolean {
    try {
      appendFileSync(this.#file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      return true;
    } catch {
      return false;
    }
  }

  /** Sends spooled entries in order; stops at the first failure and keeps what is left for the next replay. */
  async replay(send: (entry: SpoolEntry) => Promise<void>): Promise<number> {
    let sent = 0;
    // A file claimed by a bridge that died mid-replay is free again.
    for (const name of readdirSync(this.#dir)) {
      const match = CLAIMED.exec(name);
      if (!match) continue;
      const pid = Number(match[2]);
      const mine = pid === process.pid && match[3] === this.#claimToken;
      if (mine || (pid !== process.pid && isAlive(pid))) continue;
      renameSync(join(this.#dir, name), join(this.#dir, match[1] as string));
    }
    const files = readdirSync(this.#dir)
      .filter((name) => {
        const match = SPOOL_FILE.exec(name);
        if (!match) return false;
        const pid = Number(match[2]);
        // A live bridge's file is still being written: it replays its own.
        return pid === process.pid || !isAlive(pid);
      })
      .sort();
    for (const name of files) {
      const claimed = join(this.#dir, `${name}.claimed-${process.pid}-${this.#claimToken}`);
      try {
        renameSync(join(this.#dir, name), claimed);
      } catch {
        continue; // Another bridge took it.
      }
      // This process's own file may be taken: later appends go to a new one.
      if (join(this.#dir, name) === this.#file) this.#file = this.#newFile(Date.now());
      const entries: SpoolEntry[] = [];
      for (const line of readFileSync(claimed, "utf8").split("\n")) {
        if (line.trim() === "") continue;
        try {
          entries.push(JSON.parse(line) as SpoolEntry);
        } catch {
          appendFileSync(join(this.#dir, "quarantine.ndjson"), `${line}\n`, { mode: 0o600 });
        }
      }
      for (let i = 0; i < entries.length; i += 1) {
        try {
          await send(entries[i] as SpoolEntry);
          sent += 1;
        } catch (error) {
          // Keep what was not sent, in order: a new file that sorts where this one did.
          const rest = entries.slice(i).map((entry) => JSON.stringify(entry));
          const firstWrite = Number(SPOOL_FILE.exec(name)?.[1] ?? Date.now());
          const temporary = `${claimed}.rest`;
          writeFileSync(temporary, `${rest.join("\n")}\n`, { mode: 0o600 });
          renameSync(temporary, this.#newFile(firstWrite));
          rmSync(claimed, { force: true });
          throw error;
        }
      }
      rmSync(claimed, { force: true });
    }
    return sent;
  }
}
