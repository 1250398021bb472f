// `helmet scan PATH`: the secret scan of a directory (walked by file-walk.ts) or of one file. A large tree is scanned
// on every core (parallel-scan.ts); a file reached twice (a link) is read once (the walk sees to that).
import { realpath, stat } from "node:fs/promises";
import { basename } from "node:path";
import ignore from "ignore";
import { isSourceFile } from "../../../src/core/scan/code/source-files.ts";
import type { AdvisorySource } from "../../../src/core/scan/deps/dependency-analyzer.ts";
import type { VersionSource } from "../../../src/core/scan/deps/registry-source.ts";
import type { Detected } from "../../../src/core/scan/finding.ts";
import { DependencyFiles } from "./dependency-scan.ts";
import type { BatchResult } from "./file-batch.ts";
import { type WalkedFile, walkFiles } from "./file-walk.ts";
import { scanInParallel } from "./parallel-scan.ts";
import { ScanError } from "./scan-error.ts";
import { ALL_SCANNERS, type Scanner } from "./scanners.ts";
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
  /** Dependency files read (lockfiles and manifests) and packages in them. */
  dependencies: { files: number; packages: number };
  /** What the report should say beside the findings: files that could not be read, checks not made. */
  notes: string[];
}

export interface FileScanOptions extends DependencyScanOptions {
  scanners: ReadonlySet<Scanner>;
}

export interface DependencyScanOptions {
  /** Where advisories come from, loaded only if the tree has dependency files; null: not checked (notes say so). */
  advisories: () => Promise<AdvisorySource | null>;
  allowedLicenses?: readonly string[];
  /** Null: releases are not compared (offline). */
  versions?: VersionSource | null;
}

/**
 * Scans `target` (a directory or a file) for secrets. `excludePaths` are .gitignore-style patterns relative to the
 * scanned directory; `onProgress` sees the running counts.
 */
export async function scanFiles(
  target: string,
  excludePaths: readonly string[],
  onProgress: (progress: FileScanProgress) => void = () => {},
  options: FileScanOptions = { advisories: async () => null, scanners: ALL_SCANNERS },
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
  const result: FileScanResult = {
    detected: [],
    files: 0,
    bytes: 0,
    skipped: {},
    dependencies: { files: 0, packages: 0 },
    notes: [],
  };
  const skipMany = (reason: SkipReason, count: number) => {
    result.skipped[reason] = (result.skipped[reason] ?? 0) + count;
  };
  const dependencies = new DependencyFiles(real);
  const skip = (reason: SkipReason, path: string) => {
    skipMany(reason, 1);
    // Lockfiles are not secret-scanned (their hashes are random by design) but their packages are analysed.
    if (reason === "lockfile") dependencies.offer(path);
  };

  // One file named on the command line is read whatever its name; only what it holds can rule it out. Its
  // directory is its root: findings show its base name.
  function* single(): Generator<WalkedFile> {
    const path = basename(target);
    if (!exclude?.ignores(path)) yield { absolute: real, path };
  }
  const walked = info.isDirectory() ? walkFiles({ root: real, exclude, skip }) : single();
  const sources: WalkedFile[] = [];
  const codeEntries: string[] = [];
  function* files(): Generator<WalkedFile> {
    for (const file of walked) {
      dependencies.offer(file.path, file.absolute);
      if (isSourceFile(file.path)) sources.push(file);
      yield file;
    }
  }

  const merge = (batch: BatchResult) => {
    result.detected.push(...batch.detected);
    result.files += batch.files;
    result.bytes += batch.bytes;
    for (const [reason, count] of Object.entries(batch.skipped)) skipMany(reason as SkipReason, count);
    codeEntries.push(...batch.codeEntries);
    onProgress({ files: result.files, bytes: result.bytes });
  };
  await scanInParallel(files(), merge, { scanners: options.scanners });
  if (codeEntries.length > 0) {
    // The code analyzer (and its parsers) loads only for a tree with tool code in it.
    const { scanSources } = await import("./code-scan.ts");
    result.detected.push(...scanSources(sources, codeEntries));
  }
  if (options.scanners.has("dependencies") && dependencies.count > 0) {
    const analysed = await dependencies.analyze(
      options.advisories,
      options.allowedLicenses,
      options.versions ?? null,
    );
    result.detected.push(...analysed.detected);
    result.notes.push(...analysed.notes);
    result.dependencies = { files: dependencies.count, packages: analysed.packages };
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
