// `helmet scan PATH`: the secret scan of a directory (walked by file-walk.ts) or of one file. A large tree is split
// into batches shared by this thread and scan workers, one per further core; a file reached twice (a link) is read
// once (the walk sees to that).
import { realpath, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { Worker } from "node:worker_threads";
import ignore from "ignore";
import type { Detected } from "../../../src/core/scan/finding.ts";
import { type BatchResult, scanBatch } from "./file-batch.ts";
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

  const list = [...files];
  const merge = (batch: BatchResult) => {
    result.detected.push(...batch.detected);
    result.files += batch.files;
    result.bytes += batch.bytes;
    for (const [reason, count] of Object.entries(batch.skipped)) skipMany(reason as SkipReason, count);
    onProgress({ files: result.files, bytes: result.bytes });
  };
  await scanInParallel(list, merge);
  result.detected.sort(byPlace);
  return result;
}

/** Files per batch: big enough that a message costs little, small enough to keep every thread busy to the end. */
const BATCH_FILES = 200;
/** Below this many files a worker's start-up (tens of milliseconds) costs more than it saves. */
const PARALLEL_FROM_FILES = 1_000;
const MAX_WORKERS = 7;

/**
 * Scans `files` in batches: this thread takes one batch at a time, and each worker another, until none are left.
 * Workers are the bundle's scan-worker.js beside this one; a batch a worker could not scan is scanned here.
 */
async function scanInParallel(
  files: readonly WalkedFile[],
  merge: (batch: BatchResult) => void,
): Promise<void> {
  const batches: WalkedFile[][] = [];
  for (let i = 0; i < files.length; i += BATCH_FILES) batches.push(files.slice(i, i + BATCH_FILES));
  const workerCount =
    files.length < PARALLEL_FROM_FILES
      ? 0
      : Math.min(MAX_WORKERS, availableParallelism() - 1, batches.length - 1);
  let next = 0;
  const leftovers: WalkedFile[][] = [];
  const workers = Array.from({ length: Math.max(0, workerCount) }, async () => {
    let worker: Worker;
    try {
      worker = new Worker(new URL("./scan-worker.js", import.meta.url));
    } catch {
      return;
    }
    try {
      while (next < batches.length) {
        const batch = batches[next++] as WalkedFile[];
        try {
          merge(await ask(worker, batch));
        } catch {
          // A worker that cannot run (its script missing when running from source) leaves its batch to this thread.
          leftovers.push(batch);
          return;
        }
      }
    } finally {
      await worker.terminate();
    }
  });
  // This thread works too, yielding between batches so worker answers and the progress line get their turn.
  const own = (async () => {
    while (next < batches.length) {
      merge(scanBatch(batches[next++] as WalkedFile[]));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  })();
  await Promise.all([own, ...workers]);
  for (const batch of leftovers) merge(scanBatch(batch));
}

function ask(worker: Worker, batch: readonly WalkedFile[]): Promise<BatchResult> {
  return new Promise((resolve, reject) => {
    const done = (result: BatchResult) => {
      worker.off("error", failed);
      resolve(result);
    };
    const failed = (error: Error) => {
      worker.off("message", done);
      reject(error);
    };
    worker.once("message", done);
    worker.once("error", failed);
    worker.postMessage(batch);
  });
}

/** Path, then line, then column: a stable order whatever order the reads finished in. */
function byPlace(a: Detected, b: Detected): number {
  const [la, lb] = [a.location, b.location];
  if (la.type !== "file" || lb.type !== "file") return 0;
  if (la.path !== lb.path) return la.path < lb.path ? -1 : 1;
  return la.line - lb.line || la.column - lb.column;
}
