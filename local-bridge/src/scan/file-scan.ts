// `helmet scan PATH`: the secret scan of a directory (walked by file-walk.ts) or of one file, read in turn. Binary
// and oversized files are counted as skipped, not read; a file reached twice (a link) is read once.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { basename } from "node:path";
import ignore from "ignore";
import { looksBinary, MAX_SCANNED_FILE_BYTES } from "../../../src/core/scan/file-selection.ts";
import type { Detected } from "../../../src/core/scan/finding.ts";
import { scanTextForSecrets } from "../../../src/core/scan/secret-scan.ts";
import { type WalkedFile, walkFiles } from "./file-walk.ts";
import { ScanError } from "./scan-error.ts";
import type { SkipReason } from "./skip-rules.ts";

export interface FileScanProgress {
  files: number;
  bytes: number;
}

export interface FileScanResult {
  detected: Detected[];
  files: number;
  bytes: number;
  skipped: Partial<Record<SkipReason, number>>;
}

type ReadOutcome = { text: string; bytes: number } | SkipReason | "duplicate";

/**
 * One file's text, or why it is not read. `seen` holds the files (device and inode) already read. Synchronous: a
 * scan is the CLI's only work, and one thread reading files in turn is several times faster here than the same reads
 * through the thread pool (four round trips a file).
 */
function readText(absolute: string, seen: Set<string>): ReadOutcome {
  let fd: number;
  try {
    fd = openSync(absolute, "r");
  } catch {
    return "unreadable";
  }
  try {
    const info = fstatSync(fd, { bigint: true });
    if (!info.isFile()) return "unreadable";
    if (info.ino !== 0n) {
      const key = `${info.dev}:${info.ino}`;
      if (seen.has(key)) return "duplicate";
      seen.add(key);
    }
    if (info.size > BigInt(MAX_SCANNED_FILE_BYTES)) return "too_large";
    const buffer = Buffer.alloc(Number(info.size));
    let filled = 0;
    while (filled < buffer.length) {
      const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const bytes = buffer.subarray(0, filled);
    if (looksBinary(bytes)) return "binary";
    return { text: decoder.decode(bytes), bytes: filled };
  } catch {
    return "unreadable";
  } finally {
    closeSync(fd);
  }
}

const decoder = new TextDecoder("utf-8");
/** Files read between yields to the event loop, so the progress line keeps moving. */
const FILES_PER_TURN = 64;

/**
 * Scans `target` (a directory or a file) for secrets. `excludePaths` are .gitignore-style patterns relative to the
 * scanned directory; `onProgress` sees the running counts.
 */
export async function scanFiles(
  target: string,
  excludePaths: readonly string[],
  onProgress: (progress: FileScanProgress) => void = () => {},
): Promise<FileScanResult> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ScanError(
      code === "ENOENT"
        ? `no such file or directory: ${target}`
        : `cannot read ${target}: ${code ?? String(error)}; check the path and its permissions`,
    );
  }
  if (!info.isDirectory() && !info.isFile()) {
    throw new ScanError(`${target} is neither a directory nor a regular file: name a directory or a file`);
  }
  const real = await realpath(target);
  const exclude = excludePaths.length > 0 ? ignore().add([...excludePaths]) : null;
  const result: FileScanResult = { detected: [], files: 0, bytes: 0, skipped: {} };
  const skip = (reason: SkipReason) => {
    result.skipped[reason] = (result.skipped[reason] ?? 0) + 1;
  };

  // One file named on the command line is read whatever its name; only what it holds can rule it out. Its
  // directory is its root: findings show its base name.
  async function* single(): AsyncGenerator<WalkedFile> {
    const path = basename(target);
    if (!exclude?.ignores(path)) yield { absolute: real, path };
  }
  const files = info.isDirectory() ? walkFiles({ root: real, exclude, skip }) : single();

  const seen = new Set<string>();
  let sinceYield = 0;
  for await (const file of files) {
    const outcome = readText(file.absolute, seen);
    if (outcome === "duplicate") continue;
    if (typeof outcome === "string") {
      skip(outcome);
      continue;
    }
    result.files += 1;
    result.bytes += outcome.bytes;
    result.detected.push(...scanTextForSecrets(file.path, outcome.text));
    onProgress({ files: result.files, bytes: result.bytes });
    if (++sinceYield === FILES_PER_TURN) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  result.detected.sort(byPlace);
  return result;
}

/** Path, then line, then column: a stable order whatever order the reads finished in. */
function byPlace(a: Detected, b: Detected): number {
  const [la, lb] = [a.location, b.location];
  if (la.type !== "file" || lb.type !== "file") return 0;
  if (la.path !== lb.path) return la.path < lb.path ? -1 : 1;
  return la.line - lb.line || la.column - lb.column;
}
