// Dependencies of a project, from its lockfiles and manifests: known advisories (OSV records, matched by version
// range, with the fixed version as the remedy), direct dependencies a major version or more behind their latest
// release, versions a manifest leaves unpinned with no lockfile beside it, names one slip away from a popular
// package (typosquats), and licences outside an allow-list.
import type { Detected } from "../finding.ts";
import { ruleInfo } from "../rule-catalog.ts";
import { type LockedPackage, lockfileKind, parseLockfile } from "./lockfiles.ts";
import { type InstalledPackage, matchAll, normalisePackageName, type OsvRecord } from "./osv.ts";
import { KNOWN_NEIGHBOURS, POPULAR_NPM, POPULAR_PYPI } from "./popular-packages.ts";
import { type VersionSource, versionKey } from "./registry-source.ts";
import { compareVersions } from "./versions.ts";

/** Where advisories come from: the OSV API, or a snapshot for offline and air-gapped scans. */
export interface AdvisorySource {
  /** What the report says the advisories came from ("OSV API", "snapshot osv.json (1,234 records)"). */
  readonly description: string;
  /** The records that may affect these packages (more is fine: the matcher decides). */
  advisoriesFor(packages: readonly InstalledPackage[]): Promise<OsvRecord[]>;
}

export interface DependencyOptions {
  /** Null: advisories are not checked (the result's notes say so). */
  advisories: AdvisorySource | null;
  /** SPDX licence ids a dependency may carry; the default allows permissive and weak-copyleft licences. */
  allowedLicenses?: readonly string[];
  /** Latest versions, for the outdated check; absent or null: not checked (null: the notes say so). */
  versions?: VersionSource | null;
}

export interface DependencyFile {
  path: string;
  text: string;
}

export interface DependencyResult {
  detected: Detected[];
  /** How many packages were read, by file. */
  packages: number;
  /** Problems reading files, what was not checked and why: shown beside the report. */
  notes: string[];
}

/** Permissive and weak-copyleft licences: what most organisations allow without review. */
export const DEFAULT_ALLOWED_LICENSES: readonly string[] = [
  "MIT",
  "MIT-0",
  "ISC",
  "0BSD",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "Apache-2.0",
  "Unlicense",
  "CC0-1.0",
  "CC-BY-4.0",
  "BlueOak-1.0.0",
  "Python-2.0",
  "PSF-2.0",
  "Zlib",
  "MPL-2.0",
  "LGPL-2.1",
  "LGPL-2.1-only",
  "LGPL-2.1-or-later",
  "LGPL-3.0",
  "LGPL-3.0-only",
  "LGPL-3.0-or-later",
  "WTFPL",
];

const LOCKFILE_KINDS = new Set([
  "package-lock",
  "pnpm-lock",
  "yarn-lock",
  "poetry-lock",
  "uv-lock",
  "pipfile-lock",
]);

/** Reads every dependency file given and reports what its packages carry. */
export async function analyzeDependencies(
  files: readonly DependencyFile[],
  options: DependencyOptions,
): Promise<DependencyResult> {
  const notes: string[] = [];
  const read: Array<{ path: string; kind: string; packages: LockedPackage[] }> = [];
  for (const file of files) {
    const kind = lockfileKind(file.path);
    if (!kind) continue;
    const result = parseLockfile(file.path, file.text);
    notes.push(...result.problems);
    read.push({ path: file.path, kind: result.kind, packages: result.packages });
  }
  const detected: Detected[] = [];
  const locked = new Set(
    read.filter((file) => LOCKFILE_KINDS.has(file.kind)).map((file) => directoryOf(file.path)),
  );

  // Advisories: every pinned version, once per ecosystem, name and version.
  const installed = new Map<string, InstalledPackage>();
  for (const file of read) {
    for (const pkg of file.packages) {
      if (pkg.version === null) continue;
      const key = `${pkg.ecosystem}\u0000${normalisePackageName(pkg.ecosystem, pkg.name)}\u0000${pkg.version}`;
      if (!installed.has(key))
        installed.set(key, { ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version });
    }
  }
  if (options.advisories && installed.size > 0) {
    const packages = [...installed.values()];
    const records = await options.advisories.advisoriesFor(packages);
    const byPackage = new Map(
      matchAll(records, packages).map((result) => [packageKey(result.package), result] as const),
    );
    for (const file of read) {
      for (const pkg of file.packages) {
        if (pkg.version === null) continue;
        const result = byPackage.get(
          packageKey({ ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version }),
        );
        for (const match of result?.matches ?? []) detected.push(vulnerable(file.path, pkg, match));
      }
    }
  } else if (!options.advisories && installed.size > 0) {
    notes.push("dependencies were not checked against advisories (offline, and no OSV snapshot was given)");
  }

  // Outdated: direct dependencies (or ones the file cannot say are not) a major version or more behind.
  const direct = read.flatMap((file) =>
    file.packages.filter((pkg) => pkg.direct !== false && pkg.version !== null).map((pkg) => ({ file, pkg })),
  );
  if (options.versions && direct.length > 0) {
    const latest = await options.versions.latest(direct.map(({ pkg }) => pkg));
    for (const { file, pkg } of direct) {
      const newest = latest.get(versionKey(pkg.ecosystem, pkg.name));
      const behind = newest && pkg.version ? majorsBehind(pkg.ecosystem, pkg.version, newest) : 0;
      if (newest && behind > 0) detected.push(outdated(file.path, pkg, newest, behind));
    }
  } else if (direct.length > 0 && options.versions === null) {
    notes.push("dependencies were not checked for newer releases (the registries are not asked offline)");
  }

  const allowed = new Set(
    (options.allowedLicenses ?? DEFAULT_ALLOWED_LICENSES).map((id) => id.toLowerCase()),
  );
  for (const file of read) {
    const hasLockfile = locked.has(directoryOf(file.path));
    for (const pkg of file.packages) {
      if (pkg.version === null && pkg.direct !== false && !hasLockfile && pkg.source === null)
        detected.push(unpinned(file.path, pkg));
      const popular = pkg.direct !== false ? typosquatOf(pkg) : null;
      if (popular) detected.push(typosquat(file.path, pkg, popular));
      if (pkg.license && !licenseAllowed(pkg.license, allowed)) detected.push(license(file.path, pkg));
    }
  }
  return { detected, packages: read.reduce((sum, file) => sum + file.packages.length, 0), notes };
}

function packageKey(pkg: InstalledPackage): string {
  return `${pkg.ecosystem}\u0000${normalisePackageName(pkg.ecosystem, pkg.name)}\u0000${pkg.version}`;
}

function directoryOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

/**
 * Whether an SPDX expression is allowed: `A OR B` when either is, `A AND B` when both are, `(…)` and `WITH`
 * exceptions read through. Unknown strings (`SEE LICENSE IN …`, `UNLICENSED`) are not allowed.
 */
export function licenseAllowed(expression: string, allowed: ReadonlySet<string>): boolean {
  const text = expression
    .replace(/[()]/g, " ")
    .replace(/\s+WITH\s+\S+/gi, "")
    .trim();
  return text
    .split(/\s+OR\s+/i)
    .some((all) => all.split(/\s+AND\s+/i).every((id) => allowed.has(id.trim().toLowerCase())));
}

/**
 * The popular package `pkg` imitates: one character dropped, doubled, swapped with its neighbour or replaced, or a
 * separator changed, on a name of at least five characters; null when none (or when it is a known package).
 */
export function typosquatOf(pkg: Pick<LockedPackage, "ecosystem" | "name">): string | null {
  const popular = pkg.ecosystem === "npm" ? POPULAR_NPM : POPULAR_PYPI;
  const name = normalisePackageName(pkg.ecosystem, pkg.name).toLowerCase();
  if (popular.has(name) || KNOWN_NEIGHBOURS.has(name)) return null;
  const separatorless = name.replace(/[-_.]/g, "");
  for (const candidate of popular) {
    if (candidate.length < 5 || Math.abs(candidate.length - name.length) > 1) continue;
    if (candidate.replace(/[-_.]/g, "") === separatorless && candidate !== name) return candidate;
    if (oneEditApart(name, candidate)) return candidate;
  }
  return null;
}

/** One insertion, deletion, substitution or transposition of neighbours (Damerau-Levenshtein distance 1). */
function oneEditApart(a: string, b: string): boolean {
  if (a === b) return false;
  if (a.length === b.length) {
    const diffs: number[] = [];
    for (let i = 0; i < a.length && diffs.length <= 2; i++) if (a[i] !== b[i]) diffs.push(i);
    if (diffs.length === 1) return true;
    const [i, j] = diffs;
    return (
      diffs.length === 2 && j === (i as number) + 1 && a[i as number] === b[j] && a[j] === b[i as number]
    );
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  return short.slice(i) === long.slice(i + 1);
}

/** A package where a file names it: a lockfile entry, or an OS package in an image's package database. */
export type PackageOccurrence = Pick<LockedPackage, "name" | "version" | "direct" | "dev" | "line"> & {
  ecosystem: string;
};

function finding(
  ruleId: string,
  path: string,
  pkg: PackageOccurrence,
  detail: Partial<Detected> & { identity: string; description: string; match: string },
): Detected {
  const rule = ruleInfo(ruleId);
  return {
    ruleId,
    severity: detail.severity ?? rule.severity,
    title: rule.title,
    description: detail.description,
    detection: rule.detection,
    owasp: [...rule.owasp],
    cwe: [...rule.cwe],
    location: { type: "file", path, line: pkg.line, column: 1 },
    match: detail.match,
    remediation: detail.remediation ?? rule.remediation,
    identity: detail.identity,
  };
}

const describe = (pkg: PackageOccurrence) =>
  `${pkg.name}${pkg.version ? `@${pkg.version}` : ""} (${pkg.ecosystem}${pkg.direct === true ? ", direct" : pkg.direct === false ? ", transitive" : ""}${pkg.dev ? ", development only" : ""})`;

/** The finding for a package `match` says is vulnerable, with its fix as the remedy. */
export function vulnerable(
  path: string,
  pkg: PackageOccurrence,
  match: ReturnType<typeof matchAll>[number]["matches"][number],
): Detected {
  const rule = ruleInfo("dep-known-vulnerability");
  const aliases = match.aliases.length > 0 ? ` (${match.aliases.slice(0, 3).join(", ")})` : "";
  const fix = match.fixed
    ? `Fixed in ${match.fixed}.`
    : "No fixed version is published: replace the package or mitigate the issue where it is used.";
  return finding(rule.id, path, pkg, {
    severity: match.severity,
    description: `${describe(pkg)} is affected by ${match.id}${aliases}: ${match.summary || "see the advisory"}. Affected: ${match.range}. ${fix}`,
    match: `${pkg.name}@${pkg.version}`,
    identity: `${pkg.ecosystem}:${normalisePackageName(pkg.ecosystem, pkg.name)}@${pkg.version}:${match.id}`,
    remediation: {
      ...rule.remediation,
      steps: match.fixed
        ? [
            `Upgrade ${pkg.name} to ${match.fixed} or later${pkg.direct === false ? " (through the dependency that requires it, or an override)" : ""}.`,
            ...rule.remediation.steps,
          ]
        : rule.remediation.steps,
    },
  });
}

/** How many major versions `installed` is behind `latest` (0 when not behind, or when either cannot be read). */
export function majorsBehind(ecosystem: string, installed: string, latest: string): number {
  const scheme = ecosystem === "npm" ? "semver" : ecosystem === "PyPI" ? "pep440" : null;
  if (!scheme || (compareVersions(scheme, installed, latest) ?? 0) >= 0) return 0;
  const major = (version: string) => Number(/^\D*?(?:\d+!)?(\d+)/.exec(version)?.[1] ?? Number.NaN);
  const behind = major(latest) - major(installed);
  return Number.isFinite(behind) && behind > 0 ? behind : 0;
}

function outdated(path: string, pkg: LockedPackage, latest: string, behind: number): Detected {
  return finding("dep-outdated", path, pkg, {
    description: `${describe(pkg)} is ${behind} major ${behind === 1 ? "version" : "versions"} behind the latest release, ${latest}. Old majors stop getting security fixes.`,
    match: `${pkg.name}@${pkg.version} (latest ${latest})`,
    identity: `${pkg.ecosystem}:${normalisePackageName(pkg.ecosystem, pkg.name)}@${pkg.version}:outdated`,
  });
}

function unpinned(path: string, pkg: LockedPackage): Detected {
  return finding("dep-unpinned", path, pkg, {
    description: `${describe(pkg)} is declared as "${pkg.requirement || "any version"}" and no lockfile beside ${path} pins it: each install may take a different version, including a compromised one.`,
    match: `${pkg.name} ${pkg.requirement ?? ""}`.trim(),
    identity: `${pkg.ecosystem}:${normalisePackageName(pkg.ecosystem, pkg.name)}`,
  });
}

function typosquat(path: string, pkg: LockedPackage, popular: string): Detected {
  return finding("dep-typosquat", path, pkg, {
    description: `${describe(pkg)} is one slip away from the popular package "${popular}". Typosquatted packages imitate popular names to be installed by mistake.`,
    match: pkg.name,
    identity: `${pkg.ecosystem}:${normalisePackageName(pkg.ecosystem, pkg.name)}~${popular}`,
  });
}

function license(path: string, pkg: LockedPackage): Detected {
  return finding("dep-license", path, pkg, {
    description: `${describe(pkg)} is licensed "${pkg.license}", which is not on the allowed list.`,
    match: `${pkg.name}: ${pkg.license}`,
    identity: `${pkg.ecosystem}:${normalisePackageName(pkg.ecosystem, pkg.name)}:${pkg.license}`,
  });
}
