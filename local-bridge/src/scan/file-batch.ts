// Reading and scanning a batch of files (secrets in every file, Dockerfile rules): what the main thread and the scan
// workers (scan-worker.ts) each do. Sources that may hold tool vulnerabilities are named, and analysed afterwards as
// one project (code-scan.ts).
// Binary and oversized files are counted as skipped, not read.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { isSourceFile, mayHaveFindings } from "../../../src/core/scan/code/source-files.ts";
import { analyzeDockerfile, isDockerfile } from "../../../src/core/scan/container/dockerfile.ts";
import { looksBinary, MAX_SCANNED_FILE_BYTES } from "../../../src/core/scan/file-selection.ts";
import type { Detected } from "../../../src/core/scan/finding.ts";
import { scanTextForSecrets } from "../../../src/core/scan/secret-scan.ts";
import type { WalkedFile } from "./file-walk.ts";
import { ALL_SCANNERS, type Scanner } from "./scanners.ts";
import type { SkipReason } from "./skip-rules.ts";

export interface BatchResult {
  detected: Detected[];
  files: number;
  bytes: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** Sources that register tools or hold a privilege pattern: the code analysis starts from them. */
  codeEntries: string[];
}

type ReadOutcome = { text: string; bytes: number } | SkipReason;

/**
 * One file's text, or why it is not read. Synchronous: one thread reading files in turn is several times faster
 * here than the same reads through the thread pool (four round trips a file).
 */
export function readText(absolute: string, maxBytes = MAX_SCANNED_FILE_BYTES): ReadOutcome {
  let fd: number;
  try {
    fd = openSync(absolute, "r");
  } catch {
    return "unreadable";
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return "unreadable";
    if (info.size > maxBytes) return "too_large";
    const buffer = Buffer.alloc(info.size);
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

/** Reads and scans `files`, one after the other. */

export function scanBatch(
  files: readonly WalkedFile[],
  scanners: ReadonlySet<Scanner> = ALL_SCANNERS,
): BatchResult {
  const result: BatchResult = { detected: [], files: 0, bytes: 0, skipped: {}, codeEntries: [] };
  for (const file of files) {
    const outcome = readText(file.absolute);
    if (typeof outcome === "string") {
      result.skipped[outcome] = (result.skipped[outcome] ?? 0) + 1;
      continue;
    }
    result.files += 1;
    result.bytes += outcome.bytes;
    if (scanners.has("secrets")) result.detected.push(...scanTextForSecrets(file.path, outcome.text));
    if (scanners.has("containers") && isDockerfile(file.path))
      result.detected.push(...analyzeDockerfile(file.path, outcome.text));
    if (scanners.has("code") && isSourceFile(file.path) && mayHaveFindings(outcome.text))
      result.codeEntries.push(file.path);
  }
  return result;
}
