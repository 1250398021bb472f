// What a tool reported on the generated tree, against what was planted: planted positives found, planted negatives
// flagged, findings on the clean text (false positives of realistic code), and any finding in a path both tools
// must skip (a file-selection bug).
import type { Repo } from "./repo.ts";
import { SECRETLINT_EQUIVALENT } from "./secretlint-map.ts";
import type { ToolFinding } from "./tree-scans.ts";

export interface TreeEval {
  positives: number;
  found: number;
  /** Positives of the rules secretlint's preset covers, and how many of them were found. */
  coveredPositives: number;
  coveredFound: number;
  missed: string[];
  negatives: number;
  negativesFlagged: string[];
  /** Findings outside anything planted: realistic code flagged. */
  cleanFindings: number;
  cleanFiles: number;
  cleanByRule: Array<[string, number]>;
  /** Findings in node_modules, the lockfile or binaries. */
  skippedPathFindings: number;
}

export function evaluateTree(repo: Repo, findings: readonly ToolFinding[]): TreeEval {
  const byPath = new Map<string, ToolFinding[]>();
  for (const f of findings) byPath.set(f.path, [...(byPath.get(f.path) ?? []), f]);
  const onPlanted = new Set<ToolFinding>();
  const hit = (path: string, start: number, end: number) => {
    const inside = (byPath.get(path) ?? []).filter((f) => f.offset >= start && f.offset < end);
    for (const f of inside) onPlanted.add(f);
    return inside.length > 0;
  };
  const positives = repo.planted.filter((p) => p.label === "positive");
  // A finding counts for a planted case when it starts within the case's text (on lines of its own in its file)
  // and before the secret ends.
  const found = positives.filter((p) => hit(p.path, p.start, p.secretEnd));
  const covered = positives.filter((p) => p.rule in SECRETLINT_EQUIVALENT);
  const negatives = repo.planted.filter((p) => p.label === "negative");
  const flagged = negatives.filter((p) => hit(p.path, p.start, p.end));
  const skipped = new Set(repo.skipped.map((s) => s.path));
  const clean = findings.filter((f) => !onPlanted.has(f) && !skipped.has(f.path));
  const byRule = new Map<string, number>();
  for (const f of clean) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  return {
    positives: positives.length,
    found: found.length,
    coveredPositives: covered.length,
    coveredFound: covered.filter((p) => found.includes(p)).length,
    missed: positives.filter((p) => !found.includes(p)).map((p) => p.rule),
    negatives: negatives.length,
    negativesFlagged: flagged.map((p) => p.rule),
    cleanFindings: clean.length,
    cleanFiles: new Set(clean.map((f) => f.path)).size,
    cleanByRule: [...byRule].sort((a, b) => b[1] - a[1]),
    skippedPathFindings: findings.filter((f) => skipped.has(f.path)).length,
  };
}
