// The severity of an OSV advisory for the report: the database's own label, else a CVSS 3.x base score computed with the
// specification's formula, else a coarse reading of a CVSS 4.0 vector or Ubuntu's priority.
import type { Severity } from "../finding.ts";

/** The parts of an OSV record, or of one of its affected entries, that can say how severe it is. */
export interface SeveritySource {
  severity?: ReadonlyArray<{ type: string; score: string }>;
  database_specific?: Record<string, unknown>;
}

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

/** The record's severity, then its packages' entries' (`sources` in that order); "medium" when none says. */
export function severityOf(sources: readonly SeveritySource[]): Severity {
  for (const source of sources) {
    const label = source.database_specific?.severity;
    const severity = typeof label === "string" ? LABELS[label.trim().toUpperCase()] : undefined;
    if (severity) return severity;
  }
  const scores = sources.flatMap((source) => source.severity ?? []);
  const v3 = scores
    .filter((score) => score.type === "CVSS_V3")
    .map((score) => cvss3BaseScore(score.score))
    .filter((score) => score !== null);
  // reduce, not Math.max(...v3): a record with a huge score list would overflow the argument list.
  if (v3.length > 0) return ratingOf(v3.reduce((high, score) => Math.max(high, score)));
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
