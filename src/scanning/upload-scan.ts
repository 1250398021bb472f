// A scan of an uploaded package (tar, tar.gz or zip): unpacked in memory under the archive limits (no path escapes,
// no links, bounded expansion), its SHA-256 recorded, every file scanned for secrets and every JavaScript,
// TypeScript or Python source for tool vulnerabilities, and its lockfiles and manifests for vulnerable, unpinned and
// typosquatted dependencies.

import type { GatewayConfig } from "../config.ts";
import {
  DEFAULT_UNPACK_LIMITS,
  UnpackError,
  type UnpackedFile,
  unpackArchive,
} from "../core/archive/unpack.ts";
import { analyzeSources, isSourceFile } from "../core/scan/code/code-analyzer.ts";
import { analyzeDockerfile, isDockerfile } from "../core/scan/container/dockerfile.ts";
import { analyzeImage, isImageArchive } from "../core/scan/container/image.ts";
import {
  type AdvisorySource,
  analyzeDependencies,
  type DependencyFile,
} from "../core/scan/deps/dependency-analyzer.ts";
import { lockfileKind } from "../core/scan/deps/lockfiles.ts";
import { AdvisoryError, OsvApi } from "../core/scan/deps/osv-source.ts";
import { PackageRegistries, type VersionSource } from "../core/scan/deps/registry-source.ts";
import { looksBinary, MAX_SCANNED_FILE_BYTES, skipByPath } from "../core/scan/file-selection.ts";
import { type Detected, fingerprinted, summarize } from "../core/scan/finding.ts";
import { checkPackage } from "../core/scan/package-check.ts";
import { scanTextForSecrets } from "../core/scan/secret-scan.ts";
import type { Database } from "../db/client.ts";
import type { ScanRow } from "../db/schema.ts";
import { GatewayError } from "../errors.ts";
import { D1AdvisoryCache } from "./advisory-cache.ts";
import { finishScan, insertFindings, insertScan, startedScan } from "./scan-store.ts";

/** The largest upload accepted, compressed: what the unpacker accepts. */
export const MAX_UPLOAD_BYTES = DEFAULT_UNPACK_LIMITS.maxArchiveBytes;
/** What an upload may expand to: a Worker has 128 MB of memory, and the files are held in it while scanned. */
const MAX_EXPANDED_BYTES = 64 * 1024 * 1024;

const decoder = new TextDecoder("utf-8");

/** Where an upload's dependencies are checked: advisories, and latest releases (the outdated check). */
export interface PackageSources {
  advisories: AdvisorySource | null;
  versions: VersionSource | null;
}

/**
 * Direct dependencies of one upload asked about at most: a bound on the registry requests one upload makes (each is
 * a Worker subrequest). The rest are not checked for newer releases.
 */
const MAX_REGISTRY_LOOKUPS = 100;

/** The gateway's sources: the OSV API through the D1 advisory cache, and the registries; each can be off. */
export function packageSources(config: GatewayConfig, db: Database): PackageSources {
  const { osvApiUrl, npmRegistryUrl, pypiUrl } = config;
  return {
    advisories: osvApiUrl === null ? null : new OsvApi({ url: osvApiUrl, cache: new D1AdvisoryCache(db) }),
    versions:
      npmRegistryUrl === null && pypiUrl === null
        ? null
        : new PackageRegistries({ npmUrl: npmRegistryUrl, pypiUrl, maxPackages: MAX_REGISTRY_LOOKUPS }),
  };
}

/** Unpacks and scans `archive`, stores the scan and returns it. A refused archive is a 400 and stores nothing. */
export async function scanUpload(
  db: Database,
  team: string,
  name: string,
  archive: Uint8Array,
  subject: string,
  sources: PackageSources,
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
  const scanned = isImageArchive(unpacked.files)
    ? await scanImage(name, unpacked.files, sources.advisories)
    : await scanPackage(unpacked.files, sources);
  const { detected, error } = scanned;
  const stats = {
    format: unpacked.format,
    ...scanned.stats,
    skipped: scanned.stats.skipped + unpacked.skipped.length,
  };
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
    stats: JSON.stringify(stats),
    definitions: null,
    changes: null,
    finishedAt: Date.now(),
  };
  await finishScan(db, row.id, outcome);
  return { ...row, ...outcome };
}

interface Scanned {
  detected: Detected[];
  /** Why the scan is incomplete (stored as failed), or null. */
  error: string | null;
  stats: { files: number; bytes: number; skipped: number; packages: number; layers?: number };
}

/**
 * A package's files: secrets, source code, Dockerfiles, its lockfiles' packages, and the package as a whole
 * (manifests, install scripts, obfuscation, executables).
 */
async function scanPackage(files: readonly UnpackedFile[], lookups: PackageSources): Promise<Scanned> {
  const stats = { files: 0, bytes: 0, skipped: 0, packages: 0 };
  const detected: Detected[] = [];
  const dependencyFiles: DependencyFile[] = [];
  const sources = new Map<string, string>();
  for (const file of files) {
    // Lockfiles are not secret-scanned (their hashes are random by design) but their packages are analysed.
    if (lockfileKind(file.path) && !looksBinary(file.bytes))
      dependencyFiles.push({ path: file.path, text: decoder.decode(file.bytes) });
    if (skipByPath(file.path) || file.bytes.byteLength > MAX_SCANNED_FILE_BYTES || looksBinary(file.bytes)) {
      stats.skipped++;
      continue;
    }
    stats.files++;
    stats.bytes += file.bytes.byteLength;
    const text = decoder.decode(file.bytes);
    detected.push(...scanTextForSecrets(file.path, text));
    if (isSourceFile(file.path)) sources.set(file.path, text);
    if (isDockerfile(file.path)) detected.push(...analyzeDockerfile(file.path, text));
  }
  // Sources as one project, so a tool's input is followed into other files' helpers.
  detected.push(...analyzeSources(sources));
  detected.push(...checkPackage(files));
  let error: string | null = null;
  if (dependencyFiles.length > 0) {
    try {
      const result = await analyzeDependencies(dependencyFiles, lookups);
      detected.push(...result.detected);
      stats.packages = result.packages;
    } catch (failure) {
      if (!(failure instanceof AdvisoryError)) throw failure;
      // Fail closed: the scan is stored as failed, with what the other analyzers found.
      error = `could not check dependencies against advisories: ${failure.message}`;
    }
  }
  return { detected, error, stats };
}

/** A container image (docker save, OCI layout): its config, final filesystem and OS packages. */
async function scanImage(
  name: string,
  files: readonly UnpackedFile[],
  advisories: AdvisorySource | null,
): Promise<Scanned> {
  try {
    const result = await analyzeImage(name, files, { advisories });
    const { files: scanned, packages, layers } = result.stats;
    return {
      detected: result.detected,
      error: null,
      stats: { files: scanned, bytes: 0, skipped: 0, packages, layers },
    };
  } catch (failure) {
    const message = failure instanceof Error ? failure.message : String(failure);
    const error =
      failure instanceof AdvisoryError
        ? `could not check the image's packages against advisories: ${message}`
        : `the image could not be read: ${message} (uploads keep files of up to ${DEFAULT_UNPACK_LIMITS.maxFileBytes / 1024 / 1024} MiB, so larger layers are left out: scan big images with helmet scan IMAGE.tar)`;
    return { detected: [], error, stats: { files: 0, bytes: 0, skipped: 0, packages: 0 } };
  }
}
