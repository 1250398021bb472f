// Which OSV advisories (https://ossf.github.io/osv-schema/) affect an installed package, the fix to move to and a
// severity for the report. The records come from the caller; nothing here reaches the network.
import { z } from "zod";
import { type Severity, severityRank } from "../finding.ts";
import { compareVersions, schemeOfEcosystem, type VersionScheme } from "./versions.ts";

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
  type: z.enum(["SEMVER", "ECOSYSTEM", "GIT"]),
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
  /** The lowest `fixed` version above the installed one: the remedy. Null when no fix is published. */
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

function ecosystemBase(ecosystem: string): string {
  return (ecosystem.split(":")[0] ?? "").trim().toLowerCase();
}

/**
 * The distribution release after the first `:` (`Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04:LTS`), null for none.
 * Ubuntu's `:LTS` marker and Alpine's `v` are spelling, not a different release; `Ubuntu:Pro:…` stays distinct.
 */
function ecosystemRelease(ecosystem: string): string | null {
  const colon = ecosystem.indexOf(":");
  if (colon < 0) return null;
  const base = ecosystemBase(ecosystem);
  const parts = ecosystem
    .slice(colon + 1)
    .split(":")
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== "" && !(base === "ubuntu" && part === "lts"));
  if (base === "alpine" && parts[0]) parts[0] = parts[0].replace(/^v(?=\d)/, "");
  return parts.length > 0 ? parts.join(":") : null;
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
    .sort((a, b) => (isFloor(a) ? (isFloor(b) ? 0 : -1) : isFloor(b) ? 1 : compare(a.version, b.version)));
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
}

function lowestFix(fixes: readonly Fix[]): string | null {
  let best: Fix | null = null;
  for (const fix of fixes) {
    if (best === null || (compareVersions(best.scheme, fix.version, best.version) ?? 0) < 0) best = fix;
  }
  return best?.version ?? null;
}

/**
 * Whether `record` affects `name` at `version` in `ecosystem` (pass the release when known: `Debian:12`). "unknown"
 * when a range that names the package cannot be evaluated (the version or a bound does not parse in the ecosystem's
 * scheme); null when not affected or withdrawn. GIT ranges need the commit graph and are skipped.
 */
export function matchAdvisory(
  record: OsvRecord,
  ecosystem: string,
  name: string,
  version: string,
): Match | "unknown" | null {
  if (record.withdrawn !== undefined) return null;
  const wantedName = normalisePackageName(ecosystem, name);
  const entries: Affected[] = [];
  const fixes: Fix[] = [];
  let rangeLabel: string | null = null;
  let listed: string | null = null;
  let undetermined = false;
  for (const affected of record.affected ?? []) {
    const pkg = affected.package;
    if (!pkg || !sameEcosystem(pkg.ecosystem, ecosystem)) continue;
    if (normalisePackageName(pkg.ecosystem, pkg.name) !== wantedName) continue;
    entries.push(affected);
    const ecosystemScheme = schemeOfEcosystem(pkg.ecosystem);
    for (const range of affected.ranges ?? []) {
      if (range.type === "GIT") continue;
      const scheme = range.type === "SEMVER" ? "semver" : ecosystemScheme;
      if (scheme === null) {
        undetermined = true;
        continue;
      }
      const verdict = evaluateRange(range.events, scheme, version);
      if (verdict === "unknown") undetermined = true;
      else if (verdict.affected) rangeLabel ??= verdict.label;
      for (const event of range.events) {
        if ("fixed" in event && (compareVersions(scheme, event.fixed, version) ?? 0) > 0) {
          fixes.push({ version: event.fixed, scheme });
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
  const label = rangeLabel ?? (listed === null ? null : `=${listed}`);
  if (label === null) return undetermined ? "unknown" : null;
  return {
    id: record.id,
    aliases: record.aliases ?? [],
    summary: summaryOf(record),
    severity: severityOf(record, entries),
    fixed: lowestFix(fixes),
    range: label,
  };
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
    const matches: Match[] = [];
    const undetermined: string[] = [];
    for (const record of index.get(indexKey(pkg.ecosystem, pkg.name)) ?? []) {
      const result = matchAdvisory(record, pkg.ecosystem, pkg.name, pkg.version);
      if (result === "unknown") undetermined.push(record.id);
      else if (result) matches.push(result);
    }
    matches.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.id < b.id ? -1 : 1));
    return { package: pkg, matches, undetermined };
  });
}

function indexKey(ecosystem: string, name: string): string {
  return `${ecosystemBase(ecosystem)}\u0000${normalisePackageName(ecosystem, name)}`;
}

// Severity ----------------------------------------------------------------------------------------------------------
//
// In order: the database's own label (GitHub's `database_specific.severity`: CRITICAL, HIGH, MODERATE, LOW), on the
// record then on the package; else the highest CVSS 3.x base score, computed with the specification's formula; else
// a CVSS 4.0 vector read coarsely (its score needs FIRST's lookup tables, not carried here): high impact on the
// vulnerable or subsequent system is "high", "critical" when also reachable over the network with low complexity, no
// attack requirements, privileges or user interaction; low impact only is "medium" over the network or an adjacent
// one, "low" otherwise; no impact is "low". Then Ubuntu's priority; else "medium", since a known vulnerability with
// no severity is neither ignorable nor proven critical.

const LABELS: Record<string, Severity> = {
  CRITICAL: "critical",
  HIGH: "high",
  MODERATE: "medium",
  MEDIUM: "medium",
  LOW: "low",
  NEGLIGIBLE: "low",
};

function severityOf(record: OsvRecord, entries: readonly Affected[]): Severity {
  for (const specific of [record.database_specific, ...entries.map((entry) => entry.database_specific)]) {
    const label = specific?.severity;
    const severity = typeof label === "string" ? LABELS[label.trim().toUpperCase()] : undefined;
    if (severity) return severity;
  }
  const scores = [...(record.severity ?? []), ...entries.flatMap((entry) => entry.severity ?? [])];
  const v3 = scores
    .filter((score) => score.type === "CVSS_V3")
    .map((score) => cvss3BaseScore(score.score))
    .filter((score) => score !== null);
  if (v3.length > 0) return ratingOf(Math.max(...v3));
  for (const score of scores) {
    const severity =
      score.type === "CVSS_V4"
        ? cvss4Coarse(score.score)
        : score.type === "Ubuntu"
          ? LABELS[score.score.trim().toUpperCase()]
          : undefined;
    if (severity) return severity;
  }
  return "medium";
}

/** CVSS qualitative rating scale; "None" (0.0) reports as low. */
function ratingOf(score: number): Severity {
  return score >= 9 ? "critical" : score >= 7 ? "high" : score >= 4 ? "medium" : "low";
}

function vectorMetrics(vector: string, prefix: RegExp): Map<string, string> | null {
  const [head, ...parts] = vector.trim().split("/");
  if (!head || !prefix.test(head)) return null;
  const metrics = new Map<string, string>();
  for (const part of parts) {
    const [key, value, extra] = part.split(":");
    if (!key || !value || extra !== undefined) return null;
    metrics.set(key, value);
  }
  return metrics;
}

const CVSS3 = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
  PR: { N: 0.85, L: 0.62, H: 0.27 },
  PR_CHANGED: { N: 0.85, L: 0.68, H: 0.5 },
} satisfies Record<string, Record<string, number>>;

function weight(table: Record<string, number>, value: string | undefined): number | null {
  return value !== undefined && Object.hasOwn(table, value) ? (table[value] ?? null) : null;
}

/** The CVSS 3.0/3.1 base score of a vector, or null when it is not one. */
function cvss3BaseScore(vector: string): number | null {
  const metrics = vectorMetrics(vector, /^CVSS:3\.[01]$/);
  if (!metrics) return null;
  const scope = metrics.get("S");
  if (scope !== "U" && scope !== "C") return null;
  const changed = scope === "C";
  const av = weight(CVSS3.AV, metrics.get("AV"));
  const ac = weight(CVSS3.AC, metrics.get("AC"));
  const pr = weight(changed ? CVSS3.PR_CHANGED : CVSS3.PR, metrics.get("PR"));
  const ui = weight(CVSS3.UI, metrics.get("UI"));
  const c = weight(CVSS3.CIA, metrics.get("C"));
  const i = weight(CVSS3.CIA, metrics.get("I"));
  const a = weight(CVSS3.CIA, metrics.get("A"));
  if (av === null || ac === null || pr === null || ui === null || c === null || i === null || a === null)
    return null;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  if (impact <= 0) return 0;
  const exploitability = 8.22 * av * ac * pr * ui;
  return roundUp(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));
}

/** CVSS 3.1's Roundup: the smallest one-decimal number at or above the input, free of floating-point drift. */
function roundUp(value: number): number {
  const scaled = Math.round(value * 100_000);
  return scaled % 10_000 === 0 ? scaled / 100_000 : (Math.floor(scaled / 10_000) + 1) / 10;
}

function cvss4Coarse(vector: string): Severity | undefined {
  const metrics = vectorMetrics(vector, /^CVSS:4\.0$/);
  if (!metrics) return undefined;
  const impacts = ["VC", "VI", "VA", "SC", "SI", "SA"].map((key) => metrics.get(key));
  if (impacts.some((value) => value !== "H" && value !== "L" && value !== "N")) return undefined;
  const reachable = metrics.get("AV") === "N" || metrics.get("AV") === "A";
  if (impacts.includes("H")) {
    const effortless = ["AV:N", "AC:L", "AT:N", "PR:N", "UI:N"].every((pair) => {
      const [key = "", value] = pair.split(":");
      return metrics.get(key) === value;
    });
    return effortless ? "critical" : "high";
  }
  if (impacts.includes("L")) return reachable ? "medium" : "low";
  return "low";
}
