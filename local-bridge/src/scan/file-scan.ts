// `helmet scan PATH`: the secret scan of a directory (walked by file-walk.ts) or of one file. A large tree is scanned
// on every core (parallel-scan.ts); a file reached twice (a link) is read once (the walk sees to that).
import { realpath, stat } from "node:fs/promises";
import { basename } from "node:path";
import ignore from "ignore";
import type { Detected } from "../../../src/core/scan/finding.ts";
import type { BatchResult } from "./file-batch.ts";
import { type WalkedFile, walkFiles } from "./file-walk.ts";
import { scanInParallel } from "./parallel-scan.ts";
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
  const skipMany = (reason: SkipReason, count: number) => {
    result.skipped[reason] = (result.skipped[reason] ?? 0) + count;
  };
  const skip = (reason: SkipReason) => skipMany(reason, 1);

  // One file named on the command line is read whatever its name; only what it holds can rule it out. Its
  // directory is its root: findings show its base name.
  function* single(): Generator<WalkedFile> {
    const path = basename(target);
    if (!exclude?.ignores(path)) yield { absolute: real, path };
  }
  const files = info.isDirectory() ? walkFiles({ root: real, exclude, skip }) : single();

  const merge = (batch: BatchResult) => {
    result.detected.push(...batch.detected);
    result.files += batch.files;
    result.bytes += batch.bytes;
    for (const [reason, count] of Object.entries(batch.skipped)) skipMany(reason as SkipReason, count);
    onProgress({ files: result.files, bytes: result.bytes });
  };
  await scanInParallel(files, merge);
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
