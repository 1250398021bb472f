// A scan of an uploaded package (tar, tar.gz or zip): unpacked in memory under the archive limits (no path escapes,
// no links, bounded expansion), its SHA-256 recorded, every file scanned for secrets and every JavaScript,
// TypeScript or Python source for tool vulnerabilities, and its lockfiles and manifests for vulnerable, unpinned and
// typosquatted dependencies.
import { DEFAULT_UNPACK_LIMITS, UnpackError, unpackArchive } from "../core/archive/unpack.ts";
import { analyzeSourceFile, isSourceFile } from "../core/scan/code/code-analyzer.ts";
import { analyzeDockerfile, isDockerfile } from "../core/scan/container/dockerfile.ts";
import {
  type AdvisorySource,
  analyzeDependencies,
  type DependencyFile,
} from "../core/scan/deps/dependency-analyzer.ts";
import { lockfileKind } from "../core/scan/deps/lockfiles.ts";
import { AdvisoryError } from "../core/scan/deps/osv-source.ts";
import { looksBinary, MAX_SCANNED_FILE_BYTES, skipByPath } from "../core/scan/file-selection.ts";
import { fingerprinted, summarize } from "../core/scan/finding.ts";
import { scanTextForSecrets } from "../core/scan/secret-scan.ts";
import type { Database } from "../db/client.ts";
import type { ScanRow } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { finishScan, insertFindings, insertScan, startedScan } from "./scan-store.ts";

/** The largest upload accepted, compressed: what the unpacker accepts. */
export const MAX_UPLOAD_BYTES = DEFAULT_UNPACK_LIMITS.maxArchiveBytes;
/** What an upload may expand to: a Worker has 128 MB of memory, and the files are held in it while scanned. */
const MAX_EXPANDED_BYTES = 64 * 1024 * 1024;

const decoder = new TextDecoder("utf-8");

/** Unpacks and scans `archive`, stores the scan and returns it. A refused archive is a 400 and stores nothing. */
export async function scanUpload(
  db: Database,
  team: string,
  name: string,
  archive: Uint8Array,
  subject: string,
  advisories: AdvisorySource | null,
): Promise<ScanRow> {
  const startedAt = Date.now();
  let unpacked: Awaited<ReturnType<typeof unpackArchive>>;
  try {
    unpacked = await unpackArchive(archive, { maxTotalBytes: MAX_EXPANDED_BYTES });
  } catch (error) {
    if (error instanceof UnpackError) {
      throw new GatewayError(400, `archive_${error.code}`, `The upload was refused: ${error.message}`);
    }
    throw error;
  }
  let bytes = 0;
  let files = 0;
  let skipped = unpacked.skipped.length;
  const detected = [];
  const dependencyFiles: DependencyFile[] = [];
  for (const file of unpacked.files) {
    // Lockfiles are not secret-scanned (their hashes are random by design) but their packages are analysed.
    if (lockfileKind(file.path) && !looksBinary(file.bytes))
      dependencyFiles.push({ path: file.path, text: decoder.decode(file.bytes) });
    if (skipByPath(file.path) || file.bytes.byteLength > MAX_SCANNED_FILE_BYTES || looksBinary(file.bytes)) {
      skipped++;
      continue;
    }
    files++;
    bytes += file.bytes.byteLength;
    const text = decoder.decode(file.bytes);
    detected.push(...scanTextForSecrets(file.path, text));
    if (isSourceFile(file.path)) detected.push(...analyzeSourceFile(file.path, text));
    if (isDockerfile(file.path)) detected.push(...analyzeDockerfile(file.path, text));
  }
  let packages = 0;
  let error: string | null = null;
  if (dependencyFiles.length > 0) {
    try {
      const result = await analyzeDependencies(dependencyFiles, { advisories });
      detected.push(...result.detected);
      packages = result.packages;
    } catch (failure) {
      if (!(failure instanceof AdvisoryError)) throw failure;
      // Fail closed: the scan is stored as failed, with what the other analyzers found.
      error = `could not check dependencies against advisories: ${failure.message}`;
    }
  }
  const findings = await fingerprinted(detected);
  const row = startedScan({
    team,
    kind: "upload",
    trigger: "upload",
    serverId: null,
    target: name,
    sha256: unpacked.sha256,
    createdBy: subject,
    startedAt,
  });
  await insertScan(db, row);
  await insertFindings(db, row.id, team, findings);
  const outcome = {
    status: error === null ? "completed" : "failed",
    error,
    summary: JSON.stringify(summarize(findings)),
    stats: JSON.stringify({ format: unpacked.format, files, bytes, skipped, packages }),
    definitions: null,
    changes: null,
    finishedAt: Date.now(),
  };
  await finishScan(db, row.id, outcome);
  return { ...row, ...outcome };
}
