// `helmet scan PATH`'s dependency part: the lockfiles and manifests the walk met (lockfiles are not secret-scanned,
// so the walk reports them as skipped) read and analysed against advisories from the OSV API, a snapshot, or none.
import { access, readFile } from "node:fs/promises";
import type {
  AdvisorySource,
  DependencyFile,
  DependencyResult,
} from "../../../src/core/scan/deps/dependency-analyzer.ts";
import { lockfileKind } from "../../../src/core/scan/deps/dependency-files.ts";
import {
  NPM_REGISTRY_URL,
  PackageRegistries,
  PYPI_URL,
  type VersionSource,
} from "../../../src/core/scan/deps/registry-source.ts";
import { readText } from "./file-batch.ts";
import { ScanError } from "./scan-error.ts";

// The dependency analyzer, its parsers (YAML, TOML) and the OSV client load only when a scan meets a dependency
// file: most trees' scans start without them.
const loadAnalyzer = () => import("../../../src/core/scan/deps/dependency-analyzer.ts");
const loadOsv = () => import("../../../src/core/scan/deps/osv-source.ts");

/** Largest dependency file read (a lockfile of a very large monorepo is tens of MB). */
const MAX_DEPENDENCY_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Where advisories come from: `osv` (the API, or the mirror HELMET_OSV_URL names; records fetched are kept in the
 * cache directory), `offline`, or a snapshot file.
 */
export async function advisorySource(
  setting: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<AdvisorySource | null> {
  if (setting === "offline") return null;
  const { AdvisoryError, OSV_API_URL, OsvApi, OsvSnapshot } = await loadOsv();
  if (setting === "osv") {
    const { DirectoryAdvisoryCache } = await import("./advisory-cache-dir.ts");
    return new OsvApi({ url: env.HELMET_OSV_URL || OSV_API_URL, cache: DirectoryAdvisoryCache.forEnv(env) });
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(setting);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ScanError(
      `cannot read the advisories snapshot ${setting}: ${code === "ENOENT" ? "no such file" : (code ?? String(error))}; --advisories takes osv, offline or an OSV snapshot (.json or .zip)`,
    );
  }
  try {
    return await OsvSnapshot.read(setting, bytes);
  } catch (error) {
    if (error instanceof AdvisoryError) throw new ScanError(`--advisories ${error.message}`);
    throw error;
  }
}

/** Refuses, before a long scan, an --advisories snapshot that cannot be read. */
export async function checkAdvisorySetting(setting: string): Promise<void> {
  if (setting === "osv" || setting === "offline") return;
  try {
    await access(setting);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ScanError(
      `cannot read the advisories snapshot ${setting}: ${code === "ENOENT" ? "no such file" : (code ?? String(error))}; --advisories takes osv, offline or an OSV snapshot (.json or .zip)`,
    );
  }
}

/** Latest releases for the outdated check: asked of the registries (or HELMET_NPM_REGISTRY / HELMET_PYPI_URL) when
 * advisories come from the OSV API too; offline and snapshot scans ask nobody. */
export function versionSource(
  setting: string,
  env: Readonly<Record<string, string | undefined>>,
): VersionSource | null {
  if (setting !== "osv") return null;
  return new PackageRegistries({
    npmUrl: env.HELMET_NPM_REGISTRY || NPM_REGISTRY_URL,
    pypiUrl: env.HELMET_PYPI_URL || PYPI_URL,
  });
}

/** Collects the dependency files a walk meets: what it lists and what it skips as a lockfile. */
export class DependencyFiles {
  readonly #root: string;
  readonly #files: Array<{ absolute: string; path: string }> = [];

  constructor(root: string) {
    this.#root = root;
  }

  /** A file the walk lists or skips; kept when its name is a dependency file's. */
  offer(path: string, absolute = `${this.#root}/${path}`): void {
    if (lockfileKind(path)) this.#files.push({ absolute, path });
  }

  get count(): number {
    return this.#files.length;
  }

  /** Reads them all and analyses their packages. Advisories that cannot be fetched end the scan (exit 2). */
  async analyze(
    loadAdvisories: () => Promise<AdvisorySource | null>,
    allowedLicenses: readonly string[] | undefined,
    versions: VersionSource | null,
  ): Promise<DependencyResult> {
    const files: DependencyFile[] = [];
    const notes: string[] = [];
    for (const file of this.#files) {
      const outcome = readText(file.absolute, MAX_DEPENDENCY_FILE_BYTES);
      if (typeof outcome === "string") {
        const why = outcome === "too_large" ? `over ${MAX_DEPENDENCY_FILE_BYTES / 1024 / 1024} MiB` : outcome;
        notes.push(`${file.path}: not read (${why})`);
      } else files.push({ path: file.path, text: outcome.text });
    }
    const [{ analyzeDependencies }, { AdvisoryError }] = await Promise.all([loadAnalyzer(), loadOsv()]);
    const advisories = await loadAdvisories();
    try {
      const result = await analyzeDependencies(files, { advisories, allowedLicenses, versions });
      return { ...result, notes: [...notes, ...result.notes] };
    } catch (error) {
      if (error instanceof AdvisoryError) {
        throw new ScanError(
          `could not check dependencies against advisories (${error.message}); for an offline scan pass --advisories FILE (an OSV snapshot) or --advisories offline`,
        );
      }
      throw error;
    }
  }
}
