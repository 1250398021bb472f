// The rules every archive entry passes, whatever the format: size and count limits, the expansion budget that stops
// zip bombs, path checks (nothing may land outside the root), and bounded inflation. Web-standard APIs only.

export interface UnpackLimits {
  /** Largest input accepted, compressed. */
  maxArchiveBytes: number;
  /** Most entries kept or skipped (directories not counted). */
  maxFiles: number;
  /** Largest single file after expansion; larger files are skipped as too_large, not fatal. */
  maxFileBytes: number;
  /** Most bytes the archive may expand to (the whole tar stream, or every zip entry inflated). */
  maxTotalBytes: number;
  /** Most expanded bytes per input byte, once past EXPANSION_RATIO_FLOOR. */
  maxExpansionRatio: number;
  /** Longest path, in UTF-8 bytes after normalisation. */
  maxPathLength: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_UNPACK_LIMITS: Readonly<UnpackLimits> = {
  maxArchiveBytes: 25 * MiB,
  maxFiles: 20_000,
  maxFileBytes: 5 * MiB,
  maxTotalBytes: 200 * MiB,
  maxExpansionRatio: 200,
  maxPathLength: 1024,
};

/** Expansion below this is never a bomb: a 2 KiB archive of one repetitive 300 KiB file is legitimate. */
export const EXPANSION_RATIO_FLOOR = MiB;

export interface UnpackedFile {
  /** Normalised, relative, '/'-separated. */
  path: string;
  bytes: Uint8Array;
}

export type SkipReason =
  | "symlink"
  | "hardlink"
  | "special"
  | "path_escape"
  | "absolute_path"
  | "invalid_path"
  | "path_too_long"
  | "too_large"
  | "duplicate"
  | "encrypted"
  | "unsupported_compression";

export interface SkippedEntry {
  /** Normalised when the path was acceptable, otherwise as stored (cut to the path limit). */
  path: string;
  reason: SkipReason;
}

export type UnpackErrorCode =
  | "too_large"
  | "too_many_files"
  | "expansion_ratio"
  | "corrupt"
  | "unsupported_format";

/** The archive as a whole is refused; the message says why in terms a user can act on. */
export class UnpackError extends Error {
  override name = "UnpackError";
  readonly code: UnpackErrorCode;

  constructor(code: UnpackErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Fills in defaults and refuses nonsensical limits (a programming error, so a plain Error). */
export function resolveLimits(limits: Partial<UnpackLimits> = {}): UnpackLimits {
  const resolved = { ...DEFAULT_UNPACK_LIMITS };
  for (const key of Object.keys(DEFAULT_UNPACK_LIMITS) as (keyof UnpackLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(`unpack limit ${key} must be a positive number`);
    }
    resolved[key] = value;
  }
  return resolved;
}

/** "25 MiB", "1.5 KiB", "300 bytes". */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

const encoder = new TextEncoder();
const DRIVE_LETTER = /^[A-Za-z]:/;

type PathVerdict = { ok: true; path: string } | { ok: false; reason: SkipReason };

/** Normalises an entry's stored path to a relative '/'-separated one, or says why it cannot be used. */
export function normalisePath(stored: string, maxPathLength: number): PathVerdict {
  if (stored.includes("\0")) return { ok: false, reason: "invalid_path" };
  const slashed = stored.replaceAll("\\", "/");
  if (slashed.startsWith("/") || DRIVE_LETTER.test(slashed)) return { ok: false, reason: "absolute_path" };
  const segments: string[] = [];
  for (const segment of slashed.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (segments.pop() === undefined) return { ok: false, reason: "path_escape" };
      continue;
    }
    segments.push(segment);
  }
  const path = segments.join("/");
  if (path === "") return { ok: false, reason: "invalid_path" };
  if (encoder.encode(path).byteLength > maxPathLength) return { ok: false, reason: "path_too_long" };
  return { ok: true, path };
}

export type EntryKind = "file" | "directory" | "symlink" | "hardlink" | "special";

/**
 * Collects one archive's files and skipped entries and keeps the count, size and expansion budgets. Formats call
 * `expanded` for every byte they inflate, `admit` once per entry, then `keep` or `skip` for admitted files.
 */
export class EntryCollector {
  readonly files: UnpackedFile[] = [];
  readonly skipped: SkippedEntry[] = [];
  /** Bytes of the kept files. */
  totalBytes = 0;
  readonly #limits: UnpackLimits;
  readonly #archiveBytes: number;
  readonly #seen = new Set<string>();
  #entries = 0;
  #expandedBytes = 0;

  constructor(limits: UnpackLimits, archiveBytes: number) {
    this.#limits = limits;
    this.#archiveBytes = archiveBytes;
  }

  get limits(): UnpackLimits {
    return this.#limits;
  }

  /** Counts bytes produced by expansion; throws once the archive has expanded too far. */
  expanded(bytes: number): void {
    this.#expandedBytes += bytes;
    const { maxTotalBytes, maxExpansionRatio } = this.#limits;
    if (this.#expandedBytes > maxTotalBytes) {
      throw new UnpackError(
        "too_large",
        `the archive expands past ${formatBytes(maxTotalBytes)}, the limit for unpacked data; upload only the ` +
          "server's source (leave out node_modules, build output and data files)",
      );
    }
    const allowed = Math.max(maxExpansionRatio * this.#archiveBytes, EXPANSION_RATIO_FLOOR);
    if (this.#expandedBytes > allowed) {
      throw new UnpackError(
        "expansion_ratio",
        `the archive (${formatBytes(this.#archiveBytes)}) expands past ${formatBytes(allowed)}, more than ` +
          `${maxExpansionRatio} times its size; archives this compressible are refused as likely zip bombs`,
      );
    }
  }

  /**
   * Decides about one entry: returns the normalised path of a file to read, or null when the entry is a directory
   * (ignored) or was recorded as skipped. `pathProblem` is a fault the format found in the stored path itself.
   * Throws when the archive holds too many entries.
   */
  admit(storedPath: string, kind: EntryKind, pathProblem?: SkipReason): string | null {
    if (kind === "directory") return null;
    const verdict: PathVerdict = pathProblem
      ? { ok: false, reason: pathProblem }
      : normalisePath(storedPath, this.#limits.maxPathLength);
    this.#entries++;
    if (this.#entries > this.#limits.maxFiles) {
      throw new UnpackError(
        "too_many_files",
        `the archive holds more than ${this.#limits.maxFiles} files; the limit is ${this.#limits.maxFiles}, ` +
          "so upload only the server's source (leave out node_modules and build output)",
      );
    }
    if (kind !== "file") {
      this.skip(verdict.ok ? verdict.path : storedPath, kind);
      return null;
    }
    if (!verdict.ok) {
      this.skip(storedPath, verdict.reason);
      return null;
    }
    if (this.#seen.has(verdict.path)) {
      this.skip(verdict.path, "duplicate");
      return null;
    }
    this.#seen.add(verdict.path);
    return verdict.path;
  }

  keep(path: string, bytes: Uint8Array): void {
    this.files.push({ path, bytes });
    this.totalBytes += bytes.byteLength;
  }

  skip(path: string, reason: SkipReason): void {
    const limit = this.#limits.maxPathLength;
    this.skipped.push({ path: path.length > limit ? `${path.slice(0, limit)}…` : path, reason });
  }
}

/** Input is fed to the decompressor in pieces this big, so one step expands to at most ~1032 times it (4 MiB). */
const INFLATE_INPUT_CHUNK = 4096;

/**
 * Inflates `data`, handing each piece to `onPiece` as it comes; `onPiece` returns false to stop early, or throws.
 * Either way the decompressor is cancelled, so a bomb is never expanded past what was read. Resolves true when the
 * stream ended, false when stopped. Damaged data throws UnpackError "corrupt".
 */
export async function inflate(
  data: Uint8Array,
  format: "gzip" | "deflate-raw",
  onPiece: (piece: Uint8Array) => boolean | undefined,
): Promise<boolean> {
  let offset = 0;
  const source = new ReadableStream<BufferSource>(
    {
      pull(controller) {
        if (offset >= data.byteLength) {
          controller.close();
          return;
        }
        const end = Math.min(offset + INFLATE_INPUT_CHUNK, data.byteLength);
        // A copy: a runtime may detach what it is given, and `data` belongs to the caller.
        controller.enqueue(data.slice(offset, end));
        offset = end;
      },
    },
    { highWaterMark: 0 },
  );
  const reader = source.pipeThrough(new DecompressionStream(format)).getReader();
  for (;;) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      const what = format === "gzip" ? "gzip" : "deflate";
      throw new UnpackError(
        "corrupt",
        `the ${what} data is damaged or cut short${detail ? ` (${detail})` : ""}`,
      );
    }
    if (result.done) return true;
    let more: boolean | undefined;
    try {
      more = onPiece(result.value);
    } catch (error) {
      await reader.cancel().catch(() => {});
      throw error;
    }
    if (more === false) {
      await reader.cancel().catch(() => {});
      return false;
    }
  }
}
