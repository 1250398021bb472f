// Which OSV advisories (https://ossf.github.io/osv-schema/) affect an installed package and the fix to move to (the
// severity is advisory-severity.ts's). The records come from the caller; nothing here reaches the network.
import { z } from "zod";
import { type Severity, severityRank } from "../finding.ts";
import { severityOf } from "./advisory-severity.ts";
import {
  compareVersions,
  ecosystemBase,
  ecosystemRelease,
  schemeOfEcosystem,
  type VersionScheme,
} from "./versions.ts";

const Event = z.union([
  z.object({ introduced: z.string() }),
  z.object({ fixed: z.string() }),
  z.object({ last_affected: z.string() }),
  z.object({ limit: z.string() }),
]);
type Event = z.infer<typeof Event>;

const Specific = z.record(z.string(), z.unknown());
const Score = z.object({ type: z.string(), score: z.string() });

const Range = z.object({
  // Any string: a record with a range type newer than this reader still parses, and that range is skipped.
  type: z.string(),
  repo: z.string().optional(),
  events: z.array(Event),
});

const Affected = z.object({
  package: z.object({ ecosystem: z.string(), name: z.string(), purl: z.string().optional() }).optional(),
  severity: z.array(Score).optional(),
  ranges: z.array(Range).optional(),
  versions: z.array(z.string()).optional(),
  database_specific: Specific.optional(),
  ecosystem_specific: Specific.optional(),
});
type Affected = z.infer<typeof Affected>;

/** The parts of an OSV record the matcher and the report read; other fields are dropped, never a reason to reject. */
export const OsvRecord = z.object({
  id: z.string(),
  aliases: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  modified: z.string(),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  severity: z.array(Score).optional(),
  affected: z.array(Affected).optional(),
  references: z.array(z.object({ type: z.string(), url: z.string() })).optional(),
  database_specific: Specific.optional(),
});
export type OsvRecord = z.infer<typeof OsvRecord>;

export interface Match {
  id: string;
  aliases: string[];
  summary: string;
  severity: Severity;
  /**
   * The remedy: the lowest `fixed` version above the installed one that no range of the advisory affects. Null when
   * no such fix is published.
   */
  fixed: string | null;
  /** the versions of the range that matched, for the report */
  range: string;
}

export interface InstalledPackage {
  ecosystem: string;
  name: string;
  version: string;
}

export interface PackageAdvisories {
  package: InstalledPackage;
  /** Most severe first. */
  matches: Match[];
  /** Ids of advisories for this package whose ranges could not be evaluated at this version: the report says so. */
  undetermined: string[];
}

/** PyPI names per PEP 503 (`Typing_Extensions` is `typing-extensions`); other ecosystems' names as given. */
export function normalisePackageName(ecosystem: string, name: string): string {
  return ecosystemBase(ecosystem) === "pypi" ? name.toLowerCase().replace(/[-_.]+/g, "-") : name;
}

/**
 * A record for plain `Debian` covers every Debian release; one for `Debian:11` does not cover `Debian:12`. A caller
 * that does not know its release gets every release's records: better a fix version from a sibling release than a
 * vulnerability left out.
 */
function sameEcosystem(recordEcosystem: string, wanted: string): boolean {
  if (ecosystemBase(recordEcosystem) !== ecosystemBase(wanted)) return false;
  const recordRelease = ecosystemRelease(recordEcosystem);
  const wantedRelease = ecosystemRelease(wanted);
  return recordRelease === null || wantedRelease === null || recordRelease === wantedRelease;
}

interface Bound {
  kind: "introduced" | "fixed" | "last_affected" | "limit";
  version: string;
}

function bound(event: Event): Bound {
  if ("introduced" in event) return { kind: "introduced", version: event.introduced };
  if ("fixed" in event) return { kind: "fixed", version: event.fixed };
  if ("last_affected" in event) return { kind: "last_affected", version: event.last_affected };
  return { kind: "limit", version: event.limit };
}

// The schema's special values: `introduced: "0"` sorts before every version, a `limit` holding `*` after every one.
const isFloor = (item: Bound) => item.kind === "introduced" && item.version === "0";
const isCeiling = (item: Bound) => item.kind === "limit" && item.version.includes("*");
/**
 * At one version, ends sort before an introduced: [1.0, 2.0) and [2.0, 3.0) listed in any order must leave 2.0
 * affected, and that needs the second range to reopen after the first one closes.
 */
const tieRank = (item: Bound) => (item.kind === "introduced" ? 1 : 0);

type RangeVerdict = { affected: false } | { affected: true; label: string } | "unknown";

/** The schema's evaluation: events in version order, below some limit, after an introduced and before its end. */
function evaluateRange(events: readonly Event[], scheme: VersionScheme, version: string): RangeVerdict {
  const compare = (a: string, b: string) => compareVersions(scheme, a, b) ?? 0;
  const parses = (text: string) => compareVersions(scheme, text, text) !== null;
  const bounds = events.map(bound);
  // An event that does not parse could be the one that includes this version: cannot tell, never "not affected".
  const unreadable = bounds.some((item) => !isFloor(item) && !isCeiling(item) && !parses(item.version));
  if (!parses(version) || unreadable) return "unknown";
  const limits = bounds.filter((item) => item.kind === "limit");
  if (limits.length > 0 && !limits.some((item) => isCeiling(item) || compare(version, item.version) < 0)) {
    return { affected: false };
  }
  const sorted = bounds
    .filter((item) => item.kind !== "limit")
    .sort(
      (a, b) =>
        Number(isFloor(b)) - Number(isFloor(a)) ||
        (isFloor(a) ? 0 : compare(a.version, b.version) || tieRank(a) - tieRank(b)),
    );
  let opened = -1;
  sorted.forEach((item, index) => {
    if (item.kind === "introduced" && (isFloor(item) || compare(version, item.version) >= 0)) opened = index;
    else if (item.kind === "fixed" && compare(version, item.version) >= 0) opened = -1;
    else if (item.kind === "last_affected" && compare(version, item.version) > 0) opened = -1;
  });
  const start = sorted[opened];
  if (!start) return { affected: false };
  const end = sorted.slice(opened + 1).find((item) => item.kind === "fixed" || item.kind === "last_affected");
  const limit = limits
    .filter((item) => !isCeiling(item))
    .sort((a, b) => compare(a.version, b.version))
    .find((item) => compare(version, item.version) < 0);
  const parts = [
    isFloor(start) ? null : `>=${start.version}`,
    end ? `${end.kind === "fixed" ? "<" : "<="}${end.version}` : null,
    limit && !end ? `<${limit.version}` : null,
  ].filter((part) => part !== null);
  return { affected: true, label: parts.length > 0 ? parts.join(", ") : "all versions" };
}

interface Fix {
  version: string;
  scheme: VersionScheme;
  /** The ecosystem the fix is checked in: the caller's, or the entry's release when the caller named none. */
  scope: string;
}

/** What one record says about one installed version: the evaluation both the verdict and the remedy start from. */
interface Assessment {
  /** The first matching range's versions, or `=version` for a listed version; null when nothing matched. */
  label: string | null;
  /** Some range naming the package could not be evaluated at this version. */
  undetermined: boolean;
  /** The record's entries for this package (their severities count). */
  entries: Affected[];
  /** Every `fixed` version above the installed one: the remedy's candidates. */
  fixes: Fix[];
}

/** The scheme a range is read in; "skip" for GIT ranges (they need the commit graph) and types this reader predates. */
function rangeScheme(type: string, ecosystemScheme: VersionScheme | null): VersionScheme | null | "skip" {
  if (type === "SEMVER") return "semver";
  if (type === "ECOSYSTEM") return ecosystemScheme;
  return "skip";
}

function assess(record: OsvRecord, ecosystem: string, name: string, version: string): Assessment {
  const wantedName = normalisePackageName(ecosystem, name);
  const found: Assessment = { label: null, undetermined: false, entries: [], fixes: [] };
  let listed: string | null = null;
  for (const affected of record.affected ?? []) {
    const pkg = affected.package;
    if (!pkg || !sameEcosystem(pkg.ecosystem, ecosystem)) continue;
    if (normalisePackageName(pkg.ecosystem, pkg.name) !== wantedName) continue;
    found.entries.push(affected);
    const ecosystemScheme = schemeOfEcosystem(pkg.ecosystem);
    // Debian:11's fix is no fix on Debian:12: a caller that named no release gets each release's fix checked there.
    const scope = ecosystemRelease(ecosystem) === null ? pkg.ecosystem : ecosystem;
    for (const range of affected.ranges ?? []) {
      const scheme = rangeScheme(range.type, ecosystemScheme);
      if (scheme === "skip") continue;
      if (scheme === null) {
        found.undetermined = true;
        continue;
      }
      const verdict = evaluateRange(range.events, scheme, version);
      if (verdict === "unknown") found.undetermined = true;
      else if (verdict.affected) found.label ??= verdict.label;
      for (const event of range.events) {
        if ("fixed" in event && (compareVersions(scheme, event.fixed, version) ?? 0) > 0) {
          found.fixes.push({ version: event.fixed, scheme, scope });
        }
      }
    }
    listed ??=
      affected.versions?.find(
        (candidate) =>
          candidate === version ||
          (ecosystemScheme !== null && compareVersions(ecosystemScheme, candidate, version) === 0),
      ) ?? null;
  }
  found.label ??= listed === null ? null : `=${listed}`;
  return found;
}

/** Each candidate costs a pass over the records: a record listing thousands of fixes is not searched to its end. */
const MAX_FIX_CANDIDATES = 100;

/**
 * The lowest candidate that none of `records` affects. A fix for one range can sit inside another ([0, 2.5.0) and
 * [1.0.0, 1.5.0): 1.5.0 is still affected), so each candidate is checked against every range, lowest first.
 */
function lowestSafeFix(records: readonly OsvRecord[], fixes: readonly Fix[], name: string): string | null {
  const candidates = [...fixes].sort((a, b) => compareVersions(a.scheme, a.version, b.version) ?? 0);
  const tried = new Set<string>();
  for (const fix of candidates) {
    const key = `${fix.scope}\u0000${fix.version}`;
    if (tried.has(key)) continue;
    if (tried.size >= MAX_FIX_CANDIDATES) break;
    tried.add(key);
    if (records.every((record) => assess(record, fix.scope, name, fix.version).label === null)) {
      return fix.version;
    }
  }
  return null;
}

interface Evaluated {
  record: OsvRecord;
  match: Match;
  fixes: Fix[];
}

function evaluate(
  record: OsvRecord,
  ecosystem: string,
  name: string,
  version: string,
): Evaluated | "unknown" | null {
  if (record.withdrawn !== undefined) return null;
  const found = assess(record, ecosystem, name, version);
  if (found.label === null) return found.undetermined ? "unknown" : null;
  const match: Match = {
    id: record.id,
    aliases: record.aliases ?? [],
    summary: summaryOf(record),
    severity: severityOf([record, ...found.entries]),
    fixed: lowestSafeFix([record], found.fixes, name),
    range: found.label,
  };
  return { record, match, fixes: found.fixes };
}

/**
 * Whether `record` affects `name` at `version` in `ecosystem` (pass the release when known: `Debian:12`). "unknown"
 * when a range that names the package cannot be evaluated (the version or a bound does not parse in the ecosystem's
 * scheme); null when not affected or withdrawn. GIT ranges need the commit graph and are skipped, as are range types
 * newer than this reader.
 */
export function matchAdvisory(
  record: OsvRecord,
  ecosystem: string,
  name: string,
  version: string,
): Match | "unknown" | null {
  const result = evaluate(record, ecosystem, name, version);
  return result === null || result === "unknown" ? result : result.match;
}

function summaryOf(record: OsvRecord): string {
  const summary = record.summary?.trim();
  if (summary) return summary;
  const firstLine = record.details?.trim().split("\n")[0]?.trim() ?? "";
  return firstLine.length > 200 ? `${firstLine.slice(0, 199)}…` : firstLine;
}

/**
 * Every package's advisories, one entry per package in the order given. Records are indexed once by ecosystem and
 * normalised name, so each package only meets the records that name it.
 */
export function matchAll(
  records: readonly OsvRecord[],
  packages: ReadonlyArray<InstalledPackage>,
): PackageAdvisories[] {
  const index = new Map<string, OsvRecord[]>();
  for (const record of records) {
    if (record.withdrawn !== undefined) continue;
    for (const affected of record.affected ?? []) {
      if (!affected.package) continue;
      const key = indexKey(affected.package.ecosystem, affected.package.name);
      const bucket = index.get(key);
      if (!bucket) index.set(key, [record]);
      else if (bucket[bucket.length - 1] !== record) bucket.push(record);
    }
  }
  return packages.map((pkg) => {
    const found: Evaluated[] = [];
    const unknown: OsvRecord[] = [];
    for (const record of index.get(indexKey(pkg.ecosystem, pkg.name)) ?? []) {
      const result = evaluate(record, pkg.ecosystem, pkg.name, pkg.version);
      if (result === "unknown") unknown.push(record);
      else if (result) found.push(result);
    }
    const matches = mergeAliases(found, pkg.name);
    matches.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.id < b.id ? -1 : 1));
    // An advisory already reported under another of its ids is not also "could not tell".
    const reported = new Set(matches.flatMap((match) => [match.id, ...match.aliases]));
    const undetermined = unknown
      .filter((record) => ![record.id, ...(record.aliases ?? [])].some((id) => reported.has(id)))
      .map((record) => record.id);
    return { package: pkg, matches, undetermined };
  });
}

function indexKey(ecosystem: string, name: string): string {
  return `${ecosystemBase(ecosystem)}\u0000${normalisePackageName(ecosystem, name)}`;
}

/**
 * One match per vulnerability: databases publish the same one under several ids that alias each other (PYSEC-… and
 * GHSA-…), and records sharing any id are merged, transitively. The merged match takes the GHSA id when there is one
 * (else the first), every other id as an alias, the highest severity and the lowest fix none of them contradicts.
 */
function mergeAliases(found: readonly Evaluated[], name: string): Match[] {
  const parent = found.map((_, index) => index);
  const root = (index: number): number => {
    let at = index;
    while (parent[at] !== at) at = parent[at] ?? at;
    parent[index] = at;
    return at;
  };
  const owner = new Map<string, number>();
  found.forEach(({ match }, index) => {
    for (const id of [match.id, ...match.aliases]) {
      const other = owner.get(id);
      if (other === undefined) owner.set(id, index);
      else parent[root(index)] = root(other);
    }
  });
  const groups = new Map<number, [Evaluated, ...Evaluated[]]>();
  found.forEach((item, index) => {
    const key = root(index);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  });
  return [...groups.values()].map((group) => {
    const [first] = group;
    if (group.length === 1) return first.match;
    const chosen = group.find((item) => item.match.id.startsWith("GHSA-")) ?? first;
    const ids = new Set(group.flatMap((item) => [item.match.id, ...item.match.aliases]));
    ids.delete(chosen.match.id);
    const severity = group
      .map((item) => item.match.severity)
      .reduce((high, next) => (severityRank(next) > severityRank(high) ? next : high));
    const fixed = lowestSafeFix(
      group.map((item) => item.record),
      group.flatMap((item) => item.fixes),
      name,
    );
    return { ...chosen.match, aliases: [...ids], severity, fixed };
  });
}
