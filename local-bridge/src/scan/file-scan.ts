// `helmet scan PATH`: the secret scan of a directory (walked by file-walk.ts) or of one file, 16 files read at a
// time. Binary and oversized files are counted as skipped, not read; a file reached twice (a link) is read once.
import { open, realpath, stat } from "node:fs/promises";
import { basename } from "node:path";
import ignore from "ignore";
import { looksBinary, MAX_SCANNED_FILE_BYTES } from "../../../src/core/scan/file-selection.ts";
import type { Detected } from "../../../src/core/scan/finding.ts";
import { scanTextForSecrets } from "../../../src/core/scan/secret-scan.ts";
import { type WalkedFile, walkFiles } from "./file-walk.ts";
import { ScanError } from "./scan-error.ts";
import type { SkipReason } from "./skip-rules.ts";

const CONCURRENCY = 16;

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

/** One file's text, or why it is not read. `seen` holds the files (device and inode) already read. */
async function readText(absolute: string, seen: Set<string>): Promise<ReadOutcome> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(absolute, "r");
  } catch {
    return "unreadable";
  }
  try {
    const info = await handle.stat({ bigint: true });
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
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const bytes = buffer.subarray(0, filled);
    if (looksBinary(bytes)) return "binary";
    return { text: new TextDecoder("utf-8").decode(bytes), bytes: filled };
  } catch {
    return "unreadable";
  } finally {
    await handle.close().catch(() => {});
  }
}

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
  const next = async () => {
    // An async generator queues concurrent next() calls: each file goes to exactly one worker.
    const step = await files.next();
    return step.done ? null : step.value;
  };
  const worker = async () => {
    for (let file = await next(); file !== null; file = await next()) {
      const outcome = await readText(file.absolute, seen);
      if (outcome === "duplicate") continue;
      if (typeof outcome === "string") {
        skip(outcome);
        continue;
      }
      result.files += 1;
      result.bytes += outcome.bytes;
      result.detected.push(...scanTextForSecrets(file.path, outcome.text));
      onProgress({ files: result.files, bytes: result.bytes });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
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
